import type { CascadeResult } from '../cascade/tier-cascade.js';
import type { SentReasoning } from '../providers/reasoning.js';
import type { ProxyOutcome } from '../proxy/chat-proxy.js';

const usdHeader = (usd: number): string => usd.toFixed(10).replace(/0+$/, '').replace(/\.$/, '');

/** Whether a small model was asked for the tier, what it answered and what it cost; nothing when it was not asked. */
export function cascadeHeaders(cascade: CascadeResult | undefined): Record<string, string> {
  if (!cascade) return {};
  const headers: Record<string, string> = { 'x-router-cascade': cascade.outcome, 'x-router-cascade-model': cascade.model };
  if (cascade.tier) headers['x-router-cascade-tier'] = cascade.tier;
  if (cascade.costUsd !== undefined) headers['x-router-cascade-cost-usd'] = usdHeader(cascade.costUsd);
  return headers;
}

/**
 * What reasoning went upstream and whose it was: `effort=high; source=client`, with `requested=max` when the client's
 * effort was moved onto the model's scale; `thinking_budget=2048; source=table` or `thinking=adaptive; source=client`.
 * Both, comma-separated, when both were sent; nothing when neither was.
 */
export function reasoningHeader(sent: SentReasoning): string | undefined {
  const parts: string[] = [];
  if (sent.effort) {
    const requested = sent.effort.requested === undefined ? '' : `; requested=${sent.effort.requested}`;
    parts.push(`effort=${sent.effort.value}; source=${sent.effort.source}${requested}`);
  }
  if (sent.thinking) {
    const config = sent.thinking.config;
    const setting = config.type === 'enabled' ? `thinking_budget=${config.budget_tokens}` : `thinking=${config.type}`;
    parts.push(`${setting}; source=${sent.thinking.source}`);
  }
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/** The decision, on every proxied response, for clients that cannot read our body fields. */
export function decisionHeaders(outcome: ProxyOutcome, costUsd: number | undefined): Record<string, string> {
  const headers: Record<string, string> = {
    'x-router-decision-id': outcome.plan.decisionId,
    'x-router-routed': String(outcome.plan.routed),
    'x-router-provider': outcome.candidate.provider,
    'x-router-model': outcome.candidate.model,
    // Calls that went upstream: a candidate skipped for its open circuit was never attempted.
    'x-router-attempts': String(outcome.attempts.filter((attempt) => attempt.status !== 'skipped').length),
  };
  if (outcome.plan.tier) headers['x-router-tier'] = outcome.plan.tier;
  if (outcome.plan.intent) headers['x-router-intent'] = outcome.plan.intent;
  if (outcome.plan.strategy) headers['x-router-strategy'] = outcome.plan.strategy;
  if (outcome.plan.configVersion !== undefined) headers['x-router-config-version'] = String(outcome.plan.configVersion);
  const reasoning = reasoningHeader(outcome.reasoning);
  if (reasoning !== undefined) headers['x-router-reasoning'] = reasoning;
  if (costUsd !== undefined) headers['x-router-cost-usd'] = usdHeader(costUsd);
  return { ...headers, ...cascadeHeaders(outcome.plan.cascade) };
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  // Stop nginx-style proxies from buffering the stream.
  'x-accel-buffering': 'no',
};
