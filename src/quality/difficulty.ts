import type { AxisScores } from '../scoring/label-scores.js';

/**
 * One number for "how hard does this query look": the complex tier's score
 * minus the simple tier's. Sweeping a threshold over it draws the
 * quality-cost curve, and it is what the ARC easy-vs-challenge AUC measures.
 * A missing tier counts as 0.
 */
export function tierDifficulty(tierScores: Pick<AxisScores, 'scores'>): number {
  return (tierScores.scores.complex ?? 0) - (tierScores.scores.simple ?? 0);
}
