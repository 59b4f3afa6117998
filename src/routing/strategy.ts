import { z } from 'zod';
import type { Tier } from '../routes-config/schemas.js';
import { tierRank } from './tier-order.js';

/** How to trade cost against capability: the default comes from ROUTING_STRATEGY, a request may name its own. */
export const STRATEGIES = ['cost_optimized', 'balanced', 'quality_optimized'] as const;
export const StrategySchema = z.enum(STRATEGIES);
export type Strategy = z.infer<typeof StrategySchema>;

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
