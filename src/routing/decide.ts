import type { Strategy } from './strategy.js';
import {
  GENERAL_INTENT,
  type AxisScoring,
  type Intent,
  type RoutedIntent,
  type RoutingTable,
  type Tier,
} from '../routes-config/schemas.js';
import type { AxisScores } from '../scoring/label-scores.js';
import { listCandidates, reasoningOf, type Candidate } from './candidates.js';
import type { ComplexitySignals } from './complexity-signals.js';
import type { RuleHit } from './rules.js';
import { pickTier } from './strategy.js';
import { clampTier, higherTier, tierRank } from './tier-order.js';

export interface DecisionInput {
  tierScores: AxisScores;
  intentScores: AxisScores;
  tierSettings: AxisScoring;
  intentSettings: AxisScoring;
  strategy: Strategy;
  ruleHits: readonly RuleHit[];
  /** The lowest tier this session may use (its last tier, while fresh). */
  sessionFloor: Tier | undefined;
  table: RoutingTable;
  isProviderAvailable: (provider: string) => boolean;
  needsVision: boolean;
  /** What reading the conversation did before scoring (a short follow-up routed as its turn), in words. */
  conversationNotes?: readonly string[] | undefined;
  /** A later step of a turn: the model that served its first step goes first. */
  turnModel?: { turnKey: string; model: string } | undefined;
  /** The complexity signals and the fitted probability that the prompt needs the strong model, when the scoring has a model for it. */
  complexity?: ComplexityEvidence | undefined;
  /** The small model's verdict, when the tier margin was low enough to ask one (see cascade/tier-cascade.ts). */
  cascade?: CascadeVerdict | undefined;
}

export interface ComplexityEvidence {
  signals: ComplexitySignals;
  /** Probability that the weak model fails where the strong one succeeds; absent without a fitted model. */
  strongNeed?: number | undefined;
  /** At or above it the tier is raised to complex. */
  threshold?: number | undefined;
}

/** What decideRoute needs of a cascade consultation. */
export interface CascadeVerdict {
  model: string;
  /** `answered`, `cached`, or why there is no tier (`timeout`, `invalid_answer`, ...). */
  outcome: string;
  tier: Tier | undefined;
  maxMargin: number;
}

export interface Decision {
  tier: Tier;
  intent: RoutedIntent;
  /** The tier the scores alone chose, before policies, rules and the session. */
  scoredTier: Tier;
  /** Each step that moved the decision away from the raw scores, in order, in words. */
  adjustments: string[];
  /** The session's floor raised the tier (one of the adjustments, as a fact for metrics). */
  sessionFloorApplied: boolean;
  candidates: Candidate[];
  /** The first available candidate, or the first candidate when none is available. */
  chosen: Candidate | undefined;
  available: boolean;
  reason: string;
}

/** When tier scores are too weak to trust, the middle tier is the least costly mistake. */
export const UNSURE_TIER: Tier = 'medium';

/** The label's own threshold when a calibration set one, else the axis threshold. */
export function thresholdFor(
  settings: Pick<AxisScoring, 'threshold' | 'label_thresholds'> & Partial<AxisScoring>,
  label: string,
): number {
  return settings.label_thresholds?.[label] ?? settings.threshold;
}

function decideIntent(input: DecisionInput, adjustments: string[]): RoutedIntent {
  const forced = input.ruleHits.find((hit) => hit.set.intent !== undefined);
  if (forced) {
    adjustments.push(`rule ${forced.id} set intent ${forced.set.intent!}`);
    return forced.set.intent!;
  }
  return intentFromScores(input.intentScores, input.intentSettings, adjustments);
}

/**
 * The intent the scores alone give under these settings (no rules): exported so that the promotion regression check
 * (quality/regression-check.ts) judges validation rows as routing does.
 */
export function intentFromScores(
  intentScores: Pick<AxisScores, 'ranked' | 'margin'>,
  intentSettings: Pick<AxisScoring, 'threshold' | 'label_thresholds' | 'min_margin'>,
  adjustments: string[],
): RoutedIntent {
  const input = { intentScores, intentSettings };
  const { ranked } = input.intentScores;
  let best = ranked[0];
  let margin = input.intentScores.margin;
  if (!best) return GENERAL_INTENT;
  if (best.label === GENERAL_INTENT) {
    // The general exemplars (the open-domain region) won: general, unless they scored under their own threshold,
    // in which case the best product intent competes on its own threshold and margin.
    const claim = input.intentSettings.label_thresholds?.[GENERAL_INTENT];
    const next = ranked[1];
    if (claim === undefined || best.score >= claim || !next) return GENERAL_INTENT;
    adjustments.push(`general exemplars scored ${best.score.toFixed(3)}, under their threshold ${claim}: ${next.label} competes`);
    margin = next.score - (ranked[2]?.score ?? 0);
    best = next;
  }
  const threshold = thresholdFor(input.intentSettings, best.label);
  if (best.score < threshold) {
    adjustments.push(`best intent ${best.label} scored ${best.score.toFixed(3)}, below the threshold ${threshold}: general`);
    return GENERAL_INTENT;
  }
  const minMargin = input.intentSettings.min_margin ?? 0;
  if (margin < minMargin) {
    adjustments.push(`best intent ${best.label} leads by ${margin.toFixed(3)}, under the margin ${minMargin}: general`);
    return GENERAL_INTENT;
  }
  return best.label as Intent;
}

function decideScoredTier(input: DecisionInput, adjustments: string[]): Tier {
  const ranked = input.tierScores.ranked;
  if (ranked.length === 0) {
    adjustments.push(`no tier exemplars: ${UNSURE_TIER}`);
    return UNSURE_TIER;
  }
  const threshold = thresholdFor(input.tierSettings, ranked[0]!.label);
  if (ranked[0]!.score < threshold) {
    adjustments.push(`best tier scored ${ranked[0]!.score.toFixed(3)}, below the threshold ${threshold}: ${UNSURE_TIER}`);
    return UNSURE_TIER;
  }
  const picked = pickTier(ranked, input.tierSettings.margin, input.strategy);
  if (picked !== ranked[0]!.label) {
    adjustments.push(
      `${input.strategy} chose ${picked} over ${ranked[0]!.label} (within the margin ${input.tierSettings.margin})`,
    );
  }
  return picked;
}

/** A valid cascade answer replaces the kNN tier before policies and rules; any other outcome keeps it. */
function applyCascade(scored: Tier, input: DecisionInput, adjustments: string[]): Tier {
  const cascade = input.cascade;
  if (!cascade) return scored;
  const asked = `cascade ${cascade.model}${cascade.outcome === 'cached' ? ' (cached)' : ''}`;
  const why = `tier margin ${input.tierScores.margin.toFixed(3)} under ${cascade.maxMargin}`;
  if (cascade.tier === undefined) {
    adjustments.push(`${asked} gave no tier (${cascade.outcome}; ${why}): kept ${scored}`);
    return scored;
  }
  if (cascade.tier === scored) {
    adjustments.push(`${asked} agreed on ${scored} (${why})`);
    return scored;
  }
  adjustments.push(`${asked} chose ${cascade.tier} over ${scored} (${why})`);
  return cascade.tier;
}

function applyTierPolicies(
  scored: Tier,
  intent: RoutedIntent,
  input: DecisionInput,
  adjustments: string[],
): { tier: Tier; sessionFloorApplied: boolean } {
  let tier = scored;
  const move = (next: Tier, why: string) => {
    if (next !== tier) adjustments.push(`${why}: ${tier} -> ${next}`);
    tier = next;
  };
  const policy = input.table.intents[intent];
  if (policy) move(clampTier(tier, policy.min_tier, policy.max_tier), `intent ${intent} policy`);
  // After the intent policy: a prompt that measures as needing the strong model is not capped by what its
  // intent usually needs. Before the rules: a rule is exact and has the last word.
  const need = input.complexity;
  if (need?.strongNeed !== undefined && need.threshold !== undefined && need.strongNeed >= need.threshold) {
    move(
      higherTier(tier, 'complex'),
      `complexity signals: strong model needed (p ${need.strongNeed.toFixed(2)} >= ${need.threshold})`,
    );
  }
  for (const hit of input.ruleHits) {
    if (hit.set.tier) move(hit.set.tier, `rule ${hit.id}`);
    else move(clampTier(tier, hit.set.min_tier, hit.set.max_tier), `rule ${hit.id}`);
  }
  const sessionFloorApplied = input.sessionFloor !== undefined && tierRank(input.sessionFloor) > tierRank(tier);
  if (sessionFloorApplied) move(higherTier(tier, input.sessionFloor!), 'session stays at its earlier tier');
  return { tier, sessionFloorApplied };
}

function describe(decision: Omit<Decision, 'reason'>, input: DecisionInput): string {
  const tierScore = input.tierScores.scores[decision.scoredTier];
  // General has a score to show only when its own exemplars won (not when the router abstained into it).
  const generalByRegion = input.intentScores.ranked[0]?.label === GENERAL_INTENT;
  const intentScore =
    decision.intent === GENERAL_INTENT && !generalByRegion ? undefined : input.intentScores.scores[decision.intent];
  const parts = [
    `${decision.tier} ${decision.intent} query` +
      (tierScore === undefined
        ? ''
        : ` (tier ${decision.scoredTier} ${tierScore.toFixed(2)}, margin ${input.tierScores.margin.toFixed(2)}`) +
      (intentScore === undefined ? '' : `; intent ${intentScore.toFixed(2)}, margin ${input.intentScores.margin.toFixed(2)}`) +
      (tierScore === undefined ? '' : ')'),
  ];
  if (decision.adjustments.length > 0) parts.push(decision.adjustments.join('; '));
  if (!decision.chosen) parts.push('no candidate model fits (vision required?)');
  else if (decision.available) parts.push(`-> ${decision.chosen.id} via ${decision.chosen.provider} (${input.strategy})`);
  else parts.push(`-> ${decision.chosen.id}, but no candidate's provider has an API key configured`);
  return parts.join(' · ');
}

/**
 * Every step of a tool loop goes to the model that began it: a mid-task switch
 * loses the model's own plan and tool habits. It goes first; the tier's list
 * stays behind it as the fallback.
 */
function pinTurnModel(candidates: Candidate[], tier: Tier, input: DecisionInput, adjustments: string[]): Candidate[] {
  const pin = input.turnModel;
  if (!pin) return candidates;
  const model = input.table.models[pin.model];
  if (!model || (input.needsVision && !model.capabilities.includes('vision'))) {
    adjustments.push(`turn ${pin.turnKey} began on ${pin.model}, which cannot take this request: routed afresh`);
    return candidates;
  }
  const listed = candidates.find((candidate) => candidate.id === pin.model);
  const pinned: Candidate = listed ?? {
    id: pin.model,
    provider: model.provider,
    providerModel: model.model,
    tier,
    capabilities: model.capabilities,
    available: input.isProviderAvailable(model.provider),
    reasoning: reasoningOf(model, input.table),
  };
  adjustments.push(`turn ${pin.turnKey} continues on ${pin.model}, the model of its first step`);
  return [pinned, ...candidates.filter((candidate) => candidate.id !== pin.model)];
}

/** Scores, rules, policies and strategy in; one explained decision out. Pure. */
export function decideRoute(input: DecisionInput): Decision {
  const adjustments: string[] = [...(input.conversationNotes ?? [])];
  const intent = decideIntent(input, adjustments);
  const scoredTier = decideScoredTier(input, adjustments);
  const { tier, sessionFloorApplied } = applyTierPolicies(
    applyCascade(scoredTier, input, adjustments),
    intent,
    input,
    adjustments,
  );
  const listed = listCandidates(input.table, tier, intent, {
    isProviderAvailable: input.isProviderAvailable,
    needsVision: input.needsVision,
  });
  const candidates = pinTurnModel(listed, tier, input, adjustments);
  const firstAvailable = candidates.find((candidate) => candidate.available);
  const chosen = firstAvailable ?? candidates[0];
  const partial = {
    tier,
    intent,
    scoredTier,
    adjustments,
    sessionFloorApplied,
    candidates,
    chosen,
    available: firstAvailable !== undefined,
  };
  return { ...partial, reason: describe(partial, input) };
}
