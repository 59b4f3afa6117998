/** Anthropic Message and stream events -> OpenAI ChatCompletion and chunks. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message, RawMessageStreamEvent, StopReason, Usage } from '@anthropic-ai/sdk/resources/messages';
import { fromAnthropicMessage, toCompletionUsage, toFinishReason } from '../../src/providers/anthropic-response.js';
import { createAnthropicChunkMapper } from '../../src/providers/anthropic-stream.js';
import type { ChatCompletionChunk } from '../../src/providers/types.js';

const CREATED = 1_700_000_123;

function usage(input: number, output: number, cache: { write?: number; read?: number } = {}): Usage {
  return {
    input_tokens: input,
    output_tokens: output,
    cache_creation_input_tokens: cache.write ?? null,
    cache_read_input_tokens: cache.read ?? null,
    cache_creation: null,
    inference_geo: null,
    output_tokens_details: null,
    server_tool_use: null,
    service_tier: 'standard',
    speed: null,
  };
}

function message(content: Message['content'], stopReason: StopReason | null, tokens = usage(10, 5)): Message {
  return {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-test',
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: tokens,
  };
}

describe('toFinishReason', () => {
  const table: [StopReason | null, string][] = [
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'stop'],
    [null, 'stop'],
  ];
  for (const [reason, expected] of table) {
    it(`${String(reason)} -> ${expected}`, () => assert.equal(toFinishReason(reason), expected));
  }
});

describe('toCompletionUsage', () => {
  it('input/output become prompt/completion/total', () => {
    assert.deepEqual(toCompletionUsage(usage(100, 20)), { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 });
  });
  it('cache writes and reads count as prompt tokens, reads shown as cached_tokens', () => {
    assert.deepEqual(toCompletionUsage(usage(100, 20, { write: 30, read: 50 })), {
      prompt_tokens: 180,
      completion_tokens: 20,
      total_tokens: 200,
      prompt_tokens_details: { cached_tokens: 50 },
    });
  });
});

describe('fromAnthropicMessage', () => {
  it('a text answer', () => {
    const completion = fromAnthropicMessage(message([{ type: 'text', text: 'Hello', citations: null }], 'end_turn'), CREATED);
    assert.deepEqual(completion, {
      id: 'msg_1',
      object: 'chat.completion',
      created: CREATED,
      model: 'claude-test',
      choices: [
        { index: 0, message: { role: 'assistant', content: 'Hello', refusal: null }, finish_reason: 'stop', logprobs: null },
      ],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    });
  });

  it('text and tool_use blocks: text as content, tool_use as tool_calls with JSON arguments', () => {
    const completion = fromAnthropicMessage(
      message(
        [
          { type: 'text', text: 'Let me ', citations: null },
          { type: 'text', text: 'check.', citations: null },
          { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: 'a' }, caller: { type: 'direct' } },
          { type: 'tool_use', id: 'toolu_2', name: 'lookup', input: { q: 'b' }, caller: { type: 'direct' } },
        ],
        'tool_use',
      ),
      CREATED,
    );
    const choice = completion.choices[0];
    assert.equal(choice?.message.content, 'Let me check.');
    assert.equal(choice?.finish_reason, 'tool_calls');
    assert.deepEqual(choice?.message.tool_calls, [
      { id: 'toolu_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"a"}' } },
      { id: 'toolu_2', type: 'function', function: { name: 'lookup', arguments: '{"q":"b"}' } },
    ]);
  });

  it('only tool calls: content is null, as OpenAI sends it', () => {
    const completion = fromAnthropicMessage(
      message([{ type: 'tool_use', id: 'toolu_1', name: 'lookup', input: {}, caller: { type: 'direct' } }], 'tool_use'),
      CREATED,
    );
    assert.equal(completion.choices[0]?.message.content, null);
    assert.equal(completion.choices[0]?.message.tool_calls?.[0]?.type, 'function');
  });

  it('thinking blocks are left out', () => {
    const completion = fromAnthropicMessage(
      message(
        [
          { type: 'thinking', thinking: 'hmm', signature: 'sig' },
          { type: 'text', text: 'Done', citations: null },
        ],
        'end_turn',
      ),
      CREATED,
    );
    assert.equal(completion.choices[0]?.message.content, 'Done');
  });
});

describe('createAnthropicChunkMapper', () => {
  const start: RawMessageStreamEvent = { type: 'message_start', message: message([], null, usage(25, 1)) };
  const events: RawMessageStreamEvent[] = [
    start,
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '', citations: null } },
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Let me ' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'look.' } },
    { type: 'content_block_stop', index: 0 },
    {
      type: 'content_block_start',
      index: 1,
      content_block: { type: 'tool_use', id: 'toolu_9', name: 'lookup', input: {}, caller: { type: 'direct' } },
    },
    { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '' } },
    { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"q":' } },
    { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"a"}' } },
    { type: 'content_block_stop', index: 1 },
    {
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null, stop_details: null, container: null },
      usage: {
        output_tokens: 17,
        input_tokens: null,
        cache_creation_input_tokens: null,
        cache_read_input_tokens: null,
        output_tokens_details: null,
        server_tool_use: null,
      },
    },
    { type: 'message_stop' },
  ];

  const chunk = (
    delta: ChatCompletionChunk['choices'][number]['delta'],
    finish: ChatCompletionChunk['choices'][number]['finish_reason'] = null,
  ): ChatCompletionChunk => ({
    id: 'msg_1',
    object: 'chat.completion.chunk',
    created: CREATED,
    model: 'claude-test',
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
  });

  it('maps the whole event sequence, event by event, to OpenAI chunks', () => {
    const mapper = createAnthropicChunkMapper({ created: CREATED });
    const perEvent = events.map((event) => mapper.map(event));
    assert.deepEqual(perEvent, [
      [chunk({ role: 'assistant', content: '' })],
      [],
      [chunk({ content: 'Let me ' })],
      [chunk({ content: 'look.' })],
      [],
      [chunk({ tool_calls: [{ index: 0, id: 'toolu_9', type: 'function', function: { name: 'lookup', arguments: '' } }] })],
      [],
      [chunk({ tool_calls: [{ index: 0, function: { arguments: '{"q":' } }] })],
      [chunk({ tool_calls: [{ index: 0, function: { arguments: '"a"}' } }] })],
      [],
      [chunk({}, 'tool_calls')],
      [
        {
          id: 'msg_1',
          object: 'chat.completion.chunk',
          created: CREATED,
          model: 'claude-test',
          choices: [],
          usage: { prompt_tokens: 25, completion_tokens: 17, total_tokens: 42 },
        },
      ],
    ]);
  });

  it('is complete only after message_stop', () => {
    const mapper = createAnthropicChunkMapper({ created: CREATED });
    for (const event of events.slice(0, -1)) mapper.map(event);
    assert.equal(mapper.complete, false);
    mapper.map({ type: 'message_stop' });
    assert.equal(mapper.complete, true);
  });

  it('numbers tool calls among themselves, not by Anthropic block index', () => {
    const mapper = createAnthropicChunkMapper({ created: CREATED });
    mapper.map(start);
    const tool = (index: number, id: string): RawMessageStreamEvent => ({
      type: 'content_block_start',
      index,
      content_block: { type: 'tool_use', id, name: 'lookup', input: {}, caller: { type: 'direct' } },
    });
    mapper.map({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '', citations: null } });
    const first = mapper.map(tool(1, 'toolu_a'));
    const second = mapper.map(tool(2, 'toolu_b'));
    const delta = mapper.map({ type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{}' } });
    assert.equal(first[0]?.choices[0]?.delta.tool_calls?.[0]?.index, 0);
    assert.equal(second[0]?.choices[0]?.delta.tool_calls?.[0]?.index, 1);
    assert.equal(delta[0]?.choices[0]?.delta.tool_calls?.[0]?.index, 1);
  });

  it('counts cached prompt tokens from message_start in the final usage', () => {
    const mapper = createAnthropicChunkMapper({ created: CREATED });
    mapper.map({ type: 'message_start', message: message([], null, usage(10, 1, { read: 90 })) });
    mapper.map({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null, stop_details: null, container: null },
      usage: {
        output_tokens: 4,
        input_tokens: null,
        cache_creation_input_tokens: null,
        cache_read_input_tokens: null,
        output_tokens_details: null,
        server_tool_use: null,
      },
    });
    const [last] = mapper.map({ type: 'message_stop' });
    assert.deepEqual(last?.usage, {
      prompt_tokens: 100,
      completion_tokens: 4,
      total_tokens: 104,
      prompt_tokens_details: { cached_tokens: 90 },
    });
  });
});
