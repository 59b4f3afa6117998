/**
 * The one contract every provider adapter must meet, run against each adapter
 * through its official SDK and the fake upstream on loopback.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createAnthropicProvider } from '../../src/providers/anthropic-provider.js';
import { createOpenAIProvider } from '../../src/providers/openai-provider.js';
import { ProviderError, type ChatRequest, type Provider, type ProviderCallOptions } from '../../src/providers/types.js';
import type { DeadlineTimers } from '../../src/providers/deadline.js';
import { startFakeUpstream, type Fault, type FakeUpstream } from '../support/fake-upstream.js';
import { manualTimers, settleByStepping, until, type ManualTimers } from '../support/manual-timers.js';
import { assemble, drain } from './chunks.js';

const API_KEY = 'sk-test-contract-5f2a9c1e7b3d4a60';

interface Setup {
  name: 'openai' | 'anthropic';
  model: string;
  /** The provider's deadlines run on `timers`: a clock the test steps, so no assertion here depends on real time. */
  create(fake: FakeUpstream, timers: DeadlineTimers): Provider;
}

const SETUPS: Setup[] = [
  {
    name: 'openai',
    model: 'gpt-test-mini',
    create: (fake, timers) => createOpenAIProvider({ apiKey: API_KEY, baseURL: fake.openaiBaseURL, timers }),
  },
  {
    name: 'anthropic',
    model: 'claude-test-haiku',
    create: (fake, timers) => createAnthropicProvider({ apiKey: API_KEY, baseURL: fake.anthropicBaseURL, timers }),
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
    // The upstream never answers within the test (ten minutes): only the deadline, stepped by the test's clock, ends the call.
    name: 'a delay past the timeout',
    faults: [{ type: 'delay', ms: 600_000 }],
    timeoutMs: 150,
    expected: { kind: 'timeout', retryable: true },
  },
  { name: 'a connection reset', faults: [{ type: 'reset' }], expected: { kind: 'connection', retryable: true } },
];

for (const setup of SETUPS) {
  describe(`provider contract: ${setup.name}`, () => {
    let fake: FakeUpstream;
    let provider: Provider;
    let timers: ManualTimers;

    beforeEach(async () => {
      fake = await startFakeUpstream({ apiKey: API_KEY });
      timers = manualTimers();
      provider = setup.create(fake, timers);
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
          const attempt =
            mode === 'complete'
              ? provider.complete(HELLO, options)
              : drain(provider.stream(HELLO, options)).then((result) => {
                  throw result.error;
                });
          // Time passes only for a case about time, and only once the request has reached the upstream.
          const run =
            errorCase.timeoutMs === undefined
              ? attempt
              : settleByStepping(attempt, timers, errorCase.timeoutMs, () => fake.requests.length > 0);
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

    it('stream stalled longer than timeoutMs between events: a timeout error', { timeout: 60_000 }, async () => {
      // The stall outlasts the test: only the idle deadline can end the wait, and the clock moves only once a chunk is in.
      fake.fail({ type: 'stream_stall', afterEvents: 3, ms: 600_000 });
      const items: unknown[] = [];
      const consumed = (async () => {
        for await (const item of provider.stream(HELLO, call({ timeoutMs: 200 }))) items.push(item);
      })().then(
        () => undefined,
        (error: unknown) => error,
      );
      const error = await settleByStepping(consumed, timers, 200, () => items.length >= 1);
      assert.ok(items.length >= 1);
      assert.ok(isProviderError(error), `expected a ProviderError, got ${String(error)}`);
      assert.equal(error.kind, 'timeout');
      assert.equal(error.retryable, true);
      assert.ok(
        timers.delays.every((ms) => ms === 200),
        'every wait was bounded by timeoutMs, the idle deadline (not the stall, nor a total)',
      );
      await until(() => fake.requests[0]?.clientClosed === true);
    });

    it('timeoutMs bounds each wait, not the whole stream: a slow steady stream completes', { timeout: 60_000 }, async () => {
      // Before each event, once the provider has taken the previous one (a fresh idle timer is set), the clock moves
      // on by just under timeoutMs: each wait stays within it while the whole stream takes many times longer. Anthropic's
      // SDK drops `ping` events before they reach the provider, so a ping is neither waited for nor counted.
      const timeoutMs = 250;
      let delivered = 0;
      const slow = await startFakeUpstream({
        apiKey: API_KEY,
        beforeEvent: async (_index, event) => {
          if (event.startsWith('event: ping')) return;
          if (delivered > 0) {
            await until(() => timers.delays.length > delivered);
            timers.advance(timeoutMs - 1);
          }
          delivered += 1;
        },
      });
      try {
        const { items, error } = await drain(setup.create(slow, timers).stream(HELLO, call({ timeoutMs })));
        assert.equal(error, undefined);
        assert.ok(timers.now > 2 * timeoutMs, `the whole stream took ${timers.now} ms of the test's clock`);
        assert.equal(assemble(items).content, `Answer from ${setup.model}: Hello there`);
      } finally {
        await slow.close();
      }
    });

    it('a caller abort mid-stream: aborted, not retryable, and the upstream connection is closed', async () => {
      // The first event (a chunk for either provider) goes at once; the rest wait until the client has gone.
      const slow = await startFakeUpstream({
        apiKey: API_KEY,
        beforeEvent: (index) => (index === 0 ? Promise.resolve() : until(() => slow.requests[0]?.clientClosed === true)),
      });
      try {
        const controller = new AbortController();
        const chunks: unknown[] = [];
        let caught: unknown;
        try {
          for await (const chunk of setup.create(slow, timers).stream(HELLO, call({ signal: controller.signal }))) {
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
        // The upstream sees the connection go; waited for, not slept on (the test's timeout ends a wait that hangs).
        await until(() => slow.requests[0]?.clientClosed === true);
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
