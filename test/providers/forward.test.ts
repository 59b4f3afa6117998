import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createAnthropicProvider } from '../../src/providers/anthropic-provider.js';
import { createCircuitBreaker, type CircuitBreaker } from '../../src/providers/circuit-breaker.js';
import {
  ForwardError,
  forwardStreamWithFallback,
  forwardWithFallback,
  modelCircuit,
  type AttemptContext,
  type ForwardCandidate,
  type ForwardOptions,
} from '../../src/providers/forward.js';
import { createOpenAIProvider } from '../../src/providers/openai-provider.js';
import { ProviderError, type ChatRequest, type Provider } from '../../src/providers/types.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { manualTimers, nextTurn } from '../support/manual-timers.js';
import { assemble, drain } from './chunks.js';

const A: ForwardCandidate = { model: 'model-a', provider: 'alpha' };
const B: ForwardCandidate = { model: 'model-b', provider: 'beta' };
const C: ForwardCandidate = { model: 'model-c', provider: 'gamma' };

const serverError = (): ProviderError => ProviderError.fromStatus(500, 'boom');
const badRequest = (): ProviderError => ProviderError.fromStatus(400, 'bad input');

function options(overrides: Partial<ForwardOptions> = {}): ForwardOptions {
  return {
    breaker: createCircuitBreaker({ failureThreshold: 3, cooldownMs: 60_000 }),
    totalTimeoutMs: 5000,
    attemptTimeoutMs: 1000,
    signal: new AbortController().signal,
    ...overrides,
  };
}

/** An attempt function scripted per provider: a value, or an error to throw. */
function scripted(outcomes: Record<string, string | ProviderError>) {
  const calls: string[] = [];
  const attempt = async (candidate: ForwardCandidate): Promise<string> => {
    calls.push(candidate.provider);
    const outcome = outcomes[candidate.provider];
    if (outcome === undefined) throw new Error(`unscripted ${candidate.provider}`);
    if (outcome instanceof ProviderError) throw outcome;
    return outcome;
  };
  return { calls, attempt };
}

/** Waits until its signal aborts, then fails the way a provider does. */
function hangingAttempt(_candidate: ForwardCandidate, context: AttemptContext): Promise<never> {
  return new Promise((_, reject) => {
    context.signal.addEventListener(
      'abort',
      () => reject(new ProviderError({ kind: 'aborted', retryable: false, message: 'aborted' })),
      { once: true },
    );
  });
}

async function rejectsWith(promise: Promise<unknown>, check: (error: ForwardError) => void): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ForwardError, `expected a ForwardError, got ${String(error)}`);
    check(error);
    return true;
  });
}

describe('forwardWithFallback', () => {
  it('returns the first candidate that answers, with one ok attempt', async () => {
    const { calls, attempt } = scripted({ alpha: 'from alpha', beta: 'from beta' });
    const result = await forwardWithFallback([A, B], attempt, options());
    assert.equal(result.value, 'from alpha');
    assert.equal(result.candidate, A);
    assert.deepEqual(calls, ['alpha']);
    assert.deepEqual(
      result.attempts.map(({ model, provider, status }) => ({ model, provider, status })),
      [{ model: 'model-a', provider: 'alpha', status: 'ok' }],
    );
  });

  it('moves on after a retryable error and records it', async () => {
    const { calls, attempt } = scripted({
      alpha: serverError(),
      beta: ProviderError.fromStatus(429, 'slow down', 7000),
      gamma: 'from gamma',
    });
    const result = await forwardWithFallback([A, B, C], attempt, options());
    assert.equal(result.value, 'from gamma');
    assert.deepEqual(calls, ['alpha', 'beta', 'gamma']);
    assert.deepEqual(
      result.attempts.map(({ provider, status, error }) => ({ provider, status, error })),
      [
        { provider: 'alpha', status: 'error', error: { kind: 'server', status: 500, message: 'boom', retryable: true } },
        {
          provider: 'beta',
          status: 'error',
          error: { kind: 'rate_limited', status: 429, message: 'slow down', retryable: true, retryAfterMs: 7000 },
        },
        { provider: 'gamma', status: 'ok', error: undefined },
      ],
    );
  });

  it('stops at once on a non-retryable error, without trying the rest', async () => {
    const { calls, attempt } = scripted({ alpha: badRequest(), beta: 'from beta' });
    await rejectsWith(forwardWithFallback([A, B], attempt, options()), (error) => {
      assert.equal(error.reason, 'non_retryable');
      assert.equal(error.lastError?.status, 400);
      assert.equal(error.message, 'bad input');
      assert.equal(error.attempts.length, 1);
    });
    assert.deepEqual(calls, ['alpha']);
  });

  it('skips a provider whose circuit is open, recording the skip', async () => {
    const breaker = createCircuitBreaker({ failureThreshold: 1, cooldownMs: 60_000 });
    breaker.recordFailure('alpha');
    const { calls, attempt } = scripted({ alpha: 'from alpha', beta: 'from beta' });
    const result = await forwardWithFallback([A, B], attempt, options({ breaker }));
    assert.equal(result.value, 'from beta');
    assert.deepEqual(calls, ['beta']);
    assert.deepEqual(result.attempts[0], {
      model: 'model-a',
      provider: 'alpha',
      status: 'skipped',
      error: { kind: 'circuit_open', message: 'circuit open for provider "alpha"', retryable: true },
      latencyMs: 0,
    });
  });

  it('a provider whose connection fails opens its circuit for its next candidates in the same request', async () => {
    const breaker = createCircuitBreaker({ failureThreshold: 1, cooldownMs: 60_000 });
    const alpha2: ForwardCandidate = { model: 'model-a2', provider: 'alpha' };
    const { calls, attempt } = scripted({
      alpha: new ProviderError({ kind: 'connection', retryable: true, message: 'reset' }),
      beta: 'from beta',
    });
    const result = await forwardWithFallback([A, alpha2, B], attempt, options({ breaker }));
    assert.deepEqual(calls, ['alpha', 'beta']);
    assert.deepEqual(
      result.attempts.map((record) => record.status),
      ['error', 'skipped', 'ok'],
    );
  });

  it("a model that answers 5xx opens its own circuit only: its provider's other models are still called", async () => {
    const breaker = createCircuitBreaker({ failureThreshold: 1, cooldownMs: 60_000 });
    const alpha2: ForwardCandidate = { model: 'model-a2', provider: 'alpha' };
    const calls: string[] = [];
    const attempt = async (candidate: ForwardCandidate): Promise<string> => {
      calls.push(candidate.model);
      if (candidate.model === 'model-a') throw serverError();
      return `from ${candidate.model}`;
    };
    const first = await forwardWithFallback([A, alpha2, B], attempt, options({ breaker }));
    assert.equal(first.value, 'from model-a2');
    // The next request skips the failing model (its circuit is open) but not its healthy sibling.
    const second = await forwardWithFallback([A, alpha2, B], attempt, options({ breaker }));
    assert.deepEqual(calls, ['model-a', 'model-a2', 'model-a2']);
    assert.deepEqual(
      second.attempts.map((record) => record.status),
      ['skipped', 'ok'],
    );
    assert.match(second.attempts[0]!.error!.message, /circuit open for model "model-a"/);
    assert.equal(breaker.state('alpha'), 'closed');
  });

  it('charges the breaker for retryable failures only', async () => {
    const breaker = createCircuitBreaker({ failureThreshold: 2, cooldownMs: 60_000 });
    const failing = scripted({ alpha: serverError(), beta: 'ok' });
    const refusing = scripted({ alpha: badRequest() });
    await forwardWithFallback([A, B], failing.attempt, options({ breaker }));
    await assert.rejects(forwardWithFallback([A], refusing.attempt, options({ breaker })));
    await assert.rejects(forwardWithFallback([A], refusing.attempt, options({ breaker })));
    assert.equal(breaker.state(modelCircuit('model-a')), 'closed', 'a 400 says nothing about the upstream health');
    await forwardWithFallback([A, B], failing.attempt, options({ breaker }));
    assert.equal(breaker.state(modelCircuit('model-a')), 'open');
    assert.equal(breaker.state('alpha'), 'closed', "a 5xx is the model's failure, not the transport's");
  });

  it('when every candidate fails: all_failed with every attempt and the last error', async () => {
    const { attempt } = scripted({
      alpha: serverError(),
      beta: new ProviderError({ kind: 'connection', retryable: true, message: 'reset' }),
    });
    await rejectsWith(forwardWithFallback([A, B], attempt, options()), (error) => {
      assert.equal(error.reason, 'all_failed');
      assert.equal(error.attempts.length, 2);
      assert.equal(error.lastError?.kind, 'connection');
      assert.match(error.message, /2 tried, 0 skipped.*reset/);
    });
  });

  it('no candidates: no_candidates', async () => {
    await rejectsWith(forwardWithFallback([], scripted({}).attempt, options()), (error) => {
      assert.equal(error.reason, 'no_candidates');
      assert.deepEqual(error.attempts, []);
    });
  });

  it('records latency per attempt from the clock', async () => {
    const clock = { now: 0 };
    const attempt = async (candidate: ForwardCandidate): Promise<string> => {
      clock.now += candidate.provider === 'alpha' ? 120 : 30;
      if (candidate.provider === 'alpha') throw serverError();
      return 'ok';
    };
    const result = await forwardWithFallback([A, B], attempt, options({ now: () => clock.now }));
    assert.deepEqual(
      result.attempts.map((record) => record.latencyMs),
      [120, 30],
    );
  });

  it('gives each attempt the per-attempt timeout, or what is left of the total', async () => {
    const clock = { now: 0 };
    const seen: number[] = [];
    const attempt = async (candidate: ForwardCandidate, context: AttemptContext): Promise<string> => {
      seen.push(context.timeoutMs);
      clock.now += 700;
      if (candidate.provider !== 'gamma') throw serverError();
      return 'ok';
    };
    await forwardWithFallback(
      [A, B, C],
      attempt,
      options({ totalTimeoutMs: 1500, attemptTimeoutMs: 1000, now: () => clock.now }),
    );
    assert.deepEqual(seen, [1000, 800, 100]);
  });

  it('the total deadline aborts the attempt in flight and stops the fallback', async () => {
    const calls: string[] = [];
    const attempt = (candidate: ForwardCandidate, context: AttemptContext): Promise<never> => {
      calls.push(candidate.provider);
      return hangingAttempt(candidate, context);
    };
    await rejectsWith(forwardWithFallback([A, B], attempt, options({ totalTimeoutMs: 50 })), (error) => {
      assert.equal(error.reason, 'total_timeout');
      assert.equal(error.attempts[0]?.error?.kind, 'timeout');
      assert.equal(error.lastError?.retryable, true);
    });
    assert.deepEqual(calls, ['alpha']);
  });

  it('a caller abort stops everything and does not charge the breaker', async () => {
    const controller = new AbortController();
    const breaker = createCircuitBreaker({ failureThreshold: 1, cooldownMs: 60_000 });
    setTimeout(() => controller.abort(), 20);
    await rejectsWith(forwardWithFallback([A, B], hangingAttempt, options({ breaker, signal: controller.signal })), (error) => {
      assert.equal(error.reason, 'aborted');
      assert.equal(error.attempts.length, 1);
      assert.equal(error.attempts[0]?.error?.kind, 'aborted');
    });
    assert.equal(breaker.state('alpha'), 'closed');
  });

  it('an error that is not a ProviderError is a bug: rethrown as is', async () => {
    const attempt = async (): Promise<string> => {
      throw new TypeError('oops');
    };
    await assert.rejects(forwardWithFallback([A, B], attempt, options()), TypeError);
  });
});

async function* items<T>(values: T[], failAfter?: ProviderError, gapMs = 0): AsyncGenerator<T> {
  for (const value of values) {
    if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
    yield value;
  }
  if (failAfter !== undefined) throw failAfter;
}

describe('forwardStreamWithFallback', () => {
  it('falls back when a stream fails before its first chunk', async () => {
    const opened: string[] = [];
    const open = (candidate: ForwardCandidate): AsyncIterable<string> => {
      opened.push(candidate.provider);
      return candidate.provider === 'alpha' ? items<string>([], serverError()) : items(['b1', 'b2']);
    };
    const result = await forwardStreamWithFallback([A, B], open, options());
    assert.equal(result.candidate, B);
    assert.deepEqual((await drain(result.stream)).items, ['b1', 'b2']);
    assert.deepEqual(opened, ['alpha', 'beta']);
    assert.deepEqual(
      result.attempts.map((record) => record.status),
      ['error', 'ok'],
    );
  });

  it('an empty stream counts as a failed attempt', async () => {
    const open = (candidate: ForwardCandidate): AsyncIterable<string> =>
      candidate.provider === 'alpha' ? items<string>([]) : items(['b1']);
    const result = await forwardStreamWithFallback([A, B], open, options());
    assert.equal(result.candidate, B);
    assert.equal(result.attempts[0]?.error?.kind, 'connection');
  });

  it('after the first chunk an error surfaces to the caller, with no fallback, and charges the breaker', async () => {
    const breaker = createCircuitBreaker({ failureThreshold: 1, cooldownMs: 60_000 });
    const opened: string[] = [];
    const open = (candidate: ForwardCandidate): AsyncIterable<string> => {
      opened.push(candidate.provider);
      return items(['a1', 'a2'], new ProviderError({ kind: 'connection', retryable: true, message: 'cut' }));
    };
    const result = await forwardStreamWithFallback([A, B], open, options({ breaker }));
    const { items: received, error } = await drain(result.stream);
    assert.deepEqual(received, ['a1', 'a2']);
    assert.ok(error instanceof ProviderError);
    assert.equal(error.message, 'cut');
    assert.deepEqual(opened, ['alpha']);
    assert.equal(breaker.state('alpha'), 'open');
  });

  it('a non-retryable error before the first chunk stops at once', async () => {
    const open = (candidate: ForwardCandidate): AsyncIterable<string> =>
      candidate.provider === 'alpha' ? items<string>([], badRequest()) : items(['b1']);
    await rejectsWith(forwardStreamWithFallback([A, B], open, options()), (error) => {
      assert.equal(error.reason, 'non_retryable');
    });
  });

  it('the total deadline bounds only the wait for the first chunk', async () => {
    const timers = manualTimers();
    // An upstream that honours its signal, as the SDKs do; after the first chunk, the clock passes the whole budget
    // before each of the others.
    async function* upstream(signal: AbortSignal): AsyncGenerator<string> {
      yield '1';
      for (const value of ['2', '3', '4']) {
        timers.advance(60);
        await nextTurn();
        if (signal.aborted) throw signal.reason;
        yield value;
      }
    }
    const open = (_candidate: ForwardCandidate, context: AttemptContext) => upstream(context.signal);
    const result = await forwardStreamWithFallback([A], open, options({ totalTimeoutMs: 100, timers }));
    const { items: received, error } = await drain(result.stream);
    assert.equal(error, undefined);
    assert.deepEqual(received, ['1', '2', '3', '4']);
    assert.ok(timers.now > 100, 'the stream outlasted the total budget');
  });

  it('a caller abort after the first chunk still reaches the upstream signal', async () => {
    const controller = new AbortController();
    let upstreamSignal: AbortSignal | undefined;
    const open = (_candidate: ForwardCandidate, context: AttemptContext): AsyncIterable<string> => {
      upstreamSignal = context.signal;
      return items(['1', '2']);
    };
    const result = await forwardStreamWithFallback([A], open, options({ signal: controller.signal }));
    const iterator = result.stream[Symbol.asyncIterator]();
    await iterator.next();
    assert.equal(upstreamSignal?.aborted, false);
    controller.abort();
    assert.equal(upstreamSignal?.aborted, true);
    await iterator.return?.();
  });

  it('a caller that gives up before reading anything still closes the upstream stream', async () => {
    let closed = false;
    async function* upstream(): AsyncGenerator<string> {
      try {
        yield 'a';
        yield 'b';
      } finally {
        closed = true;
      }
    }
    const result = await forwardStreamWithFallback([A], () => upstream(), options());
    await result.stream[Symbol.asyncIterator]().return?.();
    assert.equal(closed, true);
    assert.deepEqual((await drain(result.stream)).items, [], 'nothing more after return()');
  });

  it('a consumer that stops early closes the upstream stream', async () => {
    let closed = false;
    async function* upstream(): AsyncGenerator<string> {
      try {
        yield 'a';
        yield 'b';
        yield 'c';
      } finally {
        closed = true;
      }
    }
    const result = await forwardStreamWithFallback([A], () => upstream(), options());
    for await (const item of result.stream) {
      assert.equal(item, 'a');
      break;
    }
    assert.equal(closed, true);
  });
});

/** The real adapters and SDKs against the fake upstream: fallback across providers end to end. */
describe('fallback across real providers', () => {
  const API_KEY = 'sk-test-forward-0a1b2c3d4e5f';
  const HELLO: ChatRequest = { model: 'auto', messages: [{ role: 'user', content: 'Hello' }] };
  let fake: FakeUpstream;
  let providers: Record<string, Provider>;
  let breaker: CircuitBreaker;
  const candidates = [
    { model: 'gpt-4o-mini', provider: 'openai', upstreamModel: 'gpt-test-mini' },
    { model: 'claude-3-5-haiku', provider: 'anthropic', upstreamModel: 'claude-test-haiku' },
  ];

  beforeEach(async () => {
    fake = await startFakeUpstream({ apiKey: API_KEY });
    providers = {
      openai: createOpenAIProvider({ apiKey: API_KEY, baseURL: fake.openaiBaseURL }),
      anthropic: createAnthropicProvider({ apiKey: API_KEY, baseURL: fake.anthropicBaseURL }),
    };
    breaker = createCircuitBreaker({ failureThreshold: 3, cooldownMs: 60_000 });
  });
  afterEach(() => fake.close());

  const complete = (candidate: (typeof candidates)[number], context: AttemptContext) =>
    providers[candidate.provider]!.complete(HELLO, { model: candidate.upstreamModel, ...context });
  const stream = (candidate: (typeof candidates)[number], context: AttemptContext) =>
    providers[candidate.provider]!.stream(HELLO, { model: candidate.upstreamModel, ...context });

  it('a 500 from openai falls back to anthropic', async () => {
    fake.fail({ type: 'status', status: 500 });
    const result = await forwardWithFallback(candidates, complete, options({ breaker }));
    assert.equal(result.candidate.provider, 'anthropic');
    assert.equal(result.value.choices[0]?.message.content, 'Answer from claude-test-haiku: Hello');
    assert.deepEqual(
      result.attempts.map(({ provider, status, error }) => ({ provider, status, code: error?.status })),
      [
        { provider: 'openai', status: 'error', code: 500 },
        { provider: 'anthropic', status: 'ok', code: undefined },
      ],
    );
    assert.deepEqual(
      fake.requests.map((request) => request.api),
      ['openai', 'anthropic'],
    );
  });

  it('an attempt timeout on openai falls back to anthropic', async () => {
    fake.fail({ type: 'delay', ms: 1000 });
    const result = await forwardWithFallback(candidates, complete, options({ breaker, attemptTimeoutMs: 150 }));
    assert.equal(result.candidate.provider, 'anthropic');
    assert.equal(result.attempts[0]?.error?.kind, 'timeout');
  });

  it('a 401 from openai is returned at once, anthropic untouched', async () => {
    fake.fail({ type: 'status', status: 401 });
    await rejectsWith(forwardWithFallback(candidates, complete, options({ breaker })), (error) => {
      assert.equal(error.reason, 'non_retryable');
      assert.equal(error.lastError?.status, 401);
    });
    assert.equal(fake.requests.length, 1);
  });

  it('streaming: a reset before the first byte falls back; the answer streams from anthropic', async () => {
    fake.fail({ type: 'reset' });
    const result = await forwardStreamWithFallback(candidates, stream, options({ breaker }));
    assert.equal(result.candidate.provider, 'anthropic');
    const { items: chunks, error } = await drain(result.stream);
    assert.equal(error, undefined);
    assert.equal(assemble(chunks).content, 'Answer from claude-test-haiku: Hello');
  });

  it('streaming: a cut after the first chunk surfaces as an error, no second upstream call', async () => {
    fake.fail({ type: 'stream_cut', afterEvents: 3 });
    const result = await forwardStreamWithFallback(candidates, stream, options({ breaker }));
    assert.equal(result.candidate.provider, 'openai');
    const { items: chunks, error } = await drain(result.stream);
    assert.ok(chunks.length >= 1);
    assert.ok(error instanceof ProviderError);
    assert.equal(error.kind, 'connection');
    assert.equal(fake.requests.length, 1);
  });
});
