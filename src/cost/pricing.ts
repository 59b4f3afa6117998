import type { PriceTable } from '../routes-config/schemas.js';
import type { TokenUsage } from './tokens.js';

/**
 * USD for `usage` on `modelId` (a routing-table model id), from the per-1M-token
 * prices in routes-data/prices.json; undefined when the model has no price, so
 * a missing price shows as unknown rather than as free.
 */
export function estimateCost(
  prices: PriceTable,
  modelId: string,
  usage: Pick<TokenUsage, 'inputTokens' | 'outputTokens'>,
): number | undefined {
  const price = prices.models[modelId];
  if (price === undefined) return undefined;
  return roundUsd((usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000);
}

/**
 * Rounded to 1e-10 USD: far below the price of one token at any per-1M price
 * of a cent or more, and it keeps float noise (0.1 + 0.2) out of ledgers and
 * test figures.
 */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e10) / 1e10;
}
