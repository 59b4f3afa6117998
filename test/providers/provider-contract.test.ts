/**
 * The one contract every provider adapter must meet, run against each adapter
 * through its official SDK and the fake upstream on loopback.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createAnthropicProvider } from '../../src/providers/anthropic-provider.js';
import { createOpenAIProvider } from '../../src/providers/openai-provider.js';
import { ProviderError, type ChatRequest, type Provider, type ProviderCallOptions } from '../../src/providers/types.js';
import { startFakeUpstream, type Fault, type FakeUpstream } from '../support/fake-upstream.js';
import { assemble, drain } from './chunks.js';

const API_KEY = 'sk-test-contract-5f2a9c1e7b3d4a60';

interface Setup {
  name: 'openai' | 'anthropic';
  model: string;
  create(fake: FakeUpstream): Provider;
}

const SETUPS: Setup[] = [
  {
    name: 'openai',
    model: 'gpt-test-mini',
    create: (fake) => createOpenAIProvider({ apiKey: API_KEY, baseURL: fake.openaiBaseURL }),
  },
  {
    name: 'anthropic',
    model: 'claude-test-haiku',
    create: (fake) => createAnthropicProvider({ apiKey: API_KEY, baseURL: fake.anthropicBaseURL }),
  },
];

const HELLO: ChatRequest = {
  model: 'auto',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Hello there' },
  ],
};

const WEATHER_TOOLS: ChatRequest['tools'] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] },
    },
  },
];

function isProviderError(error: unknown): error is ProviderError {
  return error instanceof ProviderError;
}

interface ErrorCase {
  name: string;
  faults: Fault[];
  timeoutMs?: number;
  expected: { kind: ProviderError['kind']; retryable: boolean; status?: number; retryAfterMs?: number; message?: string };
}

const ERROR_CASES: ErrorCase[] = [
  { name: '500', faults: [{ type: 'status', status: 500 }], expected: { kind: 'server', retryable: true, status: 500 } },
  { name: '503', faults: [{ type: 'status', status: 503 }], expected: { kind: 'server', retryable: true, status: 503 } },
  {
    name: '429 with retry-after',
    faults: [{ type: 'rate_limit', retryAfterSeconds: 7 }],
    expected: { kind: 'rate_limited', retryable: true, status: 429, retryAfterMs: 7000 },
  },
  { name: '408', faults: [{ type: 'status', status: 408 }], expected: { kind: 'timeout', retryable: true, status: 408 } },
  { name: '409', faults: [{ type: 'status', status: 409 }], expected: { kind: 'client', retryable: true, status: 409 } },
  {
    name: '400 with the upstream message',
    faults: [{ type: 'status', status: 400, message: 'messages.0.content: field required' }],
    expected: { kind: 'client', retryable: false, status: 400, message: 'messages.0.content: field required' },
  },
  { name: '401', faults: [{ type: 'status', status: 401 }], expected: { kind: 'client', retryable: false, status: 401 } },
  { name: '403', faults: [{ type: 'status', status: 403 }], expected: { kind: 'client', retryable: false, status: 403 } },
  { name: '404', faults: [{ type: 'status', status: 404 }], expected: { kind: 'client', retryable: false, status: 404 } },
  { name: '422', faults: [{ type: 'status', status: 422 }], expected: { kind: 'client', retryable: false, status: 422 } },
  {
    name: 'a delay past the timeout',
    faults: [{ type: 'delay', ms: 1500 }],
    timeoutMs: 150,
    expected: { kind: 'timeout', retryable: true },
  },
  { name: 'a connection reset', faults: [{ type: 'reset' }], expected: { kind: 'connection', retryable: true } },
];

for (const setup of SETUPS) {
  describe(`provider contract: ${setup.name}`, () => {
    let fake: FakeUpstream;
    let provider: Provider;

    beforeEach(async () => {
      fake = await startFakeUpstream({ apiKey: API_KEY });
      provider = setup.create(fake);
    });
    afterEach(() => fake.close());

    const call = (overrides: Partial<ProviderCallOptions> = {}): ProviderCallOptions => ({
      model: setup.model,
      signal: new AbortController().signal,
      timeoutMs: 2000,
      ...overrides,
    });

    it('reports its kind', () => {
      assert.equal(provider.kind, setup.name);
    });

    it('complete: answers with the configured model, the text and the upstream usage', async () => {
      const completion = await provider.complete(HELLO, call());
      assert.equal(completion.object, 'chat.completion');
      assert.equal(completion.model, setup.model);
      assert.equal(completion.choices.length, 1);
      assert.equal(completion.choices[0]?.message.role, 'assistant');
      assert.equal(completion.choices[0]?.message.content, `Answer from ${setup.model}: Hello there`);
      assert.equal(completion.choices[0]?.finish_reason, 'stop');
      const reported = fake.requests[0]?.usage;
      assert.ok(reported);
      assert.equal(completion.usage?.prompt_tokens, reported.input);
      assert.equal(completion.usage?.completion_tokens, reported.output);
      assert.equal(completion.usage?.total_tokens, reported.input + reported.output);
    });

    it('complete: sends the provider model name and the key, once (no SDK retries)', async () => {
      await provider.complete(HELLO, call());
      assert.equal(fake.requests.length, 1);
      const request = fake.requests[0];
      assert.equal(request?.api, setup.name);
      assert.equal(request?.auth, 'ok');
      assert.equal((request?.body as { model: string }).model, setup.model);
      assert.ok(!JSON.stringify(request?.headers).includes(API_KEY));
    });

    it('stream: role first, text in several chunks, one finish_reason, then a usage chunk last', async () => {
      const { items: chunks, error } = await drain(provider.stream(HELLO, call()));
      assert.equal(error, undefined);
      const assembled = assemble(chunks);
      assert.equal(assembled.role, 'assistant');
      assert.equal(chunks[0]?.choices[0]?.delta.role, 'assistant');
      assert.equal(assembled.content, `Answer from ${setup.model}: Hello there`);
      assert.ok(chunks.filter((chunk) => chunk.choices[0]?.delta.content).length > 1, 'the text arrives chunk by chunk');
      assert.deepEqual(assembled.finishReasons, ['stop']);
      assert.deepEqual(assembled.usageChunkIndexes, [chunks.length - 1]);
      const last = chunks.at(-1);
      assert.deepEqual(last?.choices, []);
      const reported = fake.requests[0]?.usage;
      assert.equal(assembled.usage?.prompt_tokens, reported?.input);
      assert.equal(assembled.usage?.completion_tokens, reported?.output);
      for (const chunk of chunks) {
        assert.equal(chunk.object, 'chat.completion.chunk');
        assert.equal(chunk.model, setup.model);
        assert.equal(chunk.id, chunks[0]?.id);
      }
      assert.equal((fake.requests[0]?.body as { stream: boolean }).stream, true);
    });

    it('complete: a tool call comes back as tool_calls with JSON arguments that fit the schema', async () => {
      const request: ChatRequest = {
        model: 'auto',
        messages: [{ role: 'user', content: 'Paris' }],
        tools: WEATHER_TOOLS,
        tool_choice: 'auto',
      };
      const completion = await provider.complete(request, call());
      const choice = completion.choices[0];
      assert.equal(choice?.finish_reason, 'tool_calls');
      const toolCall = choice?.message.tool_calls?.[0];
      assert.equal(toolCall?.type, 'function');
      assert.ok(toolCall?.type === 'function');
      assert.equal(toolCall.function.name, 'get_weather');
      assert.ok(toolCall.id.length > 0);
      assert.deepEqual(JSON.parse(toolCall.function.arguments), { city: 'Paris', days: 42 });
    });

    it('stream: tool call deltas reassemble to the same call, finish_reason tool_calls', async () => {
      const request: ChatRequest = { model: 'auto', messages: [{ role: 'user', content: 'Paris' }], tools: WEATHER_TOOLS };
      const { items: chunks, error } = await drain(provider.stream(request, call()));
      assert.equal(error, undefined);
      const assembled = assemble(chunks);
      assert.equal(assembled.toolCalls.length, 1);
      assert.equal(assembled.toolCalls[0]?.name, 'get_weather');
      assert.ok((assembled.toolCalls[0]?.id ?? '').length > 0);
      assert.deepEqual(JSON.parse(assembled.toolCalls[0]?.arguments ?? ''), { city: 'Paris', days: 42 });
      assert.deepEqual(assembled.finishReasons, ['tool_calls']);
      assert.ok(assembled.usage);
    });

    it('a tool result turn is accepted by the upstream and answered', async () => {
      const request: ChatRequest = {
        model: 'auto',
        tools: WEATHER_TOOLS,
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
          },
          { role: 'tool', tool_call_id: 'call_1', content: '18C and sunny' },
        ],
      };
      const completion = await provider.complete(request, call());
      assert.equal(completion.choices[0]?.message.content, `Answer from ${setup.model} using the tool result: 18C and sunny`);
      assert.equal(completion.choices[0]?.finish_reason, 'stop');
    });

    it('max_tokens reached maps to finish_reason length; a stop sequence to stop', async () => {
      const short = await provider.complete({ ...HELLO, max_tokens: 2 }, call());
      assert.equal(short.choices[0]?.finish_reason, 'length');
      assert.equal(short.choices[0]?.message.content, 'Answer f');
      const stopped = await provider.complete({ ...HELLO, stop: [':'] }, call());
      assert.equal(stopped.choices[0]?.finish_reason, 'stop');
      assert.equal(stopped.choices[0]?.message.content, `Answer from ${setup.model}`);
    });

    for (const errorCase of ERROR_CASES) {
      for (const mode of ['complete', 'stream'] as const) {
        it(`${mode}: ${errorCase.name} becomes ProviderError ${errorCase.expected.kind} (retryable: ${errorCase.expected.retryable})`, async () => {
          fake.fail(...errorCase.faults);
          const options = call(errorCase.timeoutMs === undefined ? {} : { timeoutMs: errorCase.timeoutMs });
          const run =
            mode === 'complete'
              ? provider.complete(HELLO, options)
              : drain(provider.stream(HELLO, options)).then((result) => {
                  throw result.error;
                });
          await assert.rejects(run, (error: unknown) => {
            assert.ok(isProviderError(error), `expected a ProviderError, got ${String(error)}`);
            assert.equal(error.kind, errorCase.expected.kind);
            assert.equal(error.retryable, errorCase.expected.retryable);
            assert.equal(error.status, errorCase.expected.status);
            assert.equal(error.retryAfterMs, errorCase.expected.retryAfterMs);
            if (errorCase.expected.message !== undefined) assert.equal(error.message, errorCase.expected.message);
            assert.ok(!error.message.includes(API_KEY));
            return true;
          });
          assert.equal(fake.requests.length, 1, 'the SDK must not retry on its own');
        });
      }
    }

    it('an upstream that echoes the key in its error: the key is redacted from the ProviderError', async () => {
      fake.fail({ type: 'status', status: 401, message: `Incorrect API key provided: ${API_KEY}.` });
      await assert.rejects(provider.complete(HELLO, call()), (error: unknown) => {
        assert.ok(isProviderError(error));
        assert.equal(error.message, 'Incorrect API key provided: [redacted].');
        assert.ok(!String(error.stack).includes(API_KEY));
        assert.ok(!JSON.stringify(error).includes(API_KEY));
        return true;
      });
    });

    it('a wrong key gets the upstream 401 as a non-retryable client error without the key', async () => {
      const wrongKey = 'sk-test-wrong-0000000000000000';
      const wrong =
        setup.name === 'openai'
          ? createOpenAIProvider({ apiKey: wrongKey, baseURL: fake.openaiBaseURL })
          : createAnthropicProvider({ apiKey: wrongKey, baseURL: fake.anthropicBaseURL });
      await assert.rejects(wrong.complete(HELLO, call()), (error: unknown) => {
        assert.ok(isProviderError(error));
        assert.equal(error.status, 401);
        assert.equal(error.retryable, false);
        assert.ok(!error.message.includes(wrongKey));
        return true;
      });
      assert.equal(fake.requests[0]?.auth, 'invalid');
    });

    it('stream cut mid-way: the chunks so far, then a retryable connection error', async () => {
      fake.fail({ type: 'stream_cut', afterEvents: 3 });
      const { items, error } = await drain(provider.stream(HELLO, call()));
      assert.ok(items.length >= 1 && items.length < 6, `got ${items.length} chunks before the cut`);
      assert.ok(isProviderError(error));
      assert.equal(error.kind, 'connection');
      assert.equal(error.retryable, true);
    });

    it('stream closed cleanly before its end: detected as a retryable connection error', async () => {
      fake.fail({ type: 'stream_truncate', afterEvents: 3 });
      const { items, error } = await drain(provider.stream(HELLO, call()));
      assert.ok(items.length >= 1);
      assert.ok(isProviderError(error), `expected a ProviderError, got ${String(error)}`);
      assert.equal(error.kind, 'connection');
      assert.equal(error.retryable, true);
      assert.equal(assemble(items).finishReasons.length, 0);
    });

    it('an error event inside the stream: a retryable server error with the upstream message', async () => {
      fake.fail({ type: 'stream_error', afterEvents: 3, message: 'Overloaded right now' });
      const { items, error } = await drain(provider.stream(HELLO, call()));
      assert.ok(items.length >= 1);
      assert.ok(isProviderError(error));
      assert.equal(error.kind, 'server');
      assert.equal(error.retryable, true);
      assert.equal(error.message, 'Overloaded right now');
    });

    it('stream stalled longer than timeoutMs between events: a timeout error', async () => {
      fake.fail({ type: 'stream_stall', afterEvents: 3, ms: 1500 });
      const started = Date.now();
      const { items, error } = await drain(provider.stream(HELLO, call({ timeoutMs: 200 })));
      assert.ok(items.length >= 1);
      assert.ok(isProviderError(error));
      assert.equal(error.kind, 'timeout');
      assert.equal(error.retryable, true);
      assert.ok(Date.now() - started < 1400, 'gave up at the idle timeout, not after the stall');
    });

    it('timeoutMs bounds each wait, not the whole stream: a slow steady stream completes', async () => {
      const slow = await startFakeUpstream({ apiKey: API_KEY, eventGapMs: 40 });
      try {
        const started = Date.now();
        const { items, error } = await drain(setup.create(slow).stream(HELLO, call({ timeoutMs: 250 })));
        assert.equal(error, undefined);
        assert.ok(Date.now() - started > 250, 'the whole stream took longer than timeoutMs');
        assert.equal(assemble(items).content, `Answer from ${setup.model}: Hello there`);
      } finally {
        await slow.close();
      }
    });

    it('a caller abort mid-stream: aborted, not retryable, and the upstream connection is closed', async () => {
      const slow = await startFakeUpstream({ apiKey: API_KEY, eventGapMs: 50 });
      try {
        const controller = new AbortController();
        const chunks: unknown[] = [];
        let caught: unknown;
        try {
          for await (const chunk of setup.create(slow).stream(HELLO, call({ signal: controller.signal }))) {
            chunks.push(chunk);
            controller.abort();
          }
        } catch (error) {
          caught = error;
        }
        assert.equal(chunks.length, 1);
        assert.ok(isProviderError(caught));
        assert.equal(caught.kind, 'aborted');
        assert.equal(caught.retryable, false);
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.equal(slow.requests[0]?.clientClosed, true);
      } finally {
        await slow.close();
      }
    });

    it('a signal aborted before the call: aborted, nothing answered', async () => {
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(provider.complete(HELLO, call({ signal: controller.signal })), (error: unknown) => {
        assert.ok(isProviderError(error));
        assert.equal(error.kind, 'aborted');
        assert.equal(error.retryable, false);
        return true;
      });
      assert.ok(fake.requests.every((request) => request.usage === undefined));
    });
  });
}
