import type { Strategy } from '../config.js';
import type { Tier } from '../routes-data/schemas.js';
import { tierRank } from './tier-order.js';

/**
 * Tiers whose scores are within `margin` of the best are treated as a tie the
 * embedding cannot break; the strategy breaks it: cost takes the cheapest,
 * quality the most capable, balanced trusts the best score.
 */
export function pickTier(ranked: readonly { label: string; score: number }[], margin: number, strategy: Strategy): Tier {
  const best = ranked[0]!;
  const tied = ranked.filter((entry) => entry.score >= best.score - margin).map((entry) => entry.label as Tier);
  if (strategy === 'balanced') return best.label as Tier;
  const byCapability = [...tied].sort((a, b) => tierRank(a) - tierRank(b));
  return strategy === 'cost_optimized' ? byCapability[0]! : byCapability[byCapability.length - 1]!;
}
