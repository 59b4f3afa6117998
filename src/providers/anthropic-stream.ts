import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { toCompletionUsage, toFinishReason, type AnthropicUsageCounts, type FinishReason } from './anthropic-response.js';
import type { ChatCompletionChunk } from './types.js';

type Delta = ChatCompletionChunk['choices'][number]['delta'];

export interface AnthropicChunkMapper {
  /** The OpenAI chunks one Anthropic event becomes, in order (often none, never more than two). */
  map(event: RawMessageStreamEvent): ChatCompletionChunk[];
  /** True once `message_stop` arrived; a stream that ends before it was cut. */
  readonly complete: boolean;
}

/**
 * Anthropic stream events -> OpenAI chunks, one event at a time so the first
 * token reaches the client as soon as Anthropic sends it:
 *
 *   message_start                 -> delta { role: 'assistant', content: '' }
 *   content_block_start text      -> (text, if the block starts with some)
 *   content_block_start tool_use  -> delta.tool_calls[i] { id, type, function { name, arguments: '' } }
 *   content_block_delta text      -> delta.content
 *   content_block_delta json      -> delta.tool_calls[i].function.arguments
 *   message_delta                 -> delta {} with finish_reason
 *   message_stop                  -> a last chunk with `choices: []` and `usage`, as OpenAI's include_usage
 *
 * OpenAI numbers tool calls 0, 1, 2 among themselves, while Anthropic's
 * `index` counts every block (text blocks too), hence the index map.
 */
export function createAnthropicChunkMapper(options: { created: number }): AnthropicChunkMapper {
  let id = '';
  let model = '';
  let complete = false;
  let usage: AnthropicUsageCounts = { input_tokens: 0, output_tokens: 0 };
  const toolIndexByBlock = new Map<number, number>();

  const chunk = (delta: Delta, finishReason: FinishReason | null = null): ChatCompletionChunk => ({
    id,
    object: 'chat.completion.chunk',
    created: options.created,
    model,
    choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
  });

  return {
    get complete() {
      return complete;
    },
    map(event) {
      switch (event.type) {
        case 'message_start':
          id = event.message.id;
          model = event.message.model;
          usage = { ...event.message.usage };
          return [chunk({ role: 'assistant', content: '' })];
        case 'content_block_start': {
          const block = event.content_block;
          if (block.type === 'text') return block.text === '' ? [] : [chunk({ content: block.text })];
          if (block.type !== 'tool_use') return [];
          const toolIndex = toolIndexByBlock.size;
          toolIndexByBlock.set(event.index, toolIndex);
          return [
            chunk({
              tool_calls: [{ index: toolIndex, id: block.id, type: 'function', function: { name: block.name, arguments: '' } }],
            }),
          ];
        }
        case 'content_block_delta': {
          const delta = event.delta;
          if (delta.type === 'text_delta') return [chunk({ content: delta.text })];
          if (delta.type !== 'input_json_delta' || delta.partial_json === '') return [];
          const toolIndex = toolIndexByBlock.get(event.index);
          if (toolIndex === undefined) return [];
          return [chunk({ tool_calls: [{ index: toolIndex, function: { arguments: delta.partial_json } }] })];
        }
        case 'content_block_stop':
          return [];
        case 'message_delta':
          // Counts in message_delta are cumulative; a null means "unchanged".
          usage = {
            input_tokens: event.usage.input_tokens ?? usage.input_tokens,
            output_tokens: event.usage.output_tokens,
            cache_creation_input_tokens: event.usage.cache_creation_input_tokens ?? usage.cache_creation_input_tokens ?? null,
            cache_read_input_tokens: event.usage.cache_read_input_tokens ?? usage.cache_read_input_tokens ?? null,
          };
          return [chunk({}, toFinishReason(event.delta.stop_reason))];
        case 'message_stop':
          complete = true;
          return [
            {
              id,
              object: 'chat.completion.chunk',
              created: options.created,
              model,
              choices: [],
              usage: toCompletionUsage(usage),
            },
          ];
        default:
          return [];
      }
    },
  };
}
