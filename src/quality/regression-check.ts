import { AXES, GENERAL_INTENT, LABELS_BY_AXIS, type Axis, type AxisScoring } from '../routes-config/schemas.js';
import { thresholdFor } from '../routing/decide.js';
import { buildExemplarIndex, similarities } from '../scoring/exemplar-index.js';

/**
 * Would an exemplar change make routing worse? Two figures, each before and
 * after the change, on the axes it touches: the bank's leave-one-out accuracy
 * (each exemplar classified by all the others) and the accuracy on a pinned
 * validation set. Pure.
 */

export interface BankVector {
  id: number;
  axis: Axis;
  label: string;
  /** L2-normalised. */
  vector: Float32Array;
}

export interface ValidationVector {
  axis: Axis;
  /** A label of the axis, or `general` for intent. */
  label: string;
  vector: Float32Array;
}

export type AxisSettings = Record<Axis, Pick<AxisScoring, 'k' | 'aggregation' | 'threshold' | 'label_thresholds'>>;

export interface FigurePair {
  before: number;
  after: number;
  /** Rows the figure is computed over, after the change. */
  rows: number;
}

export interface RegressionFigures {
  /** Per touched axis: leave-one-out accuracy of the bank. */
  leaveOneOut: Partial<Record<Axis, FigurePair>>;
  /** Per touched axis with validation rows: accuracy on the pinned validation set. */
  validation: Partial<Record<Axis, FigurePair>>;
}

export interface RegressionVerdict extends RegressionFigures {
  tolerance: number;
  /** Each figure that fell by more than the tolerance, in words; empty when the change is safe. */
  regressions: string[];
}

/** Keeps `best[from .. from+k)` sorted descending, `count` of them filled; returns the new count. */
function insertTop(best: Float64Array, from: number, count: number, value: number, k: number): number {
  if (count === k && value <= best[from + k - 1]!) return count;
  let at = Math.min(count, k - 1);
  while (at > 0 && best[from + at - 1]! < value) {
    best[from + at] = best[from + at - 1]!;
    at--;
  }
  best[from + at] = value;
  return count < k ? count + 1 : count;
}

/** The label with the best aggregate of its top k (as scoring/label-scores.ts scores), or undefined when no label has rows. */
function pickBest(
  best: Float64Array,
  counts: Int32Array,
  offset: number,
  labelCount: number,
  settings: AxisSettings[Axis],
): { label: number; score: number } | undefined {
  const k = settings.k;
  let winner: { label: number; score: number } | undefined;
  for (let label = 0; label < labelCount; label++) {
    const count = counts[offset + label]!;
    if (count === 0) continue;
    const from = (offset + label) * k;
    let score = best[from]!;
    if (settings.aggregation !== 'max') {
      let sum = 0;
      for (let i = 0; i < count; i++) sum += best[from + i]!;
      score = settings.aggregation === 'sum' ? sum : sum / count;
    }
    if (winner === undefined || score > winner.score) winner = { label, score };
  }
  return winner;
}

/** Per-label top k of `sims`, skipping row `skip`, into slot `offset` of `best`/`counts`. */
function collectTop(
  sims: Float32Array,
  size: number,
  labelOfRow: Uint16Array,
  labelCount: number,
  k: number,
  skip: number,
  best: Float64Array,
  counts: Int32Array,
  offset: number,
): void {
  for (let r = 0; r < size; r++) {
    if (r === skip) continue;
    const label = labelOfRow[r]!;
    counts[offset + label] = insertTop(best, (offset + label) * k, counts[offset + label]!, sims[r]!, k);
  }
}

function bestLabel(
  sims: Float32Array,
  size: number,
  labelOfRow: Uint16Array,
  labelCount: number,
  settings: AxisSettings[Axis],
  skip: number,
): { label: number; score: number } | undefined {
  const best = new Float64Array(labelCount * settings.k);
  const counts = new Int32Array(labelCount);
  collectTop(sims, size, labelOfRow, labelCount, settings.k, skip, best, counts, 0);
  return pickBest(best, counts, 0, labelCount, settings);
}

function indexOf(axis: Axis, bank: readonly BankVector[]) {
  const rows = bank.filter((row) => row.axis === axis);
  const dim = rows[0]?.vector.length ?? 0;
  return buildExemplarIndex(
    LABELS_BY_AXIS[axis],
    dim,
    rows.map((row) => ({ id: row.id, label: row.label, text: '', vector: row.vector })),
    { coarseMinRows: 0 },
  );
}

/**
 * Every exemplar's per-label top k among the others: what leave-one-out
 * accuracy is made of, kept so that a change that only adds exemplars can be
 * scored by inserting the new similarities rather than redoing every pair.
 */
export interface LeaveOneOutState {
  axis: Axis;
  index: ReturnType<typeof buildExemplarIndex>;
  settings: AxisSettings[Axis];
  /** size x labels x k, best first. */
  best: Float64Array;
  /** size x labels. */
  counts: Int32Array;
  accuracy: number;
}

export function leaveOneOutState(axis: Axis, bank: readonly BankVector[], settings: AxisSettings[Axis]): LeaveOneOutState {
  const index = indexOf(axis, bank);
  const labelCount = index.labels.length;
  const best = new Float64Array(index.size * labelCount * settings.k);
  const counts = new Int32Array(index.size * labelCount);
  const sims = new Float32Array(index.size);
  let correct = 0;
  for (let r = 0; r < index.size; r++) {
    similarities(index, index.matrix.subarray(r * index.dim, (r + 1) * index.dim), sims);
    collectTop(sims, index.size, index.labelOfRow, labelCount, settings.k, r, best, counts, r * labelCount);
    if (pickBest(best, counts, r * labelCount, labelCount, settings)?.label === index.labelOfRow[r]) correct++;
  }
  // One exemplar alone has no others to be judged by; an empty axis has nothing to get wrong.
  return { axis, index, settings, best, counts, accuracy: index.size < 2 ? 1 : correct / index.size };
}

/** Share of the axis's exemplars whose best label among all the other exemplars is their own (no abstention). */
export function leaveOneOutAccuracy(axis: Axis, bank: readonly BankVector[], settings: AxisSettings[Axis]): number {
  return leaveOneOutState(axis, bank, settings).accuracy;
}

/**
 * The leave-one-out state after adding `added` (new exemplars of the state's
 * axis) to the bank the state was built from: the same figures as building it
 * again, for the cost of the new pairs only.
 */
export function leaveOneOutAfterAdding(state: LeaveOneOutState, added: readonly BankVector[]): LeaveOneOutState {
  const { index, settings } = state;
  const k = settings.k;
  const labelCount = index.labels.length;
  const labelIndex = new Map(index.labels.map((label, i) => [label, i]));
  const addedLabels = added.map((row) => {
    const label = labelIndex.get(row.label);
    if (label === undefined) throw new Error(`unknown ${state.axis} label ${row.label}`);
    return label;
  });
  const total = index.size + added.length;
  const dot = (a: Float32Array, b: Float32Array) => {
    let sum = 0;
    for (let d = 0; d < a.length; d++) sum += a[d]! * b[d]!;
    return sum;
  };
  const best = new Float64Array(total * labelCount * k);
  const counts = new Int32Array(total * labelCount);
  best.set(state.best);
  counts.set(state.counts);

  let correct = 0;
  // Old exemplars: their stored top k, plus the new rows.
  for (let r = 0; r < index.size; r++) {
    const offset = r * labelCount;
    const vector = index.matrix.subarray(r * index.dim, (r + 1) * index.dim);
    added.forEach((row, i) => {
      const label = addedLabels[i]!;
      counts[offset + label] = insertTop(best, (offset + label) * k, counts[offset + label]!, dot(vector, row.vector), k);
    });
    if (pickBest(best, counts, offset, labelCount, settings)?.label === index.labelOfRow[r]) correct++;
  }
  // New exemplars: every old row and every other new row.
  const sims = new Float32Array(index.size);
  added.forEach((row, i) => {
    const offset = (index.size + i) * labelCount;
    if (index.size > 0) similarities(index, row.vector, sims);
    collectTop(sims, index.size, index.labelOfRow, labelCount, k, -1, best, counts, offset);
    added.forEach((other, j) => {
      if (j === i) return;
      const label = addedLabels[j]!;
      counts[offset + label] = insertTop(best, (offset + label) * k, counts[offset + label]!, dot(row.vector, other.vector), k);
    });
    if (pickBest(best, counts, offset, labelCount, settings)?.label === addedLabels[i]) correct++;
  });

  const rows = [
    ...Array.from({ length: index.size }, (_, r) => ({
      id: index.ids[r]!,
      label: index.labels[index.labelOfRow[r]!]!,
      text: '',
      vector: index.matrix.subarray(r * index.dim, (r + 1) * index.dim),
    })),
    ...added.map((row) => ({ id: row.id, label: row.label, text: '', vector: row.vector })),
  ];
  const next = buildExemplarIndex(index.labels, added[0]?.vector.length ?? index.dim, rows, { coarseMinRows: 0 });
  return { axis: state.axis, index: next, settings, best, counts, accuracy: total < 2 ? 1 : correct / total };
}

/** Share of validation rows of this axis routed to their label, as decideRoute would (intent abstains below its threshold). */
export function validationAccuracy(
  axis: Axis,
  bank: readonly BankVector[],
  validation: readonly ValidationVector[],
  settings: AxisSettings[Axis],
): number {
  const rows = validation.filter((row) => row.axis === axis);
  if (rows.length === 0) return 1;
  const index = indexOf(axis, bank);
  const sims = new Float32Array(index.size);
  let correct = 0;
  for (const row of rows) {
    if (index.size > 0) similarities(index, row.vector, sims);
    const best = index.size > 0 ? bestLabel(sims, index.size, index.labelOfRow, index.labels.length, settings, -1) : undefined;
    let predicted = best === undefined ? GENERAL_INTENT : index.labels[best.label]!;
    if (axis === 'intent' && best !== undefined && best.score < thresholdFor({ margin: 0, ...settings }, predicted))
      predicted = GENERAL_INTENT;
    if (predicted === row.label) correct++;
  }
  return correct / rows.length;
}

/** One bank's figures on one axis. */
export interface AxisFigures {
  leaveOneOut: number;
  validation: number | undefined;
  rows: number;
  validationRows: number;
}

/** Compares before and after: a figure that falls by more than `tolerance` is a regression. */
export function compareFigures(
  before: Partial<Record<Axis, AxisFigures>>,
  after: Partial<Record<Axis, AxisFigures>>,
  axes: readonly Axis[],
  tolerance: number,
): RegressionVerdict {
  const verdict: RegressionVerdict = { leaveOneOut: {}, validation: {}, tolerance, regressions: [] };
  const round = (value: number) => Number(value.toFixed(4));
  for (const axis of AXES.filter((candidate) => axes.includes(candidate))) {
    const b = before[axis];
    const a = after[axis];
    if (!b || !a) continue;
    verdict.leaveOneOut[axis] = { before: round(b.leaveOneOut), after: round(a.leaveOneOut), rows: a.rows };
    // A small epsilon: one row more or less changes a share by float noise that is not a regression.
    if (a.leaveOneOut < b.leaveOneOut - tolerance - 1e-9) {
      verdict.regressions.push(
        `${axis} leave-one-out accuracy fell from ${b.leaveOneOut.toFixed(4)} to ${a.leaveOneOut.toFixed(4)}`,
      );
    }
    if (a.validation !== undefined && b.validation !== undefined) {
      verdict.validation[axis] = { before: round(b.validation), after: round(a.validation), rows: a.validationRows };
      if (a.validation < b.validation - tolerance - 1e-9) {
        verdict.regressions.push(
          `${axis} validation accuracy fell from ${b.validation.toFixed(4)} to ${a.validation.toFixed(4)}`,
        );
      }
    }
  }
  return verdict;
}
