import type {
  ResponseFunctionToolCall,
  ResponseOutputItem,
  ResponseStreamEvent,
  ResponseUsage,
} from 'openai/resources/responses/responses';
import {
  messageItem,
  responseEnvelope,
  toResponseUsage,
  type ResponseIdentity,
  type ResponsesInboundRequest,
} from './responses-inbound.js';
import type { ChatCompletionChunk } from '../providers/types.js';

/** Responses events without their `sequence_number`, which the mapper adds in order. */
type Unnumbered<E> = E extends unknown ? Omit<E, 'sequence_number'> : never;
type EventBody = Unnumbered<ResponseStreamEvent>;

export interface ResponsesEventMapper {
  /** The events one chat chunk becomes (the first chunk also opens the response). */
  push(chunk: ChatCompletionChunk): ResponseStreamEvent[];
  /** Closes the open item and the response: response.completed, or response.incomplete after a length cut. */
  finish(): ResponseStreamEvent[];
  /** The terminal event of a stream that failed after it started. */
  fail(message: string): ResponseStreamEvent[];
  /** The response as it stands (the final one after `finish`). */
  snapshot(): ReturnType<typeof responseEnvelope>;
}

type OpenItem = { outputIndex: number; kind: 'message'; text: string } | { outputIndex: number; kind: 'call'; toolIndex: number };

/**
 * Chat chunks -> the Responses event sequence, in the order OpenAI sends it:
 *
 *   response.created, response.in_progress,
 *   response.output_item.added, response.content_part.added, response.output_text.delta...,
 *   response.output_text.done, response.content_part.done, response.output_item.done,
 *   (response.output_item.added, response.function_call_arguments.delta..., ...done, output_item.done)...,
 *   response.completed
 *
 * The text and each tool call are output items of their own; an item closes
 * when the next one opens.
 */
export function createResponsesEventMapper(request: ResponsesInboundRequest, identity: ResponseIdentity): ResponsesEventMapper {
  let sequence = 0;
  let started = false;
  let finishReason: string | null = null;
  let usage: ResponseUsage | undefined;
  let open: OpenItem | undefined;
  const output: ResponseOutputItem[] = [];
  const calls = new Map<number, ResponseFunctionToolCall>();
  const suffix = identity.id.replace(/^resp_/, '');
  const messageId = `msg_${suffix}`;

  const numbered = (events: EventBody[]): ResponseStreamEvent[] =>
    events.map((event) => ({ ...event, sequence_number: sequence++ }));
  const envelope = (status: 'in_progress' | 'completed' | 'incomplete' | 'failed', error?: { code: string; message: string }) =>
    responseEnvelope(request, identity, { status, output: structuredClone(output), usage, ...(error ? { error } : {}) });

  const start = (): EventBody[] => {
    if (started) return [];
    started = true;
    const response = envelope('in_progress');
    return [
      { type: 'response.created', response },
      { type: 'response.in_progress', response },
    ];
  };

  const close = (): EventBody[] => {
    const item = open;
    if (item === undefined) return [];
    open = undefined;
    if (item.kind === 'message') {
      const done = messageItem(messageId, item.text, finishReason === 'length' ? 'incomplete' : 'completed');
      output[item.outputIndex] = done;
      const part = done.content[0]!;
      return [
        {
          type: 'response.output_text.done',
          item_id: messageId,
          output_index: item.outputIndex,
          content_index: 0,
          text: item.text,
          logprobs: [],
        },
        { type: 'response.content_part.done', item_id: messageId, output_index: item.outputIndex, content_index: 0, part },
        { type: 'response.output_item.done', output_index: item.outputIndex, item: done },
      ];
    }
    const call = calls.get(item.toolIndex)!;
    call.status = 'completed';
    output[item.outputIndex] = { ...call };
    return [
      {
        type: 'response.function_call_arguments.done',
        item_id: call.id!,
        output_index: item.outputIndex,
        name: call.name,
        arguments: call.arguments,
      },
      { type: 'response.output_item.done', output_index: item.outputIndex, item: { ...call } },
    ];
  };

  const text = (delta: string): EventBody[] => {
    const events: EventBody[] = [];
    if (open?.kind !== 'message') {
      events.push(...close());
      open = { outputIndex: output.length, kind: 'message', text: '' };
      const item = messageItem(messageId, '', 'in_progress');
      item.content = [];
      output.push(item);
      events.push({ type: 'response.output_item.added', output_index: open.outputIndex, item: structuredClone(item) });
      events.push({
        type: 'response.content_part.added',
        item_id: messageId,
        output_index: open.outputIndex,
        content_index: 0,
        part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
      });
    }
    open.text += delta;
    events.push({
      type: 'response.output_text.delta',
      item_id: messageId,
      output_index: open.outputIndex,
      content_index: 0,
      delta,
      logprobs: [],
    });
    return events;
  };

  const toolCall = (delta: NonNullable<ChatCompletionChunk['choices'][number]['delta']['tool_calls']>[number]): EventBody[] => {
    const events: EventBody[] = [];
    let call = calls.get(delta.index);
    if (call === undefined) {
      events.push(...close());
      call = {
        type: 'function_call',
        id: `fc_${suffix}_${delta.index}`,
        call_id: delta.id ?? `call_${suffix}_${delta.index}`,
        name: delta.function?.name ?? '',
        arguments: '',
        status: 'in_progress',
      };
      calls.set(delta.index, call);
      open = { outputIndex: output.length, kind: 'call', toolIndex: delta.index };
      output.push({ ...call });
      events.push({ type: 'response.output_item.added', output_index: open.outputIndex, item: { ...call } });
    }
    const piece = delta.function?.arguments ?? '';
    if (piece !== '' && open?.kind === 'call') {
      call.arguments += piece;
      events.push({
        type: 'response.function_call_arguments.delta',
        item_id: call.id!,
        output_index: open.outputIndex,
        delta: piece,
      });
    }
    return events;
  };

  return {
    push(chunk) {
      const events = start();
      for (const choice of chunk.choices) {
        if (typeof choice.delta.content === 'string' && choice.delta.content !== '') events.push(...text(choice.delta.content));
        for (const call of choice.delta.tool_calls ?? []) events.push(...toolCall(call));
        if (choice.finish_reason !== null) finishReason = choice.finish_reason;
      }
      if (chunk.usage) {
        usage = toResponseUsage({
          input: chunk.usage.prompt_tokens,
          output: chunk.usage.completion_tokens,
          cached: chunk.usage.prompt_tokens_details?.cached_tokens ?? 0,
          reasoning: chunk.usage.completion_tokens_details?.reasoning_tokens ?? 0,
        });
      }
      return numbered(events);
    },
    finish() {
      const events = [...start(), ...close()];
      const status = finishReason === 'length' ? 'incomplete' : 'completed';
      events.push({ type: status === 'incomplete' ? 'response.incomplete' : 'response.completed', response: envelope(status) });
      return numbered(events);
    },
    fail(message) {
      const events = start();
      events.push({ type: 'response.failed', response: envelope('failed', { code: 'server_error', message }) });
      return numbered(events);
    },
    snapshot: () => envelope(finishReason === 'length' ? 'incomplete' : 'completed'),
  };
}
