import { TIERS, type Tier } from '../routes-config/schemas.js';

export function tierRank(tier: Tier): number {
  return TIERS.indexOf(tier);
}

export function clampTier(tier: Tier, min: Tier | undefined, max: Tier | undefined): Tier {
  let rank = tierRank(tier);
  if (min !== undefined) rank = Math.max(rank, tierRank(min));
  if (max !== undefined) rank = Math.min(rank, tierRank(max));
  return TIERS[rank]!;
}

export function higherTier(a: Tier, b: Tier): Tier {
  return tierRank(a) >= tierRank(b) ? a : b;
}
