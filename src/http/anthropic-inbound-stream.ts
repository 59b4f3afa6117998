import type { ErrorType } from '@anthropic-ai/sdk/resources/shared';
import type { ContentBlock, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { toAnthropicUsage, toStopReason } from './anthropic-inbound.js';
import type { FinishReason } from '../providers/anthropic-response.js';
import type { ChatCompletionChunk } from '../providers/types.js';

/** One server-sent event as `POST /v1/messages` writes it: `event: <event>\ndata: <JSON of data>\n\n`. */
export type AnthropicSseEvent =
  | { event: RawMessageStreamEvent['type']; data: RawMessageStreamEvent }
  | { event: 'ping'; data: { type: 'ping' } }
  | { event: 'error'; data: { type: 'error'; error: { type: ErrorType; message: string } } };

export interface AnthropicEventMapper {
  /** The events one OpenAI chunk becomes (the first chunk also opens the message). */
  push(chunk: ChatCompletionChunk): AnthropicSseEvent[];
  /** Closes the open block and the message: message_delta (stop reason, usage) then message_stop. */
  finish(): AnthropicSseEvent[];
  /** The event that ends a stream which failed after it started. */
  error(message: string, type?: ErrorType): AnthropicSseEvent;
}

export interface AnthropicEventMapperOptions {
  /** The model name to report; defaults to the chunks' `model`. */
  model?: string;
  /** Anthropic reports input tokens in message_start, before OpenAI's usage arrives; an estimate goes here. */
  inputTokens?: number;
}

type OpenBlock = { index: number; kind: 'text' } | { index: number; kind: 'tool'; toolIndex: number };

/**
 * OpenAI chunks -> the Anthropic event sequence, in the order Anthropic sends it:
 *
 *   message_start, content_block_start (0), ping, content_block_delta...,
 *   content_block_stop (0), content_block_start (1), ..., message_delta, message_stop
 *
 * Text and each tool call become their own content blocks; a block closes when
 * the next one starts. OpenAI sends the finish reason and the usage in chunks
 * of their own before `[DONE]`, so both are held until `finish()`.
 */
export function createAnthropicEventMapper(options: AnthropicEventMapperOptions = {}): AnthropicEventMapper {
  let started = false;
  let pinged = false;
  let open: OpenBlock | undefined;
  let nextIndex = 0;
  let finishReason: FinishReason | null = null;
  let usage = { prompt: options.inputTokens ?? 0, completion: 0, cached: 0 };

  const start = (id: string, model: string): AnthropicSseEvent[] => {
    started = true;
    const data: RawMessageStreamEvent = {
      type: 'message_start',
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model: options.model ?? model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        stop_details: null,
        container: null,
        diagnostics: null,
        usage: toAnthropicUsage(usage.prompt, 0),
      },
    };
    return [{ event: 'message_start', data }];
  };

  const close = (): AnthropicSseEvent[] => {
    if (open === undefined) return [];
    const index = open.index;
    open = undefined;
    return [{ event: 'content_block_stop', data: { type: 'content_block_stop', index } }];
  };

  const openBlock = (block: OpenBlock, contentBlock: ContentBlock): AnthropicSseEvent[] => {
    const events = close();
    open = block;
    nextIndex += 1;
    events.push({
      event: 'content_block_start',
      data: { type: 'content_block_start', index: block.index, content_block: contentBlock },
    });
    if (!pinged) {
      pinged = true;
      events.push({ event: 'ping', data: { type: 'ping' } });
    }
    return events;
  };

  return {
    push(chunk) {
      const events = started ? [] : start(chunk.id, chunk.model);
      if (chunk.usage != null) {
        usage = {
          prompt: chunk.usage.prompt_tokens,
          completion: chunk.usage.completion_tokens,
          cached: chunk.usage.prompt_tokens_details?.cached_tokens ?? 0,
        };
      }
      const choice = chunk.choices.find((candidate) => candidate.index === 0);
      if (choice === undefined) return events;
      const delta = choice.delta;

      const text = delta.content ?? delta.refusal ?? '';
      if (text !== '') {
        if (open?.kind !== 'text')
          events.push(...openBlock({ index: nextIndex, kind: 'text' }, { type: 'text', text: '', citations: null }));
        const index = open?.index ?? 0;
        events.push({
          event: 'content_block_delta',
          data: { type: 'content_block_delta', index, delta: { type: 'text_delta', text } },
        });
      }

      for (const call of delta.tool_calls ?? []) {
        const isNewCall = open?.kind !== 'tool' || open.toolIndex !== call.index;
        if (isNewCall) {
          const id = call.id ?? `toolu_${call.index}`;
          events.push(
            ...openBlock(
              { index: nextIndex, kind: 'tool', toolIndex: call.index },
              { type: 'tool_use', id, name: call.function?.name ?? '', input: {}, caller: { type: 'direct' } },
            ),
          );
        }
        const partial = call.function?.arguments ?? '';
        if (partial !== '' && open !== undefined) {
          events.push({
            event: 'content_block_delta',
            data: { type: 'content_block_delta', index: open.index, delta: { type: 'input_json_delta', partial_json: partial } },
          });
        }
      }

      if (choice.finish_reason !== null) finishReason = choice.finish_reason;
      return events;
    },

    finish() {
      const events = started ? [] : start('msg_empty', options.model ?? '');
      events.push(...close());
      const final = toAnthropicUsage(usage.prompt, usage.completion, usage.cached);
      events.push({
        event: 'message_delta',
        data: {
          type: 'message_delta',
          delta: { stop_reason: toStopReason(finishReason), stop_sequence: null, stop_details: null, container: null },
          usage: {
            input_tokens: final.input_tokens,
            output_tokens: final.output_tokens,
            cache_creation_input_tokens: final.cache_creation_input_tokens,
            cache_read_input_tokens: final.cache_read_input_tokens,
            output_tokens_details: null,
            server_tool_use: null,
          },
        },
      });
      events.push({ event: 'message_stop', data: { type: 'message_stop' } });
      return events;
    },

    error(message, type = 'api_error') {
      return { event: 'error', data: { type: 'error', error: { type, message } } };
    },
  };
}
