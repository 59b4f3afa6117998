import {
  DEFAULT_EFFORTS,
  TIERS,
  type Capability,
  type Effort,
  type ModelConfig,
  type ReasoningEffort,
  type RoutedIntent,
  type RoutingTable,
  type Tier,
} from '../routes-config/schemas.js';

/** How hard a candidate thinks, from its routing.json entry; applied only when the client set nothing. */
export interface CandidateReasoning {
  effort?: ReasoningEffort;
  thinkingBudget?: number;
  /**
   * Whether a client's own effort may be sent: only to a model with an effort
   * of its own or the `effort` capability, since models without reasoning
   * refuse it (OpenAI's gpt-4o family `reasoning_effort`, older Claude models
   * `output_config.effort`).
   */
  takesEffort?: boolean;
  /** The efforts it takes, when it takes one (its entry's `efforts`, else its provider kind's): the rest are refused. */
  efforts?: readonly Effort[];
  /** Whether an Anthropic client's own `thinking` may be sent: the `thinking` capability or a budget of its own. */
  takesThinking?: boolean;
}

export function reasoningOf(model: ModelConfig, table: Pick<RoutingTable, 'providers'>): CandidateReasoning | undefined {
  const kind = table.providers[model.provider]?.kind ?? 'openai';
  const takesEffort = model.capabilities.includes('effort') || model.reasoning_effort !== undefined;
  const takesThinking = model.capabilities.includes('thinking') || model.thinking_budget !== undefined;
  const reasoning: CandidateReasoning = {
    ...(model.reasoning_effort !== undefined ? { effort: model.reasoning_effort } : {}),
    ...(model.thinking_budget !== undefined ? { thinkingBudget: model.thinking_budget } : {}),
    ...(takesEffort ? { takesEffort, efforts: model.efforts ?? DEFAULT_EFFORTS[kind] } : {}),
    ...(takesThinking ? { takesThinking } : {}),
  };
  return Object.keys(reasoning).length > 0 ? reasoning : undefined;
}
import { tierRank } from './tier-order.js';

export interface Candidate {
  /** Our id for the model, the key in routing.json and prices.json. */
  id: string;
  provider: string;
  /** The provider's own model name. */
  providerModel: string;
  /** The tier whose list put it here: higher than the decision's tier for upgrade fallbacks. */
  tier: Tier;
  capabilities: Capability[];
  /** False when the provider has no key configured. */
  available: boolean;
  reasoning?: CandidateReasoning | undefined;
}

export interface CandidateOptions {
  isProviderAvailable: (provider: string) => boolean;
  needsVision: boolean;
}

/**
 * The decision's tier list first (the intent's own list when it has one), then
 * the lists of higher tiers as upgrade fallbacks: if every cheap model fails, a
 * stronger one answers rather than nobody.
 */
export function listCandidates(table: RoutingTable, tier: Tier, intent: RoutedIntent, options: CandidateOptions): Candidate[] {
  const policy = table.intents[intent];
  const seen = new Set<string>();
  const candidates: Candidate[] = [];
  for (const level of TIERS.slice(tierRank(tier))) {
    for (const id of policy?.tiers?.[level] ?? table.tiers[level]) {
      if (seen.has(id)) continue;
      seen.add(id);
      const model = table.models[id]!;
      if (options.needsVision && !model.capabilities.includes('vision')) continue;
      candidates.push({
        id,
        provider: model.provider,
        providerModel: model.model,
        tier: level,
        capabilities: model.capabilities,
        available: options.isProviderAvailable(model.provider),
        reasoning: reasoningOf(model, table),
      });
    }
  }
  return candidates;
}
