import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { InMemorySpanExporter, ReadableSpan } from '@opentelemetry/sdk-trace';
import { Hono } from 'hono';
import OpenAI from 'openai';
import type { AppEnv } from '../../src/http/app-env.js';
import { createCircuitBreaker } from '../../src/providers/circuit-breaker.js';
import { forwardStreamWithFallback } from '../../src/providers/forward.js';
import { RouterService, type RouterDeps } from '../../src/router-service.js';
import { SessionMemory } from '../../src/routing/session-memory.js';
import { traceRequests, type SettleTimer } from '../../src/http/request-span.js';
import { TraceSpan } from '../../src/tracing/trace-span.js';
import type { Tracing } from '../../src/tracing/tracing.js';
import { failingSpanOnError } from '../../src/tracing/upstream-attempt.js';
import { until } from '../support/manual-timers.js';
import { startProxyStack } from '../support/proxy-stack.js';
import { startTestService } from '../support/test-router.js';
import { childrenOf, memoryTracing, serverSpan } from './support.js';

function client(url: string) {
  return new OpenAI({ apiKey: 'router-client-key', baseURL: `${url}/v1`, maxRetries: 0 });
}

/** The spans once the server span has been exported: a streamed answer's span ends after the response returned. */
async function whenServerSpanEnded(exporter: InMemorySpanExporter): Promise<ReadableSpan[]> {
  await until(() => exporter.getFinishedSpans().some((span) => span.kind === SpanKind.SERVER));
  return exporter.getFinishedSpans();
}

test(
  'a client that leaves mid-stream: the server span still carries the attempts, cost and error code the ledger has',
  { timeout: 60_000 },
  async (t) => {
    const { tracing, exporter } = memoryTracing(t);
    const stack = await startProxyStack(t, { providers: ['openai'], tracing });
    exporter.reset();
    // One chunk, then an upstream that says nothing for longer than the test lasts: only the client's abort ends it.
    stack.upstream.fail({ type: 'stream_stall', afterEvents: 1, ms: 60_000 });
    const controller = new AbortController();
    const stream = await client(stack.url)
      .chat.completions.create(
        { model: 'auto', messages: [{ role: 'user', content: 'tell me a long story about a lighthouse' }], stream: true },
        { signal: controller.signal },
      )
      .withResponse();
    const decisionId = stream.response.headers.get('x-router-decision-id')!;
    const chunks = stream.data[Symbol.asyncIterator]();
    assert.equal((await chunks.next()).done, false, 'the first chunk arrived');
    controller.abort();
    // The SDK ends the iteration or throws, depending on where the abort caught it: either way the client is gone.
    await chunks.next().catch(() => undefined);

    const spans = await whenServerSpanEnded(exporter);
    const request = serverSpan(spans);
    const row = stack.proxy.services.ledger.get(decisionId);
    assert.ok(row, 'the ledger row was written');
    assert.equal(typeof row.error_code, 'string');
    assert.equal(request.attributes['router.error_code'], row.error_code);
    assert.equal(request.attributes['router.attempts'], 1);
    assert.equal(request.attributes['router.model'], row.model);
    assert.equal(typeof request.attributes['router.cost_usd'], 'number');
    const [attempt] = childrenOf(spans, request).filter((span) => span.kind === SpanKind.CLIENT);
    assert.ok(attempt, 'the attempt span was exported');
  },
);

test('an upstream stream that ends before its first chunk: its attempt span fails and ends, and fallback moves on', async (t) => {
  const { tracing, exporter } = memoryTracing(t);
  const request = TraceSpan.start(tracing.tracer, 'request');
  const candidates = [
    { model: 'empty-model', provider: 'openai' },
    { model: 'served-model', provider: 'openai' },
  ];
  // A source that finishes cleanly without a chunk (a proxy that closed the response early), as forward sees it.
  async function* answer(model: string): AsyncGenerator<string> {
    if (model === 'served-model') yield 'hello';
  }
  const spans = new Map<string, TraceSpan>();
  const result = await forwardStreamWithFallback(
    candidates,
    (candidate) => {
      const span = request.child(`chat ${candidate.model}`, { kind: SpanKind.CLIENT });
      spans.set(candidate.model, span);
      return failingSpanOnError(answer(candidate.model), span);
    },
    {
      breaker: createCircuitBreaker({ failureThreshold: 3, cooldownMs: 60_000 }),
      totalTimeoutMs: 5_000,
      attemptTimeoutMs: 5_000,
      signal: new AbortController().signal,
    },
  );
  assert.equal(result.candidate.model, 'served-model');
  assert.deepEqual(
    result.attempts.map((attempt) => attempt.status),
    ['error', 'ok'],
  );

  const [empty] = exporter.getFinishedSpans().filter((span) => span.name === 'chat empty-model');
  assert.ok(empty, 'the empty attempt span ended and was exported');
  assert.equal(empty.status.code, SpanStatusCode.ERROR);
  assert.equal(empty.attributes['error.type'], 'connection');
  assert.equal(empty.status.message, result.attempts[0]!.error!.message);
  // The served attempt is its consumer's to end, with the usage it reads at the end.
  for await (const _ of result.stream);
  assert.equal(exporter.getFinishedSpans().filter((span) => span.name === 'chat served-model').length, 0);
  spans.get('served-model')!.end();
  request.end();
});

test('scoring or the rules throwing: the score or decide span fails and still ends', async (t) => {
  const { tracing, exporter } = memoryTracing(t);
  const service = await startTestService(t, 'tiny-standin');
  const routerWith = (overrides: Partial<RouterDeps>) =>
    new RouterService({
      embedder: service.router.embedder,
      store: service.store,
      routesData: service.routesData,
      sessions: new SessionMemory(60_000, 100),
      defaultStrategy: 'balanced',
      isProviderAvailable: () => true,
      ...overrides,
    });

  const availability = new Error('the registry is gone');
  const decideFails = routerWith({
    isProviderAvailable: () => {
      throw availability;
    },
  });
  const trace = TraceSpan.start(tracing.tracer, 'request');
  await assert.rejects(decideFails.route({ query: 'what is the capital of France', trace }), availability);
  const decide = exporter.getFinishedSpans().find((span) => span.name === 'decide');
  assert.ok(decide, 'the decide span ended');
  assert.equal(decide.status.code, SpanStatusCode.ERROR);
  assert.equal(decide.status.message, 'the registry is gone');
  assert.equal(exporter.getFinishedSpans().find((span) => span.name === 'score')?.status.code, SpanStatusCode.UNSET);

  exporter.reset();
  // An embedder that answers without a vector (a bug in one): scoring reads a vector that is not there.
  const scoreFails = routerWith({
    embedder: {
      ...service.router.embedder,
      embed: (texts) => Promise.resolve(texts.map(() => undefined as unknown as Float32Array)),
    },
  });
  await assert.rejects(scoreFails.route({ query: 'what is the capital of France', trace }), TypeError);
  const score = exporter.getFinishedSpans().find((span) => span.name === 'score');
  assert.ok(score, 'the score span ended');
  assert.equal(score.status.code, SpanStatusCode.ERROR);
  assert.equal(score.attributes['error.type'], 'TypeError');
  trace.end();
});

/** A timer the test fires itself: what it was asked for, and whether it was cancelled. */
function manualTimer() {
  const scheduled: { fn: () => void; ms: number; cancelled: boolean }[] = [];
  const timer: SettleTimer = (fn, ms) => {
    const entry = { fn, ms, cancelled: false };
    scheduled.push(entry);
    return () => {
      entry.cancelled = true;
    };
  };
  return { timer, scheduled };
}

function streamingApp(tracing: Tracing, timer: SettleTimer, onHold: (release: () => void) => void): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', traceRequests(tracing, { timer, settleTimeoutMs: 1_234 }));
  app.get('/stream', (c) => {
    onHold(c.get('trace')!.hold());
    return new Response('data: one\n\n', { headers: { 'content-type': 'text/event-stream' } });
  });
  return app;
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('a streamed answer: the server span ends when the work holding it lets go, after the body was read', async (t) => {
  const { tracing, exporter } = memoryTracing(t);
  const { timer, scheduled } = manualTimer();
  let release: () => void = () => undefined;
  const app = streamingApp(tracing, timer, (held) => (release = held));
  assert.equal(await (await app.request('/stream')).text(), 'data: one\n\n');
  await settle();
  assert.equal(exporter.getFinishedSpans().length, 0, 'still held after the body ended');
  assert.equal(scheduled[0]?.ms, 1_234);
  release();
  await settle();
  assert.equal(serverSpan(exporter.getFinishedSpans()).name, 'GET /stream');
  assert.equal(scheduled[0]?.cancelled, true, 'the timeout was cancelled');
});

test('a streamed answer whose holder never lets go: the server span ends when the settle timeout fires', async (t) => {
  const { tracing, exporter } = memoryTracing(t);
  const { timer, scheduled } = manualTimer();
  const app = streamingApp(tracing, timer, () => undefined);
  await (await app.request('/stream')).text();
  await settle();
  assert.equal(exporter.getFinishedSpans().length, 0);
  scheduled[0]!.fn();
  await settle();
  assert.equal(serverSpan(exporter.getFinishedSpans()).name, 'GET /stream');
});
