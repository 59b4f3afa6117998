import type { Attributes } from '@opentelemetry/api';
import type { AttemptRecord } from '../providers/forward.js';
import type { RouteOutcome } from '../router-service.js';
import type { TraceSpan } from './trace-span.js';

/**
 * The decision on the request's span, under `router.*`: labels, margins,
 * candidates and the adjustments that explain it (numbers and labels only; the
 * query never goes into a span).
 */
export function decisionAttributes(outcome: RouteOutcome): Attributes {
  const { decision } = outcome;
  const attributes: Attributes = {
    'router.decision_id': outcome.decisionId,
    'router.strategy': outcome.strategy,
    'router.tier': decision.tier,
    'router.scored_tier': decision.scoredTier,
    'router.intent': decision.intent,
    'router.tier.margin': outcome.tierScores.margin,
    'router.intent.margin': outcome.intentScores.margin,
    'router.candidates': decision.candidates.map((candidate) => candidate.id),
    'router.adjustments': decision.adjustments,
    'router.session_floor_applied': decision.sessionFloorApplied,
    'router.config_version': outcome.configVersion,
    'router.scoring_source': outcome.scoringSource,
  };
  const topTier = outcome.tierScores.ranked[0];
  if (topTier) attributes['router.tier.score'] = topTier.score;
  const topIntent = outcome.intentScores.ranked[0];
  if (topIntent) attributes['router.intent.score'] = topIntent.score;
  if (decision.chosen) {
    attributes['router.model'] = decision.chosen.id;
    attributes['router.provider'] = decision.chosen.provider;
  }
  if (outcome.ruleHits.length > 0) attributes['router.rules'] = outcome.ruleHits.map((hit) => hit.id);
  if (outcome.cascade) {
    attributes['router.cascade.outcome'] = outcome.cascade.outcome;
    attributes['router.cascade.model'] = outcome.cascade.model;
    if (outcome.cascade.tier) attributes['router.cascade.tier'] = outcome.cascade.tier;
    if (outcome.cascade.costUsd !== undefined) attributes['router.cascade.cost_usd'] = outcome.cascade.costUsd;
  }
  return attributes;
}

export interface ServedCall {
  routed: boolean;
  configVersion: number | undefined;
  model: string | undefined;
  provider: string | undefined;
  attempts: readonly AttemptRecord[];
  usage: { inputTokens: number; outputTokens: number; estimated: boolean } | undefined;
  costUsd: number | undefined;
  baselineCostUsd: number | undefined;
  errorCode: string | undefined;
}

/**
 * What the proxy did with the decision, on the request's span: the model that
 * served (after any fallback), the cost, and each candidate skipped for its
 * open circuit as an event (it was never called, so it has no span).
 */
export function recordServedCall(span: TraceSpan, served: ServedCall): void {
  const attributes: Attributes = {
    'router.routed': served.routed,
    'router.attempts': served.attempts.filter((attempt) => attempt.status !== 'skipped').length,
  };
  if (served.configVersion !== undefined) attributes['router.config_version'] = served.configVersion;
  if (served.model !== undefined) attributes['router.model'] = served.model;
  if (served.provider !== undefined) attributes['router.provider'] = served.provider;
  if (served.usage) {
    attributes['router.usage.input_tokens'] = served.usage.inputTokens;
    attributes['router.usage.output_tokens'] = served.usage.outputTokens;
    attributes['router.usage.estimated'] = served.usage.estimated;
  }
  if (served.costUsd !== undefined) attributes['router.cost_usd'] = served.costUsd;
  if (served.baselineCostUsd !== undefined) attributes['router.baseline_cost_usd'] = served.baselineCostUsd;
  if (served.errorCode !== undefined) attributes['router.error_code'] = served.errorCode;
  span.set(attributes);
  for (const attempt of served.attempts) {
    if (attempt.status !== 'skipped') continue;
    span.event('router.attempt_skipped', {
      'router.model': attempt.model,
      'router.provider': attempt.provider,
      'error.type': attempt.error?.kind ?? 'circuit_open',
    });
  }
}
