import type { CascadeResult } from '../cascade/tier-cascade.js';
import type { AttemptRecord } from '../providers/forward.js';
import type { ProxyPlan } from './chat-proxy.js';

export const usdHeader = (usd: number): string => usd.toFixed(10).replace(/0+$/, '').replace(/\.$/, '');

/** Whether a small model was asked for the tier, what it answered and what it cost; nothing when it was not asked. */
export function cascadeHeaders(cascade: CascadeResult | undefined): Record<string, string> {
  if (!cascade) return {};
  const headers: Record<string, string> = { 'x-router-cascade': cascade.outcome, 'x-router-cascade-model': cascade.model };
  if (cascade.tier) headers['x-router-cascade-tier'] = cascade.tier;
  if (cascade.costUsd !== undefined) headers['x-router-cascade-cost-usd'] = usdHeader(cascade.costUsd);
  return headers;
}

/**
 * What was decided and how many upstream calls it took: on every proxied answer, and on an answer that failed after
 * the decision (a 502 or 504 says which tier and intent it was, and the decision id finds its ledger row).
 */
export function planHeaders(plan: ProxyPlan, attempts: readonly AttemptRecord[]): Record<string, string> {
  const headers: Record<string, string> = {
    'x-router-decision-id': plan.decisionId,
    'x-router-routed': String(plan.routed),
    // Calls that went upstream: a candidate skipped for its open circuit was never attempted.
    'x-router-attempts': String(attempts.filter((attempt) => attempt.status !== 'skipped').length),
  };
  if (plan.tier) headers['x-router-tier'] = plan.tier;
  if (plan.intent) headers['x-router-intent'] = plan.intent;
  if (plan.strategy) headers['x-router-strategy'] = plan.strategy;
  if (plan.configVersion !== undefined) headers['x-router-config-version'] = String(plan.configVersion);
  return { ...headers, ...cascadeHeaders(plan.cascade) };
}
