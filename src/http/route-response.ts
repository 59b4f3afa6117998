import type { CascadeResult } from '../cascade/tier-cascade.js';
import type { Embedder } from '../embedding/embedder.js';
import type { Candidate } from '../routing/candidates.js';
import type { ExemplarSetStatus, RouteOutcome } from '../router-service.js';
import type { AxisScores } from '../scoring/label-scores.js';

const round = (value: number, digits = 4) => Number(value.toFixed(digits));

/** A candidate's reasoning setting from routing.json, only when it has one. */
function reasoningView(candidate: Candidate | undefined) {
  return {
    ...(candidate?.reasoning?.effort ? { reasoning_effort: candidate.reasoning.effort } : {}),
    ...(candidate?.reasoning?.thinkingBudget ? { thinking_budget: candidate.reasoning.thinkingBudget } : {}),
  };
}

function candidateView(candidate: Candidate) {
  return {
    model: candidate.id,
    provider: candidate.provider,
    provider_model: candidate.providerModel,
    tier: candidate.tier,
    available: candidate.available,
    ...reasoningView(candidate),
  };
}

function scoresView(scores: AxisScores) {
  return Object.fromEntries(scores.ranked.map(({ label, score }) => [label, round(score)]));
}

function topView(axis: 'tier' | 'intent', scores: AxisScores) {
  return scores.top.map((match) => ({
    id: match.id,
    axis,
    label: match.label,
    text: match.text,
    similarity: round(match.similarity),
  }));
}

/** The cascade consultation as evidence: null when the tier margin did not call for one. */
export function cascadeView(cascade: CascadeResult | undefined) {
  if (!cascade) return null;
  return {
    model: cascade.model,
    outcome: cascade.outcome,
    tier: cascade.tier ?? null,
    answer: cascade.answer ?? null,
    latency_ms: round(cascade.latencyMs, 3),
    cost_usd: cascade.costUsd ?? null,
    input_tokens: cascade.inputTokens,
    output_tokens: cascade.outputTokens,
  };
}

export function embedderView(embedder: Embedder) {
  return {
    id: embedder.id,
    kind: embedder.kind,
    dim: embedder.dim,
    standin: embedder.standin,
    description: embedder.description,
    model:
      embedder.model === undefined
        ? null
        : { name: embedder.model.name, check: embedder.model.check, detail: embedder.model.detail },
  };
}

function complexityView(complexity: RouteOutcome['complexity']) {
  if (!complexity) return null;
  return {
    signals: Object.fromEntries(Object.entries(complexity.signals).map(([name, value]) => [name, round(value)])),
    strong_need: complexity.strongNeed === undefined ? null : round(complexity.strongNeed),
    threshold: complexity.threshold ?? null,
  };
}

/** The public shape of a routing decision: snake_case like the OpenAI API our users already speak. */
export function routeResponse(outcome: RouteOutcome, embedder: Embedder, exemplars: ExemplarSetStatus) {
  const { decision } = outcome;
  const fallbacks = decision.candidates.filter((candidate) => candidate !== decision.chosen);
  return {
    decision_id: outcome.decisionId,
    tier: decision.tier,
    intent: decision.intent,
    provider: decision.chosen?.provider ?? null,
    model: decision.chosen?.id ?? null,
    provider_model: decision.chosen?.providerModel ?? null,
    ...reasoningView(decision.chosen),
    available: decision.available,
    fallbacks: fallbacks.map(candidateView),
    strategy: outcome.strategy,
    reason: decision.reason,
    scores: { tier: scoresView(outcome.tierScores), intent: scoresView(outcome.intentScores) },
    margins: { tier: round(outcome.tierScores.margin), intent: round(outcome.intentScores.margin) },
    scored_tier: decision.scoredTier,
    adjustments: decision.adjustments,
    cascade: cascadeView(outcome.cascade),
    top_exemplars: [...topView('tier', outcome.tierScores), ...topView('intent', outcome.intentScores)],
    rule_hits: outcome.ruleHits,
    complexity: complexityView(outcome.complexity),
    embedder: {
      id: embedder.id,
      standin: embedder.standin,
      model: embedder.model?.name ?? null,
      identity_check: embedder.model?.check ?? null,
    },
    scoring: outcome.scoringSource,
    config_version: outcome.configVersion,
    exemplar_set_version: exemplars.version,
    timings_ms: {
      embed: round(outcome.timingsMs.embed, 3),
      score: round(outcome.timingsMs.score, 3),
      total: round(outcome.timingsMs.total, 3),
    },
  };
}
export type RouteResponse = ReturnType<typeof routeResponse>;
