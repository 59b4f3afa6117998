import { INTENTS, GENERAL_INTENT, type Aggregation } from '../../src/routes-config/schemas.js';
import type { HeadSpec } from './linear-head.js';

/**
 * The exemplar-similarity features of one row on one axis, computed once per
 * embedder: per label its nearest exemplars' similarities (best first) and the
 * similarity to the label's centroid. Every scoring method compared by the
 * leave-one-source-out evaluation is a function of these, so a grid over
 * methods and settings costs no new similarity pass.
 */
export interface AxisFeatures {
  /** top[l][i]: the i-th best similarity among label l's exemplars. */
  top: Float32Array[];
  /** topRow[l][i]: the bank row of top[l][i] (-1 where there is none), for per-exemplar weights. */
  topRow: Int32Array[];
  centroid: Float32Array;
  /** Logits of each linear head the evaluation trained on the bank (linear-head.ts), in the order of its head list. */
  heads?: Float64Array[];
}

export const TOP_KEPT = 20;

export interface BankAxis {
  labels: readonly string[];
  /** Rows of the bank, L2-normalised, with their label index. */
  vectors: Float32Array[];
  labelOf: Int32Array;
  centroids: Float32Array[];
}

export function bankAxis(labels: readonly string[], rows: readonly { label: string; vector: Float32Array }[]): BankAxis {
  const dim = rows[0]?.vector.length ?? 0;
  const labelOf = Int32Array.from(rows.map((row) => labels.indexOf(row.label)));
  const centroids = labels.map(() => new Float32Array(dim));
  rows.forEach((row, r) => {
    const c = centroids[labelOf[r]!];
    if (c) for (let d = 0; d < dim; d++) c[d]! += row.vector[d]!;
  });
  for (const c of centroids) {
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += c[d]! * c[d]!;
    norm = Math.sqrt(norm) || 1;
    for (let d = 0; d < dim; d++) c[d]! /= norm;
  }
  return { labels, vectors: rows.map((row) => row.vector), labelOf, centroids };
}

const dot = (a: Float32Array, b: Float32Array) => {
  let s = 0;
  for (let d = 0; d < a.length; d++) s += a[d]! * b[d]!;
  return s;
};

/** The features of a query; `exclude` leaves one bank row out (a bank row scored against the rest of the bank). */
export function axisFeatures(bank: BankAxis, query: Float32Array, exclude = -1): AxisFeatures {
  const top = bank.labels.map(() => new Float32Array(TOP_KEPT).fill(-2));
  const topRow = bank.labels.map(() => new Int32Array(TOP_KEPT).fill(-1));
  for (let r = 0; r < bank.vectors.length; r++) {
    const list = top[bank.labelOf[r]!];
    const rowList = topRow[bank.labelOf[r]!];
    if (!list || !rowList || r === exclude) continue;
    const sim = dot(bank.vectors[r]!, query);
    if (sim <= list[TOP_KEPT - 1]!) continue;
    let at = TOP_KEPT - 1;
    while (at > 0 && list[at - 1]! < sim) {
      list[at] = list[at - 1]!;
      rowList[at] = rowList[at - 1]!;
      at--;
    }
    list[at] = sim;
    rowList[at] = r;
  }
  return { top, topRow, centroid: Float32Array.from(bank.centroids.map((c) => dot(c, query))) };
}

/**
 * Per-exemplar weights learned on the bank: each exemplar's leave-one-out neighbourhood (its k nearest other
 * exemplars, each voting exp(sim / tau)) is asked how much of it agrees with the exemplar's label; an exemplar that
 * sits in another label's region votes less. `floor` keeps every exemplar a say (weight = floor + (1 - floor) * agreement).
 */
export function exemplarWeights(
  bank: BankAxis,
  selfFeatures: readonly AxisFeatures[],
  k: number,
  tau: number,
  floor: number,
): Float32Array {
  return Float32Array.from(selfFeatures, (f, r) => {
    const votes = scoreWith({ kind: 'weighted-knn', k, tau }, f);
    let total = 0;
    for (const v of votes) total += Math.max(0, v);
    const own = bank.labelOf[r]!;
    const agreement = total > 0 ? Math.max(0, votes[own]!) / total : 1;
    return floor + (1 - floor) * agreement;
  });
}

/** A way of turning the features into one score per label, still cosine similarity to labelled exemplars. */
export type Method =
  | { kind: 'topk'; k: number; aggregation: Aggregation }
  | { kind: 'centroid-blend'; k: number; alpha: number }
  | {
      kind: 'weighted-knn';
      k: number;
      tau: number;
      /** Per-exemplar weights (by bank row) multiplying each vote, and what they are, for the tables. */
      weights?: { name: string; byRow: Float32Array } | undefined;
    }
  /** A linear head's probabilities: softmax(logits / temperature) of the head at `head` in the features' list. */
  | { kind: 'linear-head'; head: number; spec: HeadSpec; name: string; temperature: number };

export function methodName(m: Method): string {
  if (m.kind === 'topk') return `top-${m.k} ${m.aggregation}`;
  if (m.kind === 'centroid-blend') return `centroid ${m.alpha} + top-${m.k} mean`;
  if (m.kind === 'linear-head') return `linear head ${m.name}${m.temperature !== 1 ? `, T ${m.temperature}` : ''}`;
  return `weighted kNN k=${m.k} tau=${m.tau}${m.weights ? `, exemplar weights ${m.weights.name}` : ''}`;
}

/** Softmax of logits / temperature. */
export function softmaxOf(logits: ArrayLike<number>, temperature: number): Float64Array {
  const out = new Float64Array(logits.length);
  let max = -Infinity;
  for (let c = 0; c < logits.length; c++) max = Math.max(max, logits[c]! / temperature);
  let sum = 0;
  for (let c = 0; c < logits.length; c++) sum += out[c] = Math.exp(logits[c]! / temperature - max);
  for (let c = 0; c < logits.length; c++) out[c]! /= sum;
  return out;
}

const topMean = (list: Float32Array, k: number) => {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < k && list[i]! > -2; i++, n++) sum += list[i]!;
  return n === 0 ? -1 : sum / n;
};

/** Scores per label (index order of the bank's labels). */
export function scoreWith(method: Method, f: AxisFeatures): Float64Array {
  const n = f.top.length;
  const out = new Float64Array(n);
  if (method.kind === 'topk') {
    for (let l = 0; l < n; l++) out[l] = method.aggregation === 'max' ? f.top[l]![0]! : topMean(f.top[l]!, method.k);
    return out;
  }
  if (method.kind === 'centroid-blend') {
    for (let l = 0; l < n; l++) out[l] = method.alpha * f.centroid[l]! + (1 - method.alpha) * topMean(f.top[l]!, method.k);
    return out;
  }
  if (method.kind === 'linear-head') {
    const logits = f.heads?.[method.head];
    if (!logits) throw new Error(`no logits for linear head ${method.name}`);
    return softmaxOf(logits, method.temperature);
  }
  const byRow = method.weights?.byRow;
  // Weighted kNN over the k nearest exemplars of any label: each votes exp(sim / tau) for its label,
  // and a label's score is its share of the votes times the similarity of those votes (so it keeps
  // the similarity scale a threshold needs, and a far-away neighbourhood still scores low).
  const heads = new Int32Array(n);
  let total = 0;
  const weighted = new Float64Array(n);
  for (let taken = 0; taken < method.k; taken++) {
    let best = -1;
    for (let l = 0; l < n; l++)
      if (heads[l]! < TOP_KEPT && (best < 0 || f.top[l]![heads[l]!]! > f.top[best]![heads[best]!]!)) best = l;
    if (best < 0) break;
    const sim = f.top[best]![heads[best]!]!;
    if (sim <= -2) break;
    const row = f.topRow[best]![heads[best]!]!;
    heads[best]!++;
    const w = Math.exp(sim / method.tau) * (byRow && row >= 0 ? byRow[row]! : 1);
    total += w;
    weighted[best]! += w * sim;
  }
  for (let l = 0; l < n; l++) out[l] = total === 0 ? -1 : weighted[l]! / total;
  return out;
}

export const METHOD_GRID: Method[] = [
  ...[1, 2, 3, 5, 7, 10].map((k): Method => ({ kind: 'topk', k, aggregation: 'mean' })),
  { kind: 'topk', k: 1, aggregation: 'max' },
  ...[0.25, 0.5, 0.75].flatMap((alpha) => [2, 5].map((k): Method => ({ kind: 'centroid-blend', k, alpha }))),
  ...[5, 10, 20].flatMap((k) => [0.02, 0.05].map((tau): Method => ({ kind: 'weighted-knn', k, tau }))),
];

export const INTENT_CLASSES = [...INTENTS, GENERAL_INTENT];

/** What an intent decision needs of a row: its scores under a method, and the intent a rule forces, if any. */
export interface IntentRowScores {
  best: number;
  bestScore: number;
  margin: number;
  /** The runner-up and its lead over the third: what competes when the general region is too weak to claim a row. */
  second: number;
  secondScore: number;
  secondMargin: number;
}

export function rankScores(scores: Float64Array): IntentRowScores {
  let best = 0;
  for (let l = 1; l < scores.length; l++) if (scores[l]! > scores[best]!) best = l;
  let second = best === 0 ? 1 : 0;
  for (let l = 0; l < scores.length; l++) if (l !== best && scores[l]! > scores[second]!) second = l;
  let third = -Infinity;
  for (let l = 0; l < scores.length; l++) if (l !== best && l !== second && scores[l]! > third) third = scores[l]!;
  const secondScore = scores[second] ?? 0;
  return {
    best,
    bestScore: scores[best]!,
    margin: scores[best]! - secondScore,
    second,
    secondScore,
    secondMargin: secondScore - (Number.isFinite(third) ? third : 0),
  };
}

export interface IntentThresholds {
  threshold: number;
  perLabel: Float64Array;
  minMargin: number;
}

/** Intent index in INTENT_CLASSES (general last). */
export function predictIntentIndex(row: IntentRowScores, ruleIntent: number, t: IntentThresholds): number {
  if (ruleIntent >= 0) return ruleIntent;
  const general = INTENT_CLASSES.length - 1;
  let [label, score, margin] = [row.best, row.bestScore, row.margin];
  if (label === general) {
    // The general exemplars won: general, unless they scored under their own threshold (as decideRoute does).
    const claim = t.perLabel[general]!;
    if (Number.isNaN(claim) || score >= claim) return general;
    [label, score, margin] = [row.second, row.secondScore, row.secondMargin];
  }
  const threshold = Number.isNaN(t.perLabel[label]!) ? t.threshold : t.perLabel[label]!;
  if (score < threshold || margin < t.minMargin) return general;
  return label;
}

/** Macro-F1 over the gold labels present (as classificationReport computes it), from label indexes. Fast: no allocation per call beyond two small arrays. */
export function macroF1Of(gold: Int32Array, predicted: Int32Array, classes: number, keep?: Uint8Array): number {
  const tp = new Float64Array(classes);
  const support = new Float64Array(classes);
  const predictedCount = new Float64Array(classes);
  for (let i = 0; i < gold.length; i++) {
    if (keep && !keep[i]) continue;
    support[gold[i]!]!++;
    predictedCount[predicted[i]!]!++;
    if (gold[i] === predicted[i]) tp[gold[i]!]!++;
  }
  let sum = 0;
  let n = 0;
  for (let c = 0; c < classes; c++) {
    if (support[c] === 0) continue;
    const p = predictedCount[c] === 0 ? 0 : tp[c]! / predictedCount[c]!;
    const r = tp[c]! / support[c]!;
    sum += p + r === 0 ? 0 : (2 * p * r) / (p + r);
    n++;
  }
  return n === 0 ? 0 : sum / n;
}

export const THRESHOLD_GRID = Array.from({ length: 36 }, (_, i) => Math.round((0.1 + i * 0.02) * 100) / 100);
export const MARGIN_GRID = [0, 0.005, 0.01, 0.02, 0.03, 0.05];

/**
 * Fits a method's intent thresholds on the rows `keep` marks: the global
 * threshold, then per-label thresholds by coordinate ascent, then the margin
 * below which the router abstains into general. Maximises macro-F1 with
 * general as a class.
 */
export function fitIntentThresholds(
  rows: readonly IntentRowScores[],
  ruleIntents: Int32Array,
  gold: Int32Array,
  keep: Uint8Array,
  options: { perLabel: boolean; margin: boolean },
): { thresholds: IntentThresholds; value: number } {
  const classes = INTENT_CLASSES.length;
  const predicted = new Int32Array(rows.length);
  const evaluate = (t: IntentThresholds) => {
    for (let i = 0; i < rows.length; i++) if (keep[i]) predicted[i] = predictIntentIndex(rows[i]!, ruleIntents[i]!, t);
    return macroF1Of(gold, predicted, classes, keep);
  };
  const t: IntentThresholds = {
    threshold: THRESHOLD_GRID[0]!,
    // One per class: general's is the score its own exemplars need to claim a row (NaN: any score).
    perLabel: new Float64Array(INTENT_CLASSES.length).fill(Number.NaN),
    minMargin: 0,
  };
  let value = -1;
  for (const threshold of THRESHOLD_GRID) {
    const v = evaluate({ ...t, threshold });
    if (v > value + 1e-12) [value, t.threshold] = [v, threshold];
  }
  if (options.perLabel) {
    for (let pass = 0; pass < 2; pass++) {
      let improved = false;
      for (let l = 0; l < INTENT_CLASSES.length; l++) {
        for (const candidate of THRESHOLD_GRID) {
          const perLabel = Float64Array.from(t.perLabel);
          perLabel[l] = candidate;
          const v = evaluate({ ...t, perLabel });
          if (v > value + 1e-9) {
            value = v;
            t.perLabel = perLabel;
            improved = true;
          }
        }
      }
      if (!improved) break;
    }
  }
  if (options.margin) {
    for (const minMargin of MARGIN_GRID) {
      const v = evaluate({ ...t, minMargin });
      if (v > value + 1e-9) [value, t.minMargin] = [v, minMargin];
    }
  }
  return { thresholds: t, value };
}
