import { AXES, GENERAL_INTENT, LABELS_BY_AXIS, type Axis, type AxisScoring } from '../routes-data/schemas.js';
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

/**
 * Per-label aggregate of the k best similarities, skipping row `skip`; the best
 * label, or undefined for an empty bank. Mirrors scoring/label-scores.ts.
 */
function bestLabel(
  sims: Float32Array,
  labelOfRow: Uint16Array,
  labelCount: number,
  settings: AxisSettings[Axis],
  skip: number,
): { label: number; score: number } | undefined {
  const k = settings.k;
  const best = new Float64Array(labelCount * k).fill(-Infinity);
  const counts = new Int32Array(labelCount);
  for (let r = 0; r < sims.length; r++) {
    if (r === skip) continue;
    const label = labelOfRow[r]!;
    const from = label * k;
    const value = sims[r]!;
    const count = counts[label]!;
    if (count === k && value <= best[from + k - 1]!) continue;
    let at = Math.min(count, k - 1);
    while (at > 0 && best[from + at - 1]! < value) {
      best[from + at] = best[from + at - 1]!;
      at--;
    }
    best[from + at] = value;
    if (count < k) counts[label] = count + 1;
  }
  let winner: { label: number; score: number } | undefined;
  for (let label = 0; label < labelCount; label++) {
    const count = counts[label]!;
    if (count === 0) continue;
    let score = best[label * k]!;
    if (settings.aggregation !== 'max') {
      let sum = 0;
      for (let i = 0; i < count; i++) sum += best[label * k + i]!;
      score = settings.aggregation === 'sum' ? sum : sum / count;
    }
    if (winner === undefined || score > winner.score) winner = { label, score };
  }
  return winner;
}

function indexOf(axis: Axis, bank: readonly BankVector[]) {
  const rows = bank.filter((row) => row.axis === axis);
  const dim = rows[0]?.vector.length ?? 0;
  const index = buildExemplarIndex(
    LABELS_BY_AXIS[axis],
    dim,
    rows.map((row) => ({ id: row.id, label: row.label, text: '', vector: row.vector })),
    { coarseMinRows: 0 },
  );
  return index;
}

/** Share of the axis's exemplars whose best label among all the other exemplars is their own (no abstention). */
export function leaveOneOutAccuracy(axis: Axis, bank: readonly BankVector[], settings: AxisSettings[Axis]): number {
  const index = indexOf(axis, bank);
  if (index.size < 2) return 1;
  const sims = new Float32Array(index.size);
  let correct = 0;
  for (let r = 0; r < index.size; r++) {
    similarities(index, index.matrix.subarray(r * index.dim, (r + 1) * index.dim), sims);
    if (bestLabel(sims, index.labelOfRow, index.labels.length, settings, r)?.label === index.labelOfRow[r]) correct++;
  }
  return correct / index.size;
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
    const best = index.size > 0 ? bestLabel(sims, index.labelOfRow, index.labels.length, settings, -1) : undefined;
    let predicted = best === undefined ? GENERAL_INTENT : index.labels[best.label]!;
    if (axis === 'intent' && best !== undefined && best.score < thresholdFor({ margin: 0, ...settings }, predicted))
      predicted = GENERAL_INTENT;
    if (predicted === row.label) correct++;
  }
  return correct / rows.length;
}

/** The figures for one bank on the given axes; a cache keyed by bank version can keep them for the next "before". */
export function bankFigures(
  axes: readonly Axis[],
  bank: readonly BankVector[],
  validation: readonly ValidationVector[],
  settings: AxisSettings,
): Record<Axis, { leaveOneOut: number; validation: number | undefined; rows: number; validationRows: number }> {
  const out = {} as Record<Axis, { leaveOneOut: number; validation: number | undefined; rows: number; validationRows: number }>;
  for (const axis of axes) {
    const validationRows = validation.filter((row) => row.axis === axis).length;
    out[axis] = {
      leaveOneOut: leaveOneOutAccuracy(axis, bank, settings[axis]),
      validation: validationRows === 0 ? undefined : validationAccuracy(axis, bank, validation, settings[axis]),
      rows: bank.filter((row) => row.axis === axis).length,
      validationRows,
    };
  }
  return out;
}

/** Compares before and after: a figure that falls by more than `tolerance` is a regression. */
export function compareFigures(
  before: ReturnType<typeof bankFigures>,
  after: ReturnType<typeof bankFigures>,
  axes: readonly Axis[],
  tolerance: number,
): RegressionVerdict {
  const verdict: RegressionVerdict = { leaveOneOut: {}, validation: {}, tolerance, regressions: [] };
  const round = (value: number) => Number(value.toFixed(4));
  for (const axis of AXES.filter((candidate) => axes.includes(candidate))) {
    const b = before[axis];
    const a = after[axis];
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
