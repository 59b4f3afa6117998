import { AXES, LABELS_BY_AXIS, type Axis, type AxisScoring } from '../routes-config/schemas.js';
import { intentFromScores, thresholdFor, UNSURE_TIER } from '../routing/decide.js';
import { buildExemplarIndex, similarities, type ExemplarIndex } from '../scoring/exemplar-index.js';
import { scoreAxis, scoreLabels } from '../scoring/label-scores.js';

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

/** What the check reads of an axis's scoring settings: pass the ones routing uses (calibrated when calibrated). */
export type AxisSettings = Record<
  Axis,
  Pick<
    AxisScoring,
    'k' | 'aggregation' | 'threshold' | 'label_thresholds' | 'centroid_weight' | 'vote_tau' | 'label_offsets' | 'min_margin'
  >
>;

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

/**
 * The label the service's scorer ranks first (scoring/label-scores.ts scoreLabels: top-k aggregate, distance-weighted
 * vote or centroid blend, with the label offsets), from one row's per-label k nearest in slot `offset` of
 * `best`/`counts`; undefined when no label has rows. Ties go to the earlier label, as scoreAxis's stable sort does.
 */
function pickBest(
  best: Float64Array,
  counts: Int32Array,
  offset: number,
  labels: readonly string[],
  settings: AxisSettings[Axis],
  centroidSimilarityOf: (label: number) => number,
): number | undefined {
  const k = settings.k;
  const labelCount = labels.length;
  const scores = scoreLabels(
    best.subarray(offset * k, (offset + labelCount) * k),
    counts.subarray(offset, offset + labelCount),
    k,
    labels,
    settings,
    centroidSimilarityOf,
  );
  let winner: number | undefined;
  for (let label = 0; label < labelCount; label++) {
    if (counts[offset + label]! === 0) continue;
    if (winner === undefined || scores[label]! > scores[winner]!) winner = label;
  }
  return winner;
}

function dot(a: Float32Array, aFrom: number, b: Float32Array, bFrom: number, dim: number): number {
  let sum = 0;
  for (let d = 0; d < dim; d++) sum += a[aFrom + d]! * b[bFrom + d]!;
  return sum;
}

/**
 * Similarity of row `r` to each label's centroid with `r` left out of its own label's centroid, as the service would
 * see it scoring that row against the bank without it. The own centroid is summed again in row order in float32 and
 * normalised as buildExemplarIndex does, so the figure is the service's to the bit; it costs one pass over the
 * row's label per row, paid only with a centroid blend.
 */
function centroidsWithout(index: ExemplarIndex, rowsOfLabel: readonly Int32Array[], r: number): (label: number) => number {
  const { dim, matrix } = index;
  const own = index.labelOfRow[r]!;
  const centroid = new Float32Array(dim);
  for (const other of rowsOfLabel[own]!) {
    if (other === r) continue;
    for (let d = 0; d < dim; d++) centroid[d]! += matrix[other * dim + d]!;
  }
  let norm = 0;
  for (let d = 0; d < dim; d++) norm += centroid[d]! ** 2;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let d = 0; d < dim; d++) centroid[d]! /= norm;
  return (label) =>
    label === own ? dot(centroid, 0, matrix, r * dim, dim) : dot(index.centroids, label * dim, matrix, r * dim, dim);
}

function rowsByLabel(index: ExemplarIndex): Int32Array[] {
  const lists: number[][] = index.labels.map(() => []);
  for (let r = 0; r < index.size; r++) lists[index.labelOfRow[r]!]!.push(r);
  return lists.map((rows) => Int32Array.from(rows));
}

function centroidBlended(settings: AxisSettings[Axis]): boolean {
  return (settings.centroid_weight ?? 0) > 0;
}

/** Centroids do not enter the score without a blend: no similarity to them is ever asked for. */
const NO_CENTROIDS = (): number => 0;

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
  /** Per row, the label index the service's scorer gives it against all the other rows (-1: no other rows). */
  predicted: Int16Array;
  accuracy: number;
}

export function leaveOneOutState(axis: Axis, bank: readonly BankVector[], settings: AxisSettings[Axis]): LeaveOneOutState {
  const index = indexOf(axis, bank);
  const labelCount = index.labels.length;
  const best = new Float64Array(index.size * labelCount * settings.k);
  const counts = new Int32Array(index.size * labelCount);
  const sims = new Float32Array(index.size);
  const rowsOfLabel = centroidBlended(settings) ? rowsByLabel(index) : undefined;
  const predicted = new Int16Array(index.size);
  let correct = 0;
  for (let r = 0; r < index.size; r++) {
    similarities(index, index.matrix.subarray(r * index.dim, (r + 1) * index.dim), sims);
    collectTop(sims, index.size, index.labelOfRow, labelCount, settings.k, r, best, counts, r * labelCount);
    const centroids = rowsOfLabel ? centroidsWithout(index, rowsOfLabel, r) : NO_CENTROIDS;
    predicted[r] = pickBest(best, counts, r * labelCount, index.labels, settings, centroids) ?? -1;
    if (predicted[r] === index.labelOfRow[r]) correct++;
  }
  // One exemplar alone has no others to be judged by; an empty axis has nothing to get wrong.
  return { axis, index, settings, best, counts, predicted, accuracy: index.size < 2 ? 1 : correct / index.size };
}

/** Share of the axis's exemplars whose best label among all the other exemplars is their own (no abstention). */
export function leaveOneOutAccuracy(axis: Axis, bank: readonly BankVector[], settings: AxisSettings[Axis]): number {
  return leaveOneOutState(axis, bank, settings).accuracy;
}

/**
 * The leave-one-out state after adding `added` (new exemplars of the state's
 * axis) to the bank the state was built from: the same figures as building it
 * again, for the cost of the new pairs only. With a centroid blend it builds
 * again: an added row moves its label's centroid, and every row of that label
 * would need its own centroid (without itself) summed anew, which is most of a
 * rebuild's cost anyway; the top-k mean and the vote read only the kept k nearest.
 */
export function leaveOneOutAfterAdding(state: LeaveOneOutState, added: readonly BankVector[]): LeaveOneOutState {
  const { index, settings } = state;
  const rows = [
    ...Array.from({ length: index.size }, (_, r) => ({
      id: index.ids[r]!,
      label: index.labels[index.labelOfRow[r]!]!,
      text: '',
      vector: index.matrix.subarray(r * index.dim, (r + 1) * index.dim),
    })),
    ...added.map((row) => ({ id: row.id, label: row.label, text: '', vector: row.vector })),
  ];
  if (centroidBlended(settings)) {
    return leaveOneOutState(
      state.axis,
      rows.map((row) => ({ ...row, axis: state.axis })),
      settings,
    );
  }
  const k = settings.k;
  const labelCount = index.labels.length;
  const labelIndex = new Map(index.labels.map((label, i) => [label, i]));
  const addedLabels = added.map((row) => {
    const label = labelIndex.get(row.label);
    if (label === undefined) throw new Error(`unknown ${state.axis} label ${row.label}`);
    return label;
  });
  const total = index.size + added.length;
  // Rounded to float32 as similarities() stores them, so the kept k nearest are a rebuild's to the bit.
  const similarity = (a: Float32Array, b: Float32Array) => Math.fround(dot(a, 0, b, 0, b.length));
  const best = new Float64Array(total * labelCount * k);
  const counts = new Int32Array(total * labelCount);
  best.set(state.best);
  counts.set(state.counts);

  const predicted = new Int16Array(total);
  let correct = 0;
  // Old exemplars: their stored top k, plus the new rows.
  for (let r = 0; r < index.size; r++) {
    const offset = r * labelCount;
    const vector = index.matrix.subarray(r * index.dim, (r + 1) * index.dim);
    added.forEach((row, i) => {
      const label = addedLabels[i]!;
      counts[offset + label] = insertTop(best, (offset + label) * k, counts[offset + label]!, similarity(vector, row.vector), k);
    });
    predicted[r] = pickBest(best, counts, offset, index.labels, settings, NO_CENTROIDS) ?? -1;
    if (predicted[r] === index.labelOfRow[r]) correct++;
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
      counts[offset + label] = insertTop(
        best,
        (offset + label) * k,
        counts[offset + label]!,
        similarity(row.vector, other.vector),
        k,
      );
    });
    predicted[index.size + i] = pickBest(best, counts, offset, index.labels, settings, NO_CENTROIDS) ?? -1;
    if (predicted[index.size + i] === addedLabels[i]) correct++;
  });

  const next = buildExemplarIndex(index.labels, added[0]?.vector.length ?? index.dim, rows, { coarseMinRows: 0 });
  return { axis: state.axis, index: next, settings, best, counts, predicted, accuracy: total < 2 ? 1 : correct / total };
}

/**
 * Share of validation rows of this axis routed to their label, as routing would: the service's scorer over the
 * bank, then intent as decideRoute decides it from the scores (general exemplars, per-label thresholds, minimum
 * margin) and the tier's best label, the unsure tier below its threshold (a request's strategy is not known here).
 */
export function validationAccuracy(
  axis: Axis,
  bank: readonly BankVector[],
  validation: readonly ValidationVector[],
  settings: AxisSettings[Axis],
): number {
  const rows = validation.filter((row) => row.axis === axis);
  if (rows.length === 0) return 1;
  const index = indexOf(axis, bank);
  const scratch = new Float32Array(index.size);
  let correct = 0;
  for (const row of rows) {
    const scores = scoreAxis(index, row.vector, { ...settings, topExemplars: 0 }, scratch);
    const best = scores.ranked[0];
    let predicted: string;
    if (axis === 'intent') predicted = intentFromScores(scores, settings, []);
    else if (best === undefined || best.score < thresholdFor(settings, best.label)) predicted = UNSURE_TIER;
    else predicted = best.label;
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
