import type { Message, StopReason } from '@anthropic-ai/sdk/resources/messages';
import type { ChatCompletionMessageToolCall } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import type { ChatCompletion } from './types.js';

export type FinishReason = ChatCompletion['choices'][number]['finish_reason'];

/**
 * Anthropic stop reasons -> OpenAI finish reasons. `pause_turn` (a server tool
 * turn paused) ends the answer as far as an OpenAI client can tell.
 */
const FINISH_REASONS: Record<StopReason, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

export function toFinishReason(reason: StopReason | null): FinishReason {
  return reason === null ? 'stop' : (FINISH_REASONS[reason] ?? 'stop');
}

export interface AnthropicUsageCounts {
  input_tokens: number | null;
  output_tokens: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

/**
 * Anthropic counts cached prompt tokens apart from `input_tokens`; OpenAI's
 * `prompt_tokens` includes them, with the cache reads shown as `cached_tokens`.
 */
export function toCompletionUsage(usage: AnthropicUsageCounts): CompletionUsage {
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const prompt = (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0) + cacheRead;
  const result: CompletionUsage = {
    prompt_tokens: prompt,
    completion_tokens: usage.output_tokens,
    total_tokens: prompt + usage.output_tokens,
  };
  if (cacheRead > 0) result.prompt_tokens_details = { cached_tokens: cacheRead };
  return result;
}

/** Anthropic Message -> OpenAI ChatCompletion. Pure: `created` is the caller's clock. */
export function fromAnthropicMessage(message: Message, created: number): ChatCompletion {
  const texts: string[] = [];
  const toolCalls: ChatCompletionMessageToolCall[] = [];
  for (const block of message.content) {
    if (block.type === 'text') texts.push(block.text);
    else if (block.type === 'tool_use') {
      toolCalls.push({
        id: block.id,
        type: 'function',
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
    }
    // Thinking and server-tool blocks have no OpenAI counterpart and are left out.
  }
  const choiceMessage: ChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    // OpenAI sends `null` rather than "" when the answer is only tool calls.
    content: texts.length > 0 ? texts.join('') : null,
    refusal: null,
  };
  if (toolCalls.length > 0) choiceMessage.tool_calls = toolCalls;
  return {
    id: message.id,
    object: 'chat.completion',
    created,
    model: message.model,
    choices: [{ index: 0, message: choiceMessage, finish_reason: toFinishReason(message.stop_reason), logprobs: null }],
    usage: toCompletionUsage(message.usage),
  };
}
