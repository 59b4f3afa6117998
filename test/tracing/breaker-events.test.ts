import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import OpenAI from 'openai';
import { startProxyStack } from '../support/proxy-stack.js';
import { childrenOf, memoryTracing, serverSpan } from './support.js';

test('a candidate skipped for its open circuit is an event on the request span, not an attempt span', async (t) => {
  const { tracing, exporter } = memoryTracing(t);
  const stack = await startProxyStack(t, {
    providers: ['openai', 'gemini'],
    env: { BREAKER_FAILURE_THRESHOLD: '1', BREAKER_COOLDOWN_MS: '60000' },
    tracing,
  });
  const openai = new OpenAI({ apiKey: 'router-client-key', baseURL: `${stack.url}/v1`, maxRetries: 0 });
  const query = 'where is my package';
  const [first, second] = await stack.candidatesFor(query);
  // One 503 opens the first candidate's circuit (threshold 1); the call itself falls back.
  stack.upstream.fail({ type: 'status', status: 503 });
  await openai.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: query }] });
  exporter.reset();

  await openai.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: query }] });
  const spans = exporter.getFinishedSpans();
  const request = serverSpan(spans);
  const attempts = childrenOf(spans, request).filter((span) => span.kind === SpanKind.CLIENT);
  assert.deepEqual(
    attempts.map((span) => span.name),
    [`chat ${second!.provider_model}`],
    'only the called candidate has a span',
  );
  const skipped = request.events.filter((event) => event.name === 'router.attempt_skipped');
  assert.equal(skipped.length, 1);
  assert.equal(skipped[0]!.attributes?.['router.model'], first!.model);
  assert.equal(skipped[0]!.attributes?.['error.type'], 'circuit_open');
  assert.equal(request.attributes['router.attempts'], 1);
  assert.equal(request.attributes['router.model'], second!.model);
});
