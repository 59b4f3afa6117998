import type { ThinkingConfigParam } from '@anthropic-ai/sdk/resources/messages';
import { EFFORT_SCALE, EffortSchema, type Effort } from '../routes-config/schemas.js';
import type { ChatRequest } from './types.js';

/** What the client asked for, in whichever API's words: chat `reasoning_effort`, Responses `reasoning.effort`, Anthropic `output_config.effort` and `thinking`. */
export interface ClientReasoning {
  effort?: string | null | undefined;
  /** Anthropic's extended thinking, from `/v1/messages`. */
  thinking?: ThinkingConfigParam | undefined;
}

/** The routing table's side: what a model takes, and its own setting (see CandidateReasoning). */
export interface ModelReasoning {
  effort?: Effort;
  thinkingBudget?: number;
  takesEffort?: boolean;
  efforts?: readonly Effort[];
  takesThinking?: boolean;
}

export type ReasoningSource = 'client' | 'table';

/** What goes upstream for one model, and where each part came from: the `x-router-reasoning` header shows it. */
export interface SentReasoning {
  /** Whether the model takes an effort at all: one that does not gets none, nor the Responses `reasoning` object. */
  takesEffort: boolean;
  /** `requested`: the client's own effort, when the model does not take it and `value` is the nearest it does. */
  effort?: { value: Effort; source: ReasoningSource; requested?: Effort };
  thinking?: { config: ThinkingConfigParam; source: ReasoningSource };
}

/**
 * An effort a model does not take becomes the nearest one it does: above its
 * scale its highest (`max` on GPT-5 is `high`), below it its lowest (`none` on
 * GPT-5 is `minimal`, on Claude `low`), between two steps the higher one
 * (`minimal` on a model that takes `none` and `low` is `low`), as a client that
 * asked for some reasoning should not get none.
 */
export function clampEffort(effort: Effort, accepted: readonly Effort[]): Effort {
  if (accepted.length === 0 || accepted.includes(effort)) return effort;
  const rank = (value: Effort) => EFFORT_SCALE.indexOf(value);
  const ordered = [...accepted].sort((a, b) => rank(a) - rank(b));
  return ordered.find((value) => rank(value) > rank(effort)) ?? ordered.at(-1)!;
}

/** The request as far as thinking cares: its messages and its tool choice (chat's or the Responses API's). */
export interface ThinkingContext {
  messages: ChatRequest['messages'];
  tool_choice?: unknown;
}

/**
 * Why Anthropic would refuse this thinking on this request, if it would. Its
 * answers reach clients through the canonical chat format, which has no
 * thinking blocks, so a step after a tool call comes back without the thinking
 * block that Anthropic requires before the tool use when thinking is on; and
 * manual thinking (`enabled`) refuses a forced tool. Such a step goes without.
 */
export function thinkingRefusal(request: ThinkingContext, thinking: ThinkingConfigParam): string | undefined {
  if (thinking.type === 'disabled') return undefined;
  const choice = request.tool_choice;
  const forced = choice === 'required' || (typeof choice === 'object' && choice !== null);
  if (forced && thinking.type === 'enabled') return 'a forced tool_choice';
  let toolResults = 0;
  for (let index = request.messages.length - 1; index >= 0; index--) {
    const message = request.messages[index]!;
    if (message.role === 'tool') toolResults++;
    else if (message.role !== 'user') {
      const callsTools = message.role === 'assistant' && (message.tool_calls?.length ?? 0) > 0;
      return callsTools && toolResults > 0 ? 'a step after a tool call' : undefined;
    }
  }
  return undefined;
}

/**
 * The one place that decides the reasoning sent to a model. The client's own
 * effort wins where the model takes an effort, moved onto the efforts it takes;
 * else the table's. The client's own thinking wins where the model takes
 * thinking; else the table's budget; neither on a request Anthropic would
 * refuse thinking on (thinkingRefusal). What a model cannot take is not sent.
 */
export function reasoningToSend(
  client: ClientReasoning | undefined,
  model: ModelReasoning | undefined,
  request?: ThinkingContext,
): SentReasoning {
  const sent: SentReasoning = { takesEffort: model?.takesEffort === true };
  const asked = EffortSchema.safeParse(client?.effort);
  if (sent.takesEffort && asked.success) {
    const value = clampEffort(asked.data, model?.efforts ?? []);
    sent.effort = { value, source: 'client', ...(value !== asked.data ? { requested: asked.data } : {}) };
  } else if (model?.effort !== undefined) {
    sent.effort = { value: model.effort, source: 'table' };
  }
  const thinking: SentReasoning['thinking'] =
    model?.takesThinking === true && client?.thinking !== undefined
      ? { config: client.thinking, source: 'client' }
      : model?.thinkingBudget !== undefined
        ? { config: { type: 'enabled', budget_tokens: model.thinkingBudget }, source: 'table' }
        : undefined;
  if (thinking !== undefined && (request === undefined || thinkingRefusal(request, thinking.config) === undefined))
    sent.thinking = thinking;
  return sent;
}
