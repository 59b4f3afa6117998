/**
 * The Anthropic-compatible inbound direction: Anthropic request -> OpenAI
 * request, ChatCompletion -> Message, and OpenAI chunks -> Anthropic events,
 * checked as tables and against the official Anthropic SDK as the client.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { AppError } from '../../src/errors.js';
import {
  fromAnthropicRequest,
  toAnthropicMessage,
  toStopReason,
  type AnthropicInboundRequest,
} from '../../src/http/anthropic-inbound.js';
import { createAnthropicEventMapper, type AnthropicSseEvent } from '../../src/http/anthropic-inbound-stream.js';
import { toAnthropicRequest } from '../../src/providers/anthropic-request.js';
import { createOpenAIProvider } from '../../src/providers/openai-provider.js';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from '../../src/providers/types.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';

const PNG = 'iVBORw0KGgo=';

function inbound(request: Partial<AnthropicInboundRequest>): ChatRequest {
  return fromAnthropicRequest({ model: 'auto', max_tokens: 256, messages: [], ...request });
}

describe('fromAnthropicRequest', () => {
  it('system (string or blocks) becomes the first system message', () => {
    assert.deepEqual(inbound({ system: 'Be terse.', messages: [{ role: 'user', content: 'Hi' }] }).messages, [
      { role: 'system', content: 'Be terse.' },
      { role: 'user', content: 'Hi' },
    ]);
    assert.deepEqual(
      inbound({
        system: [
          { type: 'text', text: 'A' },
          { type: 'text', text: 'B' },
        ],
        messages: [],
      }).messages,
      [{ role: 'system', content: 'A\nB' }],
    );
  });

  it('tool_use becomes tool_calls; tool_result blocks become tool messages before the rest of the user turn', () => {
    const result = inbound({
      messages: [
        { role: 'user', content: 'Look up a' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'private', signature: 'sig' },
            { type: 'text', text: 'Sure.' },
            { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: 'a' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Also this picture:' },
            { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'A!' }] },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
          ],
        },
      ],
    });
    assert.deepEqual(result.messages, [
      { role: 'user', content: 'Look up a' },
      {
        role: 'assistant',
        content: 'Sure.',
        tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"a"}' } }],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'A!' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Also this picture:' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
        ],
      },
    ]);
  });

  it('an error tool_result is marked; its images move to a user message', () => {
    const result = inbound({
      messages: [
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'shot', input: {} }] },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 't1',
              is_error: true,
              content: [
                { type: 'text', text: 'partial' },
                { type: 'image', source: { type: 'url', url: 'https://example.com/x.png' } },
              ],
            },
          ],
        },
      ],
    });
    assert.deepEqual(result.messages.slice(1), [
      { role: 'tool', tool_call_id: 't1', content: 'Error: partial' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/x.png' } }] },
    ]);
  });

  const params: { name: string; request: Partial<AnthropicInboundRequest>; expected: Partial<ChatRequest> }[] = [
    { name: 'max_tokens passes through', request: {}, expected: {} },
    { name: 'stop_sequences become stop', request: { stop_sequences: ['END'] }, expected: { stop: ['END'] } },
    {
      name: 'temperature and top_p pass through',
      request: { temperature: 0.2, top_p: 0.8 },
      expected: { temperature: 0.2, top_p: 0.8 },
    },
    { name: 'metadata.user_id becomes user', request: { metadata: { user_id: 'u-1' } }, expected: { user: 'u-1' } },
    {
      name: 'stream asks for the usage chunk',
      request: { stream: true },
      expected: { stream: true, stream_options: { include_usage: true } },
    },
    {
      name: 'tools and tool_choice any',
      request: {
        tools: [{ name: 'lookup', description: 'd', input_schema: { type: 'object', properties: {} } }],
        tool_choice: { type: 'any' },
      },
      expected: {
        tools: [
          { type: 'function', function: { name: 'lookup', description: 'd', parameters: { type: 'object', properties: {} } } },
        ],
        tool_choice: 'required',
      },
    },
    {
      name: 'a named tool_choice without parallel calls',
      request: {
        tools: [{ name: 'lookup', input_schema: { type: 'object' } }],
        tool_choice: { type: 'tool', name: 'lookup', disable_parallel_tool_use: true },
      },
      expected: {
        tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
        tool_choice: { type: 'function', function: { name: 'lookup' } },
        parallel_tool_calls: false,
      },
    },
    {
      name: 'output_config.format becomes a json_schema response_format',
      request: { output_config: { format: { type: 'json_schema', schema: { type: 'object' } } } },
      expected: { response_format: { type: 'json_schema', json_schema: { name: 'response', schema: { type: 'object' } } } },
    },
  ];
  for (const testCase of params) {
    it(testCase.name, () => {
      const result = inbound({ messages: [{ role: 'user', content: 'Hi' }], ...testCase.request });
      assert.deepEqual(result, {
        model: 'auto',
        max_tokens: 256,
        messages: [{ role: 'user', content: 'Hi' }],
        ...testCase.expected,
      });
    });
  }

  it('a server tool or a document block is a 400 at our edge', () => {
    const isInvalid = (error: unknown): boolean =>
      error instanceof AppError && error.status === 400 && error.code === 'invalid_request';
    assert.throws(() => inbound({ tools: [{ type: 'web_search_20250305', name: 'web_search' }] }), isInvalid);
    assert.throws(
      () =>
        inbound({
          messages: [
            { role: 'user', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x' } }] },
          ],
        }),
      isInvalid,
    );
  });

  it('round trip: Anthropic -> OpenAI -> Anthropic gives back the same conversation', () => {
    const original: AnthropicInboundRequest = {
      model: 'claude-test',
      max_tokens: 500,
      system: 'Be terse.',
      temperature: 0.5,
      stop_sequences: ['###'],
      tools: [
        { name: 'lookup', description: 'Look up', input_schema: { type: 'object', properties: { q: { type: 'string' } } } },
      ],
      tool_choice: { type: 'auto' },
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Look up a' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Sure.' },
            { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: 'a' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: 'A!' },
            { type: 'text', text: 'Thanks' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
          ],
        },
      ],
    };
    assert.deepEqual(toAnthropicRequest(fromAnthropicRequest(original), 'claude-test'), original);
  });
});

const completion = (
  message: ChatCompletion['choices'][number]['message'],
  finish: ChatCompletion['choices'][number]['finish_reason'],
): ChatCompletion => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-test',
  choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
  usage: { prompt_tokens: 30, completion_tokens: 9, total_tokens: 39, prompt_tokens_details: { cached_tokens: 10 } },
});

describe('toAnthropicMessage', () => {
  it('text, tool calls, stop reason and usage', () => {
    const message = toAnthropicMessage(
      completion(
        {
          role: 'assistant',
          content: 'Checking.',
          refusal: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"a"}' } }],
        },
        'tool_calls',
      ),
    );
    assert.deepEqual(message.content, [
      { type: 'text', text: 'Checking.', citations: null },
      { type: 'tool_use', id: 'call_1', name: 'lookup', input: { q: 'a' }, caller: { type: 'direct' } },
    ]);
    assert.equal(message.stop_reason, 'tool_use');
    assert.equal(message.model, 'gpt-test');
    assert.equal(message.type, 'message');
    assert.equal(message.usage.input_tokens, 20);
    assert.equal(message.usage.cache_read_input_tokens, 10);
    assert.equal(message.usage.output_tokens, 9);
  });

  const reasons: [ChatCompletion['choices'][number]['finish_reason'], string][] = [
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['tool_calls', 'tool_use'],
    ['function_call', 'tool_use'],
    ['content_filter', 'refusal'],
  ];
  for (const [finish, stop] of reasons) {
    it(`finish_reason ${finish} -> stop_reason ${stop}`, () => {
      assert.equal(toStopReason(finish), stop);
      assert.equal(toAnthropicMessage(completion({ role: 'assistant', content: 'x', refusal: null }, finish)).stop_reason, stop);
    });
  }
});

function chunk(
  delta: ChatCompletionChunk['choices'][number]['delta'],
  finish: ChatCompletionChunk['choices'][number]['finish_reason'] = null,
): ChatCompletionChunk {
  return {
    id: 'chatcmpl-9',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'gpt-test',
    choices: [{ index: 0, delta, finish_reason: finish }],
  };
}

const TEXT_AND_TOOL: ChatCompletionChunk[] = [
  chunk({ role: 'assistant', content: '' }),
  chunk({ content: 'Let me ' }),
  chunk({ content: 'check.' }),
  chunk({ tool_calls: [{ index: 0, id: 'call_7', type: 'function', function: { name: 'lookup', arguments: '' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '{"q":' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '"a"}' } }] }),
  chunk({}, 'tool_calls'),
  {
    id: 'chatcmpl-9',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'gpt-test',
    choices: [],
    usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 },
  },
];

function mapAll(chunks: readonly ChatCompletionChunk[]): AnthropicSseEvent[] {
  const mapper = createAnthropicEventMapper();
  return [...chunks.flatMap((item) => mapper.push(item)), ...mapper.finish()];
}

describe('createAnthropicEventMapper', () => {
  it('emits the events in the order Anthropic sends them', () => {
    assert.deepEqual(
      mapAll(TEXT_AND_TOOL).map((event) =>
        event.data.type === 'content_block_start' ? `${event.event}:${event.data.content_block.type}` : event.event,
      ),
      [
        'message_start',
        'content_block_start:text',
        'ping',
        'content_block_delta',
        'content_block_delta',
        'content_block_stop',
        'content_block_start:tool_use',
        'content_block_delta',
        'content_block_delta',
        'content_block_stop',
        'message_delta',
        'message_stop',
      ],
    );
  });

  it('carries indexes, deltas, stop reason and usage', () => {
    const events = mapAll(TEXT_AND_TOOL);
    const data = events.map((event) => event.data);
    assert.deepEqual(data[3], { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Let me ' } });
    assert.deepEqual(data[6], {
      type: 'content_block_start',
      index: 1,
      content_block: { type: 'tool_use', id: 'call_7', name: 'lookup', input: {}, caller: { type: 'direct' } },
    });
    assert.deepEqual(data[8], {
      type: 'content_block_delta',
      index: 1,
      delta: { type: 'input_json_delta', partial_json: '"a"}' },
    });
    const delta = data[10];
    assert.ok(delta?.type === 'message_delta');
    assert.equal(delta.delta.stop_reason, 'tool_use');
    assert.equal(delta.usage.output_tokens, 8);
    assert.equal(delta.usage.input_tokens, 12);
  });

  it('uses an estimate of input tokens in message_start and the given model name', () => {
    const mapper = createAnthropicEventMapper({ model: 'claude-via-router', inputTokens: 11 });
    const [start] = mapper.push(chunk({ role: 'assistant', content: '' }));
    assert.ok(start?.data.type === 'message_start');
    assert.equal(start.data.message.usage.input_tokens, 11);
    assert.equal(start.data.message.model, 'claude-via-router');
  });

  it('an empty answer still opens and closes the message', () => {
    assert.deepEqual(
      mapAll([]).map((event) => event.event),
      ['message_start', 'message_delta', 'message_stop'],
    );
  });

  it('error() gives the Anthropic error event', () => {
    assert.deepEqual(createAnthropicEventMapper().error('upstream failed', 'overloaded_error'), {
      event: 'error',
      data: { type: 'error', error: { type: 'overloaded_error', message: 'upstream failed' } },
    });
  });
});

/**
 * The official Anthropic SDK as the client: a tiny server writes what our
 * mappers produce, and the SDK's own parser and stream accumulator must accept
 * it. The chunks come from the OpenAI adapter talking to the fake upstream.
 */
describe('the Anthropic SDK reads what the inbound mappers produce', () => {
  const API_KEY = 'sk-test-inbound-8d1e2f3a4b5c';
  let fake: FakeUpstream;
  let server: Server;
  let client: Anthropic;

  before(async () => {
    fake = await startFakeUpstream({ apiKey: API_KEY });
    const provider = createOpenAIProvider({ apiKey: API_KEY, baseURL: fake.openaiBaseURL });
    server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (part: Buffer) => parts.push(part));
      req.on('end', () => {
        void (async () => {
          const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as AnthropicInboundRequest;
          const request = fromAnthropicRequest(body);
          const call = { model: 'gpt-test', signal: new AbortController().signal, timeoutMs: 2000 };
          if (body.stream !== true) {
            const answer = toAnthropicMessage(await provider.complete(request, call));
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(JSON.stringify(answer));
            return;
          }
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          const mapper = createAnthropicEventMapper();
          const write = (events: AnthropicSseEvent[]): void => {
            for (const event of events) res.write(`event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`);
          };
          for await (const item of provider.stream(request, call)) write(mapper.push(item));
          write(mapper.finish());
          res.end();
        })();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new Anthropic({
      apiKey: API_KEY,
      baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      maxRetries: 0,
    });
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await fake.close();
  });

  const tools: Anthropic.Messages.Tool[] = [
    { name: 'lookup', input_schema: { type: 'object', properties: { q: { type: 'string' } } } },
  ];

  it('non-streaming: messages.create parses the Message', async () => {
    const message = await client.messages.create({
      model: 'auto',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Hello' }],
    });
    assert.equal(message.content[0]?.type, 'text');
    assert.ok(message.content[0]?.type === 'text');
    assert.equal(message.content[0].text, 'Answer from gpt-test: Hello');
    assert.equal(message.stop_reason, 'end_turn');
    assert.equal(message.usage.output_tokens, fake.requests.at(-1)?.usage?.output);
  });

  it('streaming text: the SDK accumulates the same message', async () => {
    const stream = client.messages.stream({ model: 'auto', max_tokens: 100, messages: [{ role: 'user', content: 'Hello' }] });
    const texts: string[] = [];
    stream.on('text', (text) => texts.push(text));
    const message = await stream.finalMessage();
    assert.ok(texts.length > 1, 'text arrives in several deltas');
    assert.ok(message.content[0]?.type === 'text');
    assert.equal(message.content[0].text, 'Answer from gpt-test: Hello');
    assert.equal(message.stop_reason, 'end_turn');
    const reported = fake.requests.at(-1)?.usage;
    assert.equal(message.usage.output_tokens, reported?.output);
    assert.equal(message.usage.input_tokens, reported?.input);
  });

  it('streaming a tool call: the SDK rebuilds the tool_use input from input_json_delta', async () => {
    const stream = client.messages.stream({
      model: 'auto',
      max_tokens: 100,
      tools,
      messages: [{ role: 'user', content: 'Paris' }],
    });
    const message = await stream.finalMessage();
    const toolUse = message.content.find((block) => block.type === 'tool_use');
    assert.ok(toolUse?.type === 'tool_use');
    assert.equal(toolUse.name, 'lookup');
    assert.deepEqual(toolUse.input, { q: 'Paris' });
    assert.equal(message.stop_reason, 'tool_use');
  });
});
