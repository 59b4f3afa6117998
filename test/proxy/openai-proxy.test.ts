import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import { loadRoutesData } from '../../src/routes-config/load-routes-data.js';
import { ROUTES_DATA_DIR } from '../support/env.js';
import { until } from '../support/manual-timers.js';
import { startProxyStack, UPSTREAM_KEY } from '../support/proxy-stack.js';

const prices = loadRoutesData(ROUTES_DATA_DIR).prices.models;
const cost = (model: string, usage: { input: number; output: number }) =>
  (usage.input * prices[model]!.input + usage.output * prices[model]!.output) / 1_000_000;

function client(url: string) {
  return new OpenAI({ apiKey: 'router-client-key', baseURL: `${url}/v1`, maxRetries: 0 });
}

test('OpenAI SDK, model auto: routed, answered by the first candidate, priced and recorded', async (t) => {
  const stack = await startProxyStack(t);
  const query = 'write a haiku about the sea';
  const [first] = await stack.candidatesFor(query);
  const { data, response } = await client(stack.url)
    .chat.completions.create({
      model: 'auto',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: query },
      ],
      temperature: 0.2,
      max_tokens: 50,
      stop: ['\n\n'],
      user: 'user-7',
      response_format: { type: 'text' },
    })
    .withResponse();
  assert.equal(data.object, 'chat.completion');
  assert.equal(data.model, first!.provider_model, 'the body names the model that really answered');
  assert.match(data.choices[0]!.message.content ?? '', new RegExp(query));
  assert.equal(response.headers.get('x-router-model'), first!.model);
  assert.equal(response.headers.get('x-router-provider'), first!.provider);
  assert.equal(response.headers.get('x-router-attempts'), '1');
  assert.ok(['simple', 'medium', 'complex'].includes(response.headers.get('x-router-tier')!));
  const decisionId = response.headers.get('x-router-decision-id')!;

  const sent = stack.upstream.requests.at(-1)!;
  const body = sent.body as Record<string, unknown>;
  if (sent.api === 'openai') {
    assert.equal(body.model, first!.provider_model);
    assert.equal(body.temperature, 0.2);
    assert.equal(body.max_tokens, 50);
    assert.deepEqual(body.stop, ['\n\n']);
    assert.equal(body.user, 'user-7');
    assert.deepEqual(body.response_format, { type: 'text' });
  }
  const row = stack.proxy.services.ledger.get(decisionId)!;
  assert.equal(row.model, first!.model);
  assert.equal(row.status, 'ok');
  assert.equal(row.routed, 1);
  assert.equal(row.input_tokens, sent.usage!.input);
  assert.equal(row.output_tokens, sent.usage!.output);
  assert.ok(Math.abs((row.cost_usd as number) - cost(first!.model, sent.usage!)) < 1e-12);
  assert.ok(Math.abs((row.baseline_cost_usd as number) - cost('claude-sonnet-4', sent.usage!)) < 1e-12);
  assert.equal(Number(response.headers.get('x-router-cost-usd')), row.cost_usd);
  assert.equal(row.prompt, null, 'prompts are not stored by default');
});

test('streaming with include_usage: chunks parse in the SDK, the usage chunk comes last; without it, no usage chunk', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai'] });
  const openai = client(stack.url);
  const stream = await openai.chat.completions.create({
    model: 'auto',
    messages: [{ role: 'user', content: 'tell me a short story about a fox' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let usage: OpenAI.CompletionUsage | null | undefined;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    text += chunk.choices[0]?.delta.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  assert.ok(chunks > 2);
  assert.match(text, /fox/);
  const sent = stack.upstream.requests.at(-1)!;
  assert.equal(usage?.prompt_tokens, sent.usage!.input);
  assert.equal(usage?.completion_tokens, sent.usage!.output);

  const plain = await openai.chat.completions.create({
    model: 'auto',
    messages: [{ role: 'user', content: 'hi' }],
    stream: true,
  });
  for await (const chunk of plain) {
    assert.ok(chunk.choices.length > 0, 'no usage-only chunk the client did not ask for');
    assert.equal(chunk.usage, undefined);
  }
});

test('raw SSE over HTTP: data frames, [DONE], decision headers', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai'] });
  const response = await fetch(`${stack.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'auto', stream: true, messages: [{ role: 'user', content: 'hello there' }] }),
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type')!, /^text\/event-stream/);
  assert.ok(response.headers.get('x-router-decision-id'));
  const text = await response.text();
  const frames = text.split('\n\n').filter(Boolean);
  assert.ok(frames.every((frame) => frame.startsWith('data: ')));
  assert.equal(frames.at(-1), 'data: [DONE]');
});

test('a concrete model passes through without routing, and is still priced and recorded', async (t) => {
  const stack = await startProxyStack(t);
  const { data, response } = await client(stack.url)
    .chat.completions.create({ model: 'claude-sonnet-4', messages: [{ role: 'user', content: 'hi' }] })
    .withResponse();
  assert.equal(data.model, 'claude-sonnet-4-20250514');
  assert.equal(stack.upstream.requests.at(-1)!.api, 'anthropic');
  assert.equal(response.headers.get('x-router-routed'), 'false');
  assert.equal(response.headers.get('x-router-tier'), null);
  const row = stack.proxy.services.ledger.get(response.headers.get('x-router-decision-id')!)!;
  assert.equal(row.routed, 0);
  assert.ok((row.cost_usd as number) > 0);
  // The provider's own model name works too.
  const byProviderName = await client(stack.url).chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'hi' }],
  });
  assert.equal(byProviderName.model, 'gpt-4o-mini');
});

test('unknown models and strategies are refused with a 400 the SDK understands, listing the valid ones', async (t) => {
  const stack = await startProxyStack(t);
  const openai = client(stack.url);
  await assert.rejects(
    openai.chat.completions.create({ model: 'gpt-9', messages: [{ role: 'user', content: 'hi' }] }),
    (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError);
      assert.match(error.message, /model "gpt-9" is not configured; use one of auto, auto:cost_optimized/);
      assert.equal(error.code, 'unknown_model');
      return true;
    },
  );
  await assert.rejects(
    openai.chat.completions.create({ model: 'auto:cheapest', messages: [{ role: 'user', content: 'hi' }] }),
    (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError);
      assert.equal(error.code, 'unknown_strategy');
      return true;
    },
  );
  assert.equal(stack.upstream.requests.length, 0, 'nothing reached a provider');
});

test('strategy per request: auto:<strategy> and the x-router-strategy header', async (t) => {
  const stack = await startProxyStack(t);
  const openai = client(stack.url);
  const viaModel = await openai.chat.completions
    .create({ model: 'auto:quality_optimized', messages: [{ role: 'user', content: 'hi there friend' }] })
    .withResponse();
  assert.equal(viaModel.response.headers.get('x-router-strategy'), 'quality_optimized');
  const viaHeader = await openai.chat.completions
    .create(
      { model: 'auto', messages: [{ role: 'user', content: 'hi there friend' }] },
      { headers: { 'x-router-strategy': 'cost_optimized' } },
    )
    .withResponse();
  assert.equal(viaHeader.response.headers.get('x-router-strategy'), 'cost_optimized');
});

test('fallback: a 500 moves to the next candidate; a 400 is returned at once with the upstream message', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai', 'gemini'] });
  const query = 'what are your opening hours on sunday';
  const candidates = await stack.candidatesFor(query);
  assert.ok(candidates.length >= 2);
  stack.upstream.fail({ type: 'status', status: 500 });
  const { data, response } = await client(stack.url)
    .chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: query }] })
    .withResponse();
  assert.equal(data.model, candidates[1]!.provider_model);
  assert.equal(response.headers.get('x-router-attempts'), '2');
  const row = stack.proxy.services.ledger.get(response.headers.get('x-router-decision-id')!)!;
  const attempts = JSON.parse(row.attempts as string) as { model: string; status: string; error?: { status: number } }[];
  assert.deepEqual(
    attempts.map((attempt) => [attempt.model, attempt.status, attempt.error?.status]),
    [
      [candidates[0]!.model, 'error', 500],
      [candidates[1]!.model, 'ok', undefined],
    ],
  );

  const before = stack.upstream.requests.length;
  stack.upstream.fail({ type: 'status', status: 400, message: 'messages[0].content is too long for this model' });
  await assert.rejects(
    client(stack.url).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: query }] }),
    (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError);
      assert.match(error.message, /too long for this model/);
      return true;
    },
  );
  assert.equal(stack.upstream.requests.length, before + 1, 'no fallback after a 400');
});

test('429 everywhere is a 429; a timeout moves on; a reset connection moves on', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai', 'gemini'], env: { UPSTREAM_ATTEMPT_TIMEOUT_MS: '300' } });
  const query = 'how do I reset my password';
  const candidates = await stack.candidatesFor(query);
  const rateLimits = candidates.map(() => ({ type: 'rate_limit' as const, retryAfterSeconds: 3 }));
  stack.upstream.fail(...rateLimits);
  await assert.rejects(
    client(stack.url).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: query }] }),
    (error: unknown) => error instanceof OpenAI.RateLimitError && error.code === 'rate_limited',
  );
  stack.upstream.fail({ type: 'delay', ms: 1500 });
  const slow = await client(stack.url).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: query }] });
  assert.equal(slow.model, candidates[1]!.provider_model);
  stack.upstream.fail({ type: 'reset' });
  const reset = await client(stack.url).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: query }] });
  assert.equal(reset.model, candidates[1]!.provider_model);
});

test('a stream cut after the first chunk ends with an error event the SDK raises, and is recorded', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai', 'gemini'] });
  stack.upstream.fail({ type: 'stream_cut', afterEvents: 2 });
  const { data: stream, response } = await client(stack.url)
    .chat.completions.create({
      model: 'auto',
      messages: [{ role: 'user', content: 'tell me about the moon in detail' }],
      stream: true,
    })
    .withResponse();
  let received = 0;
  await assert.rejects(
    (async () => {
      for await (const _chunk of stream) received++;
    })(),
    /upstream stream failed/,
  );
  assert.ok(received >= 1, 'the first chunks reached the client before the failure');
  assert.equal(stack.upstream.requests.length, 1, 'no fallback once bytes reached the client');
  const row = stack.proxy.services.ledger.get(response.headers.get('x-router-decision-id')!)!;
  assert.equal(row.status, 'error');
  assert.equal(row.error_code, 'stream_failed');
});

test('the circuit breaker stops calling a failing provider', async (t) => {
  const stack = await startProxyStack(t, {
    providers: ['openai', 'gemini'],
    env: { BREAKER_FAILURE_THRESHOLD: '2', BREAKER_COOLDOWN_MS: '60000' },
  });
  const query = 'where is my package';
  const [first] = await stack.candidatesFor(query);
  for (let i = 0; i < 2; i++) {
    stack.upstream.fail({ type: 'status', status: 503 });
    await client(stack.url).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: query }] });
  }
  const before = stack.upstream.requests.length;
  const { response } = await client(stack.url)
    .chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: query }] })
    .withResponse();
  const calls = stack.upstream.requests.slice(before).map((request) => (request.body as { model: string }).model);
  assert.ok(!calls.includes(first!.provider_model), `the open circuit skipped ${first!.provider_model}`);
  const attempts = JSON.parse(
    stack.proxy.services.ledger.get(response.headers.get('x-router-decision-id')!)!.attempts as string,
  ) as { status: string }[];
  assert.equal(attempts[0]!.status, 'skipped');
});

test('a client that disconnects aborts the upstream call', { timeout: 60_000 }, async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai'] });
  // The upstream holds its answer for longer than the test lasts: only the client's abort can end the call.
  stack.upstream.fail({ type: 'delay', ms: 600_000 });
  const controller = new AbortController();
  const pending = client(stack.url).chat.completions.create(
    { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
    { signal: controller.signal },
  );
  // Waited for, not slept on: the abort comes once the call has reached the upstream, however slow the machine.
  await until(() => stack.upstream.requests.length > 0);
  controller.abort();
  await assert.rejects(pending);
  await until(() => stack.upstream.requests.at(-1)!.clientClosed);
});

test('tools pass through, and the tool call comes back in OpenAI shape from either provider', async (t) => {
  const stack = await startProxyStack(t);
  const tools: OpenAI.ChatCompletionTool[] = [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'Weather for a city',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    },
  ];
  for (const model of ['gpt-4o', 'claude-sonnet-4']) {
    const completion = await client(stack.url).chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'weather in Lima?' }],
      tools,
      tool_choice: 'auto',
    });
    const call = completion.choices[0]!.message.tool_calls?.[0];
    assert.equal(completion.choices[0]!.finish_reason, 'tool_calls', model);
    assert.ok(call && call.type === 'function' && call.function.name === 'get_weather', model);
    const sent = stack.upstream.requests.at(-1)!.body as Record<string, unknown>;
    assert.ok(JSON.stringify(sent.tools).includes('get_weather'), `${model} received the tool`);
  }
});

test('GET /v1/models lists auto and every configured model; keys never appear in responses or logs', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai'] });
  const models = await client(stack.url).models.list();
  const ids = models.data.map((model) => model.id);
  assert.equal(ids[0], 'auto');
  for (const id of ['gpt-4o-mini', 'gpt-4o', 'claude-sonnet-4', 'gemini-1.5-flash', 'grok-2']) assert.ok(ids.includes(id));
  stack.upstream.fail({ type: 'status', status: 401 });
  const error = await client(stack.url)
    .chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
    .catch((e: unknown) => e);
  assert.ok(error instanceof OpenAI.AuthenticationError);
  assert.doesNotMatch(JSON.stringify(error.error) + error.message, new RegExp(UPSTREAM_KEY));
  assert.doesNotMatch(stack.logLines.join('\n'), new RegExp(UPSTREAM_KEY));
});

test('/v1/stats adds up the ledger exactly, with savings against the baseline model', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai'] });
  const openai = client(stack.url);
  const since = new Date().toISOString();
  await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });
  await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'compare two databases' }] });
  stack.upstream.fail({ type: 'status', status: 400 });
  await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }).catch(() => undefined);
  const [a, b] = stack.upstream.requests.map((request) => request.usage!);
  const paid = cost('gpt-4o-mini', a!) + cost('gpt-4o', b!);
  const baseline = cost('claude-sonnet-4', a!) + cost('claude-sonnet-4', b!);
  const stats = (await (await fetch(`${stack.url}/v1/stats?since=${encodeURIComponent(since)}`)).json()) as Record<string, any>;
  assert.equal(stats.requests, 3);
  assert.equal(stats.errors, 1);
  assert.ok(Math.abs(stats.cost_usd - paid) < 1e-9);
  assert.ok(Math.abs(stats.baseline_cost_usd - baseline) < 1e-9);
  assert.equal(stats.savings_pct, Math.round((1 - paid / baseline) * 10000) / 100);
  assert.equal(stats.by_model['gpt-4o-mini'].requests, 1);
  assert.equal(stats.by_model['gpt-4o'].requests, 1);
  assert.equal(stats.input_tokens, a!.input + b!.input);
  const later = (await (await fetch(`${stack.url}/v1/stats?since=2999-01-01T00:00:00Z`)).json()) as Record<string, any>;
  assert.equal(later.requests, 0);
  const bad = await fetch(`${stack.url}/v1/stats?since=yesterday`);
  assert.equal(bad.status, 400);
});
