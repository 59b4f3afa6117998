import type { Aggregation } from '../routes-config/schemas.js';
import { coarseCandidates } from './coarse-index.js';
import { similarities, type ExemplarIndex } from './exemplar-index.js';

export interface ExemplarMatch {
  id: number;
  label: string;
  text: string;
  similarity: number;
}

export interface AxisScores {
  /** Score per label (labels without exemplars are absent). */
  scores: Record<string, number>;
  /** Labels by score, best first. */
  ranked: { label: string; score: number }[];
  /** Best minus second-best label score (the whole best score when only one label exists). */
  margin: number;
  /** The nearest exemplars over all labels, best first. */
  top: ExemplarMatch[];
}

export interface ScoreOptions {
  k: number;
  aggregation: Aggregation;
  topExemplars: number;
  /** Share of a label's score that is the similarity to its centroid (0 or absent: the k nearest alone). */
  centroid_weight?: number | undefined;
  /**
   * Distance-weighted vote: the k nearest exemplars of any label each vote exp(similarity / vote_tau) for their
   * label, and a label's score is the weighted mean similarity of its votes over all votes (absent: per-label top k).
   */
  vote_tau?: number | undefined;
  /** Added to a label's score before ranking (a calibrated lean; absent: none). */
  label_offsets?: Record<string, number> | undefined;
}

/** Aggregates `count` values, best first, starting at `from` (summed in that order). */
function aggregate(values: Float64Array, from: number, count: number, aggregation: Aggregation): number {
  if (aggregation === 'max') return values[from]!;
  let sum = 0;
  for (let i = from; i < from + count; i++) sum += values[i]!;
  return aggregation === 'sum' ? sum : sum / count;
}

/**
 * Keeps `best[from .. from+count)` sorted descending with at most `limit`
 * entries (a new value goes after equal ones); returns the new count. Fixed
 * slots in one typed array: no allocation per row.
 */
function insertDescending(best: Float64Array, from: number, count: number, value: number, limit: number): number {
  if (count === limit && value <= best[from + limit - 1]!) return count;
  let at = count;
  while (at > 0 && best[from + at - 1]! < value) at--;
  const last = Math.min(count, limit - 1);
  for (let i = last; i > at; i--) best[from + i] = best[from + i - 1]!;
  best[from + at] = value;
  return count < limit ? count + 1 : count;
}

/**
 * Scores by a distance-weighted vote of the k nearest exemplars of any label. `best` holds each label's k nearest,
 * best first, so the k nearest overall are the k largest of their merge. A label's score is its share of the votes
 * times the similarity of those votes: it keeps the similarity scale a threshold needs, and a far-away neighbourhood
 * still scores low. Labels with exemplars but no vote score 0.
 */
function weightedVote(best: Float64Array, counts: Int32Array, k: number, tau: number): Float64Array {
  const labelCount = counts.length;
  const heads = new Int32Array(labelCount);
  const weighted = new Float64Array(labelCount);
  let total = 0;
  for (let taken = 0; taken < k; taken++) {
    let pick = -1;
    for (let l = 0; l < labelCount; l++) {
      if (heads[l]! >= counts[l]!) continue;
      if (pick < 0 || best[l * k + heads[l]!]! > best[pick * k + heads[pick]!]!) pick = l;
    }
    if (pick < 0) break;
    const sim = best[pick * k + heads[pick]!]!;
    heads[pick]!++;
    // Relative to exp(1 / tau), the largest weight a cosine can get, so small taus cannot overflow.
    const weight = Math.exp((sim - 1) / tau);
    total += weight;
    weighted[pick]! += weight * sim;
  }
  for (let l = 0; l < labelCount; l++) weighted[l] = total === 0 ? 0 : weighted[l]! / total;
  return weighted;
}

/** What turns a label's nearest similarities into its score: the options scoreLabels reads. */
export type LabelScoring = Pick<ScoreOptions, 'aggregation' | 'centroid_weight' | 'vote_tau' | 'label_offsets'>;

/**
 * Each label's score from its k nearest similarities (`best[l*k ..]`, best first, `counts[l]` of them) and, with a
 * centroid blend, its similarity to the label's centroid; NaN for a label without exemplars. The one place a
 * label's score is made: the router (scoreAxis) and the promotion regression check (quality/regression-check.ts)
 * both call it, so the check's figures say what routing would decide.
 */
export function scoreLabels(
  best: Float64Array,
  counts: Int32Array,
  k: number,
  labels: readonly string[],
  options: LabelScoring,
  centroidSimilarityOf: (label: number) => number,
): Float64Array {
  const labelCount = counts.length;
  const scores = new Float64Array(labelCount);
  const centroidWeight = options.centroid_weight ?? 0;
  const votes = options.vote_tau !== undefined && k > 0 ? weightedVote(best, counts, k, options.vote_tau) : undefined;
  for (let i = 0; i < labelCount; i++) {
    if (counts[i]! === 0) {
      scores[i] = Number.NaN;
      continue;
    }
    const nearest = votes ? votes[i]! : aggregate(best, i * k, counts[i]!, options.aggregation);
    const similarity = centroidWeight > 0 ? centroidWeight * centroidSimilarityOf(i) + (1 - centroidWeight) * nearest : nearest;
    scores[i] = similarity + (options.label_offsets?.[labels[i]!] ?? 0);
  }
  return scores;
}

function centroidSimilarity(index: ExemplarIndex, label: number, query: Float32Array): number {
  let dot = 0;
  const at = label * index.dim;
  for (let d = 0; d < index.dim; d++) dot += index.centroids[at + d]! * query[d]!;
  return dot;
}

/**
 * Scores each label by aggregating the similarities of its k nearest
 * exemplars. Taking the top k rather than all rows keeps a label with many
 * exemplars from winning by sheer numbers. With `centroid_weight`, part of
 * the score is the similarity to the label's centroid: on queries from sources
 * nobody tuned for, the blend generalised better than the k nearest alone
 * (leave-one-source-out table in docs/routing-quality.md), because a few
 * look-alike exemplars of the wrong label weigh less against the label's
 * whole region.
 */
export function scoreAxis(index: ExemplarIndex, query: Float32Array, options: ScoreOptions, scratch?: Float32Array): AxisScores {
  const k = Math.max(0, options.k);
  const out = scratch && scratch.length >= index.size ? scratch : new Float32Array(index.size);
  // Large axes: only the rows a coarse int8 pass cannot rule out get (and need) an exact similarity.
  const { coarse } = index;
  const candidateCount = coarse
    ? coarseCandidates(
        coarse,
        index.matrix,
        index.labelOfRow,
        index.labels.length,
        index.dim,
        query,
        k,
        options.topExemplars,
        out,
      )
    : -1;
  // -1: no coarse copy, or a query it cannot bound (not finite); every row is scored exactly.
  const candidates = candidateCount < 0 ? undefined : coarse?.candidates;
  const exact = candidates === undefined;
  const rowCount = exact ? index.size : candidateCount;
  const sims = exact ? similarities(index, query, out) : out;
  const best = new Float64Array(index.labels.length * k);
  const counts = new Int32Array(index.labels.length);
  const topRows: number[] = [];
  for (let i = 0; i < rowCount; i++) {
    const r = candidates === undefined ? i : candidates[i]!;
    const sim = sims[r]!;
    if (k > 0) {
      const label = index.labelOfRow[r]!;
      counts[label] = insertDescending(best, label * k, counts[label]!, sim, k);
    }
    if (options.topExemplars > 0) {
      if (topRows.length < options.topExemplars || sim > sims[topRows[topRows.length - 1]!]!) {
        let at = topRows.length;
        while (at > 0 && sims[topRows[at - 1]!]! < sim) at--;
        topRows.splice(at, 0, r);
        if (topRows.length > options.topExemplars) topRows.pop();
      }
    }
  }
  const labelScores = scoreLabels(best, counts, k, index.labels, options, (label) => centroidSimilarity(index, label, query));
  const scores: Record<string, number> = {};
  index.labels.forEach((label, i) => {
    if (counts[i]! > 0) scores[label] = labelScores[i]!;
  });
  const ranked = Object.entries(scores)
    .map(([label, score]) => ({ label, score }))
    .sort((a, b) => b.score - a.score);
  const margin = ranked.length === 0 ? 0 : ranked[0]!.score - (ranked[1]?.score ?? 0);
  const top = topRows.map((r) => ({
    id: index.ids[r]!,
    label: index.labels[index.labelOfRow[r]!]!,
    text: index.texts[r]!,
    similarity: sims[r]!,
  }));
  return { scores, ranked, margin, top };
}
