import { estimateCost } from '../cost/pricing.js';
import { estimateTokens } from '../cost/tokens.js';
import type { PriceTable } from '../routes-config/schemas.js';

export interface ModelEstimate {
  model: string;
  /** Null when routes-data/prices.json has no price for the model. */
  cost_usd: number | null;
  /** Percent saved against the baseline model; null when either cost is unknown or the baseline is free. */
  savings_pct: number | null;
}

export interface CostEstimate {
  currency: 'USD';
  prices_as_of: string;
  input_tokens: number;
  output_tokens: number;
  /** Always true: the playground has no provider answer, so input tokens come from the four-characters rule. */
  tokens_estimated: true;
  baseline: { model: string; cost_usd: number | null };
  models: ModelEstimate[];
}

/**
 * What one request would cost on each model against the baseline, with the
 * same price table and token rule the proxy uses when a provider sends no usage.
 */
export function estimateRequestCost(
  prices: PriceTable,
  baselineModel: string,
  input: { text: string; outputTokens: number; models: readonly string[] },
): CostEstimate {
  const usage = { inputTokens: estimateTokens(input.text), outputTokens: input.outputTokens };
  const baselineCost = estimateCost(prices, baselineModel, usage) ?? null;
  return {
    currency: prices.currency,
    prices_as_of: prices.as_of,
    input_tokens: usage.inputTokens,
    output_tokens: usage.outputTokens,
    tokens_estimated: true,
    baseline: { model: baselineModel, cost_usd: baselineCost },
    models: input.models.map((model) => {
      const cost = estimateCost(prices, model, usage) ?? null;
      const savings =
        cost !== null && baselineCost !== null && baselineCost > 0 ? Math.round((1 - cost / baselineCost) * 10000) / 100 : null;
      return { model, cost_usd: cost, savings_pct: savings };
    }),
  };
}
