import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { startProxyStack } from '../support/proxy-stack.js';
import { postJson } from '../support/test-router.js';
import { childrenOf, memoryTracing, serverSpan, spanNamed } from './support.js';

test('the cascade consultation is an attempt span under decide, and its upstream call carries that span', async (t) => {
  const { tracing, exporter } = memoryTracing(t);
  // A margin of at most 2 separates any two cosine scores: every query is uncertain enough to ask.
  const stack = await startProxyStack(t, {
    providers: ['openai'],
    env: { CASCADE_MODEL: 'gpt-4o-mini', CASCADE_MAX_MARGIN: '2' },
    tracing,
  });
  const response = await postJson(stack.app, '/v1/route', {
    query: 'write a python function that merges two sorted lists into one sorted list',
  });
  assert.equal(response.status, 200);
  const spans = exporter.getFinishedSpans();
  const request = serverSpan(spans);
  assert.equal(request.name, 'POST /v1/route');
  assert.equal(request.attributes['router.cascade.model'], 'gpt-4o-mini');
  assert.equal(request.attributes['router.cascade.outcome'], response.headers.get('x-router-cascade'));
  const decide = spanNamed(spans, 'decide');
  assert.equal(decide.parentSpanContext?.spanId, request.spanContext().spanId);
  const [consultation] = childrenOf(spans, decide);
  assert.equal(consultation?.kind, SpanKind.CLIENT);
  assert.equal(consultation.name, 'chat gpt-4o-mini');
  assert.equal(consultation.attributes['gen_ai.request.max_tokens'], 5);
  assert.equal(consultation.attributes['gen_ai.request.temperature'], 0);
  const sent = stack.upstream.requests.at(-1)!;
  assert.equal(sent.headers['traceparent'], `00-${consultation.spanContext().traceId}-${consultation.spanContext().spanId}-01`);
  assert.equal(consultation.attributes['gen_ai.usage.input_tokens'], sent.usage!.input);
});

test('a batch: one route span per query under the request, each with its own decision and pipeline', async (t) => {
  const { tracing, exporter } = memoryTracing(t);
  const stack = await startProxyStack(t, { providers: ['openai'], tracing });
  const response = await postJson(stack.app, '/v1/route/batch', { queries: ['hi', 'design a distributed lock service'] });
  const { decisions } = (await response.json()) as { decisions: { tier: string }[] };
  const spans = exporter.getFinishedSpans();
  const request = serverSpan(spans);
  assert.equal(request.name, 'POST /v1/route/batch');
  const routes = childrenOf(spans, request).sort(
    (a, b) => Number(a.attributes['router.batch.index']) - Number(b.attributes['router.batch.index']),
  );
  assert.deepEqual(
    routes.map((span) => span.name),
    ['route', 'route'],
  );
  routes.forEach((route, index) => {
    assert.equal(route.attributes['router.tier'], decisions[index]!.tier);
    assert.deepEqual(
      childrenOf(spans, route)
        .map((span) => span.name)
        .sort(),
      ['decide', 'embed', 'score'],
    );
  });
});

test('health probes and metric scrapes make no spans', async (t) => {
  const { tracing, exporter } = memoryTracing(t);
  const stack = await startProxyStack(t, { providers: ['openai'], tracing });
  for (const path of ['/healthz', '/readyz', '/metrics']) {
    const response = await stack.app.request(path);
    assert.equal(response.status, 200, path);
    assert.equal(response.headers.get('traceparent'), null, path);
  }
  assert.deepEqual(exporter.getFinishedSpans(), []);
  await stack.app.request('/v1/models');
  assert.deepEqual(
    exporter.getFinishedSpans().map((span) => span.name),
    ['GET /v1/models'],
  );
});
