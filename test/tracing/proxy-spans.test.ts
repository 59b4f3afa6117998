import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import OpenAI from 'openai';
import { startProxyStack } from '../support/proxy-stack.js';
import { childrenOf, everyValue, memoryTracing, serverSpan, spanNamed } from './support.js';

function client(url: string, headers: Record<string, string> = {}) {
  return new OpenAI({ apiKey: 'router-client-key', baseURL: `${url}/v1`, maxRetries: 0, defaultHeaders: headers });
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

test('a routed chat completion: request span > embed, score, decide and one attempt, with the decision and GenAI attributes', async (t) => {
  const { tracing, exporter } = memoryTracing(t);
  const stack = await startProxyStack(t, { providers: ['openai'], tracing });
  const query = 'write a short poem about the sea at Zanzibar at night';
  const [first] = await stack.candidatesFor(query);
  exporter.reset();

  const { data, response } = await client(stack.url)
    .chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: query }], max_tokens: 64, temperature: 0.3 })
    .withResponse();
  const spans = exporter.getFinishedSpans();

  const request = serverSpan(spans);
  assert.equal(request.name, 'POST /v1/chat/completions');
  assert.equal(request.attributes['http.request.method'], 'POST');
  assert.equal(request.attributes['http.route'], '/v1/chat/completions');
  assert.equal(request.attributes['url.path'], '/v1/chat/completions');
  assert.equal(request.attributes['http.response.status_code'], 200);
  assert.equal(request.attributes['router.request_id'], response.headers.get('x-request-id'));
  assert.equal(request.status.code, SpanStatusCode.UNSET);
  assert.equal(request.parentSpanContext, undefined, 'no traceparent came in: a root span');
  // The decision, as the headers report it.
  assert.equal(request.attributes['router.tier'], response.headers.get('x-router-tier'));
  assert.equal(request.attributes['router.intent'], response.headers.get('x-router-intent'));
  assert.equal(request.attributes['router.strategy'], 'balanced');
  assert.equal(request.attributes['router.model'], first!.model);
  assert.equal(request.attributes['router.provider'], 'openai');
  assert.equal(request.attributes['router.config_version'], 1);
  assert.equal(request.attributes['router.routed'], true);
  assert.equal(request.attributes['router.attempts'], 1);
  assert.equal(typeof request.attributes['router.tier.margin'], 'number');
  assert.equal(typeof request.attributes['router.intent.margin'], 'number');
  assert.ok(Array.isArray(request.attributes['router.candidates']));
  assert.equal(request.attributes['router.cost_usd'], Number(response.headers.get('x-router-cost-usd')));

  const children = childrenOf(spans, request).map((span) => span.name);
  assert.deepEqual(children.sort(), ['chat ' + first!.provider_model, 'decide', 'embed', 'score'].sort());
  const embed = spanNamed(spans, 'embed');
  assert.equal(embed.attributes['router.embed.texts'], 1);
  for (const name of ['embed', 'score', 'decide']) assert.equal(spanNamed(spans, name).kind, SpanKind.INTERNAL);

  const attempt = spanNamed(spans, `chat ${first!.provider_model}`);
  const sent = stack.upstream.requests.at(-1)!;
  assert.equal(attempt.kind, SpanKind.CLIENT);
  assert.equal(attempt.attributes['gen_ai.operation.name'], 'chat');
  assert.equal(attempt.attributes['gen_ai.provider.name'], 'openai');
  assert.equal(attempt.attributes['gen_ai.request.model'], first!.provider_model);
  assert.equal(attempt.attributes['gen_ai.response.model'], data.model);
  assert.equal(attempt.attributes['gen_ai.request.max_tokens'], 64);
  assert.equal(attempt.attributes['gen_ai.request.temperature'], 0.3);
  assert.equal(attempt.attributes['gen_ai.usage.input_tokens'], sent.usage!.input);
  assert.equal(attempt.attributes['gen_ai.usage.output_tokens'], sent.usage!.output);
  assert.equal(attempt.attributes['error.type'], undefined);

  // Out: the upstream call names the attempt span as its parent; the response names the request span.
  const upstream = TRACEPARENT.exec(sent.headers['traceparent'] ?? '');
  assert.ok(upstream, `upstream traceparent: ${sent.headers['traceparent']}`);
  assert.equal(upstream[1], request.spanContext().traceId);
  assert.equal(upstream[2], attempt.spanContext().spanId);
  const returned = TRACEPARENT.exec(response.headers.get('traceparent') ?? '');
  assert.ok(returned);
  assert.equal(returned[1], request.spanContext().traceId);
  assert.equal(returned[2], request.spanContext().spanId);
  assert.equal(response.headers.get('traceresponse'), response.headers.get('traceparent'));
  // And the log lines of the request name the trace.
  const accessLine = stack.logLines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((line) => line.msg === 'request' && line.request_id === response.headers.get('x-request-id'));
  assert.equal(accessLine?.trace_id, request.spanContext().traceId);

  assert.ok(!everyValue(spans).includes('Zanzibar'), 'no prompt text in any span');
});

test('fallback: two attempt spans under the request, the first failed with error.type 503', async (t) => {
  const { tracing, exporter } = memoryTracing(t);
  const stack = await startProxyStack(t, { tracing });
  const query = 'what is the capital of France';
  const candidates = await stack.candidatesFor(query);
  assert.ok(candidates.length >= 2, 'the tier has a fallback candidate');
  const [first, second] = candidates;
  exporter.reset();

  stack.upstream.fail({ type: 'status', status: 503 });
  const { response } = await client(stack.url)
    .chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: query }] })
    .withResponse();
  assert.equal(response.headers.get('x-router-model'), second!.model);
  const spans = exporter.getFinishedSpans();
  const request = serverSpan(spans);
  const attempts = childrenOf(spans, request).filter((span) => span.kind === SpanKind.CLIENT);
  assert.deepEqual(
    attempts.map((span) => span.name),
    [`chat ${first!.provider_model}`, `chat ${second!.provider_model}`],
  );
  const [failed, served] = attempts;
  assert.equal(failed!.status.code, SpanStatusCode.ERROR);
  assert.equal(failed!.attributes['error.type'], '503');
  assert.equal(failed!.attributes['http.response.status_code'], 503);
  assert.equal(served!.status.code, SpanStatusCode.UNSET);
  assert.equal(served!.attributes['error.type'], undefined);
  assert.equal(typeof served!.attributes['gen_ai.usage.output_tokens'], 'number');
  assert.equal(request.attributes['router.attempts'], 2);
  assert.equal(request.attributes['router.model'], second!.model);
  // Each upstream request carried its own attempt's span id.
  const [sentFirst, sentSecond] = stack.upstream.requests.slice(-2);
  assert.equal(TRACEPARENT.exec(sentFirst!.headers['traceparent'] ?? '')?.[2], failed!.spanContext().spanId);
  assert.equal(TRACEPARENT.exec(sentSecond!.headers['traceparent'] ?? '')?.[2], served!.spanContext().spanId);
});

test('every candidate failing: the request span is an error with the answer code, each attempt span an error', async (t) => {
  const { tracing, exporter } = memoryTracing(t);
  const stack = await startProxyStack(t, { providers: ['openai'], tracing });
  stack.upstream.failModel('gpt-4o-mini', { type: 'status', status: 500 });
  stack.upstream.failModel('gpt-4o', { type: 'status', status: 500 });
  exporter.reset();
  await assert.rejects(
    client(stack.url).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello there' }] }),
    (error: unknown) => error instanceof OpenAI.APIError && error.status === 502,
  );
  const spans = exporter.getFinishedSpans();
  const request = serverSpan(spans);
  assert.equal(request.status.code, SpanStatusCode.ERROR);
  assert.equal(request.attributes['error.type'], 'upstream_error');
  assert.equal(request.attributes['http.response.status_code'], 502);
  const attempts = childrenOf(spans, request).filter((span) => span.kind === SpanKind.CLIENT);
  assert.ok(attempts.length >= 1);
  for (const attempt of attempts) assert.equal(attempt.attributes['error.type'], '500');
});

test('an incoming traceparent makes the request span its child; tracestate travels on to the upstream', async (t) => {
  const { tracing, exporter } = memoryTracing(t);
  const stack = await startProxyStack(t, { providers: ['openai'], tracing });
  exporter.reset();
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const parentId = '00f067aa0ba902b7';
  const { response } = await client(stack.url, {
    traceparent: `00-${traceId}-${parentId}-01`,
    tracestate: 'congo=t61rcWkgMzE',
  })
    .chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'tell me a joke about routers' }] })
    .withResponse();
  const spans = exporter.getFinishedSpans();
  const request = serverSpan(spans);
  assert.equal(request.spanContext().traceId, traceId);
  assert.equal(request.parentSpanContext?.spanId, parentId);
  assert.equal(request.parentSpanContext?.isRemote, true);
  for (const span of spans) assert.equal(span.spanContext().traceId, traceId, `${span.name} is in the caller's trace`);
  assert.equal(TRACEPARENT.exec(response.headers.get('traceparent') ?? '')?.[1], traceId);
  const sent = stack.upstream.requests.at(-1)!;
  assert.equal(TRACEPARENT.exec(sent.headers['traceparent'] ?? '')?.[1], traceId);
  assert.equal(sent.headers['tracestate'], 'congo=t61rcWkgMzE');
});

test('a streamed answer: the request and attempt spans end with the stream and carry its usage and cost', async (t) => {
  const { tracing, exporter } = memoryTracing(t);
  const stack = await startProxyStack(t, { providers: ['openai'], tracing });
  exporter.reset();
  const stream = await client(stack.url).chat.completions.create({
    model: 'auto',
    messages: [{ role: 'user', content: 'tell me a short story about a fox' }],
    stream: true,
  });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  assert.ok(text.length > 0);
  const spans = exporter.getFinishedSpans();
  const request = serverSpan(spans);
  const sent = stack.upstream.requests.at(-1)!;
  const [attempt] = childrenOf(spans, request).filter((span) => span.kind === SpanKind.CLIENT);
  assert.equal(attempt!.attributes['gen_ai.usage.input_tokens'], sent.usage!.input);
  assert.equal(attempt!.attributes['gen_ai.usage.output_tokens'], sent.usage!.output);
  assert.equal(attempt!.attributes['gen_ai.response.model'], (sent.body as { model: string }).model);
  assert.equal(request.attributes['router.usage.output_tokens'], sent.usage!.output);
  assert.equal(typeof request.attributes['router.cost_usd'], 'number');
  assert.ok(!everyValue(spans).includes('fox'), 'no prompt text in any span');
});

test('the Responses API and the Anthropic upstream share the attempt spans', async (t) => {
  const { tracing, exporter } = memoryTracing(t);
  const stack = await startProxyStack(t, { providers: ['anthropic'], tracing });
  exporter.reset();
  const response = await client(stack.url).responses.create({ model: 'auto', input: 'say hello', max_output_tokens: 40 });
  assert.equal(response.status, 'completed');
  const spans = exporter.getFinishedSpans();
  const request = serverSpan(spans);
  assert.equal(request.name, 'POST /v1/responses');
  const [attempt] = childrenOf(spans, request).filter((span) => span.kind === SpanKind.CLIENT);
  assert.equal(attempt!.attributes['gen_ai.provider.name'], 'anthropic');
  assert.equal(attempt!.attributes['gen_ai.request.max_tokens'], 40);
  const sent = stack.upstream.requests.at(-1)!;
  assert.equal(sent.api, 'anthropic');
  assert.equal(TRACEPARENT.exec(sent.headers['traceparent'] ?? '')?.[2], attempt!.spanContext().spanId);
  assert.equal(attempt!.attributes['gen_ai.usage.output_tokens'], sent.usage!.output);
});

test('tracing is off by default: no traceparent to the client or the upstream', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai'] });
  const { response } = await client(stack.url, { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' })
    .chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] })
    .withResponse();
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('traceparent'), null);
  assert.equal(response.headers.get('traceresponse'), null);
  assert.equal(stack.upstream.requests.at(-1)!.headers['traceparent'], undefined, 'the caller`s header is not forwarded either');
  assert.ok(!stack.logLines.some((line) => line.includes('trace_id')));
});
