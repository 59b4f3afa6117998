import type { Aggregation } from '../routes-data/schemas.js';
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
}

function aggregate(values: readonly number[], aggregation: Aggregation): number {
  if (aggregation === 'max') return values[0]!;
  const sum = values.reduce((total, value) => total + value, 0);
  return aggregation === 'sum' ? sum : sum / values.length;
}

/** Keeps `best` sorted descending with at most `limit` entries. */
function insertDescending(best: number[], value: number, limit: number): void {
  if (best.length === limit && value <= best[limit - 1]!) return;
  let at = best.length;
  while (at > 0 && best[at - 1]! < value) at--;
  best.splice(at, 0, value);
  if (best.length > limit) best.pop();
}

/**
 * Scores each label by aggregating the similarities of its k nearest
 * exemplars. Taking the top k rather than all rows keeps a label with many
 * exemplars from winning by sheer numbers.
 */
export function scoreAxis(index: ExemplarIndex, query: Float32Array, options: ScoreOptions, scratch?: Float32Array): AxisScores {
  const sims = similarities(index, query, scratch && scratch.length >= index.size ? scratch : new Float32Array(index.size));
  const bestByLabel: number[][] = index.labels.map(() => []);
  const topRows: number[] = [];
  for (let r = 0; r < index.size; r++) {
    const sim = sims[r]!;
    insertDescending(bestByLabel[index.labelOfRow[r]!]!, sim, options.k);
    if (options.topExemplars > 0) {
      if (topRows.length < options.topExemplars || sim > sims[topRows[topRows.length - 1]!]!) {
        let at = topRows.length;
        while (at > 0 && sims[topRows[at - 1]!]! < sim) at--;
        topRows.splice(at, 0, r);
        if (topRows.length > options.topExemplars) topRows.pop();
      }
    }
  }
  const scores: Record<string, number> = {};
  index.labels.forEach((label, i) => {
    const best = bestByLabel[i]!;
    if (best.length > 0) scores[label] = aggregate(best, options.aggregation);
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
