import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { loadRoutesData } from '../../src/routes-config/load-routes-data.js';
import { ROUTES_DATA_DIR, tempDir } from '../support/env.js';
import { startProxyStack } from '../support/proxy-stack.js';
import { postJson } from '../support/test-router.js';

const prices = loadRoutesData(ROUTES_DATA_DIR).prices.models;
type Json = Record<string, unknown>;

function openaiClient(url: string) {
  return new OpenAI({ apiKey: 'router-client-key', baseURL: `${url}/v1`, maxRetries: 0 });
}

/** routes-data with every tier led by one model with a reasoning setting ("gpt-5-mini with low effort"), whatever the query scores. */
function routesDataWithReasoningTier(t: { after: (fn: () => void) => void }, leader = 'gpt-5-mini-low'): string {
  const dir = tempDir(t);
  cpSync(ROUTES_DATA_DIR, dir, { recursive: true });
  const path = join(dir, 'routing.json');
  const table = JSON.parse(readFileSync(path, 'utf8')) as { tiers: Record<string, string[]>; intents: Record<string, Json> };
  for (const tier of Object.keys(table.tiers)) table.tiers[tier] = [leader, ...table.tiers[tier]!];
  table.intents = {};
  writeFileSync(path, JSON.stringify(table));
  return dir;
}

test('a tier led by a model with reasoning effort: applied when the client sets none, shown in the decision, priced as output', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai'], env: { ROUTES_DATA_DIR: routesDataWithReasoningTier(t) } });
  const decision = (await (
    await postJson(stack.app, '/v1/route', { query: 'prove that there are infinitely many primes' })
  ).json()) as Json;
  assert.equal(decision.model, 'gpt-5-mini-low');
  assert.equal(decision.reasoning_effort, 'low');

  const openai = openaiClient(stack.url);
  const { data, response } = await openai.chat.completions
    .create({ model: 'auto', messages: [{ role: 'user', content: 'prove it' }] })
    .withResponse();
  assert.equal(response.headers.get('x-router-reasoning'), 'effort=low; source=table');
  const sent = stack.upstream.requests.at(-1)!;
  assert.equal((sent.body as Json).reasoning_effort, 'low');
  assert.equal((sent.body as Json).model, 'gpt-5-mini');
  assert.equal(data.usage?.completion_tokens_details?.reasoning_tokens, 16);
  const row = stack.proxy.services.ledger.get(response.headers.get('x-router-decision-id')!)!;
  assert.equal(row.output_tokens, sent.usage!.output, 'the reasoning tokens are in the output tokens');
  const expected =
    (sent.usage!.input * prices['gpt-5-mini-low']!.input + sent.usage!.output * prices['gpt-5-mini-low']!.output) / 1e6;
  assert.ok(Math.abs((row.cost_usd as number) - expected) < 1e-12);

  await openai.chat.completions.create({
    model: 'auto',
    reasoning_effort: 'high',
    messages: [{ role: 'user', content: 'prove it' }],
  });
  assert.equal((stack.upstream.requests.at(-1)!.body as Json).reasoning_effort, 'high', "the client's own effort wins");

  const routed = await openai.responses.create({ model: 'auto', input: 'prove it' });
  const native = stack.upstream.requests.at(-1)!;
  assert.equal(native.api, 'responses');
  assert.deepEqual((native.body as Json).reasoning, { effort: 'low' });
  assert.equal(routed.usage?.output_tokens_details.reasoning_tokens, 16);
  await openai.responses.create({ model: 'auto', input: 'prove it', reasoning: { effort: 'minimal' } });
  assert.deepEqual((stack.upstream.requests.at(-1)!.body as Json).reasoning, { effort: 'minimal' });
});

test("an OpenAI model without reasoning never gets a client's effort (it would refuse it); one with the effort capability does", async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai'] });
  const openai = openaiClient(stack.url);
  const sent = () => stack.upstream.requests.at(-1)!;
  // The fake refuses reasoning_effort for gpt-4* as OpenAI does: before the capability gate these calls failed with 400.
  await openai.chat.completions.create({
    model: 'gpt-4o',
    reasoning_effort: 'high',
    messages: [{ role: 'user', content: 'hi' }],
  });
  assert.equal(sent().api, 'openai');
  assert.equal((sent().body as Json).model, 'gpt-4o');
  assert.equal((sent().body as Json).reasoning_effort, undefined);
  await openai.chat.completions.create({ model: 'gpt-5', reasoning_effort: 'high', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal((sent().body as Json).reasoning_effort, 'high', 'gpt-5 has the effort capability');
  await openai.chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal((sent().body as Json).reasoning_effort, undefined, 'no effort of its own, none from the client: none sent');

  await openai.responses.create({ model: 'gpt-4o', input: 'hi', reasoning: { effort: 'high', summary: 'auto' } });
  assert.equal((sent().body as Json).model, 'gpt-4o');
  assert.equal((sent().body as Json).reasoning, undefined);
  await openai.responses.create({ model: 'gpt-5', input: 'hi', reasoning: { effort: 'high' } });
  assert.deepEqual((sent().body as Json).reasoning, { effort: 'high' });

  // Routed: the effort an agent sends on every call reaches the model only when the model takes it.
  const decision = (await (await postJson(stack.app, '/v1/route', { query: 'hi there' })).json()) as Json;
  const routed = await openai.chat.completions.create({
    model: 'auto',
    reasoning_effort: 'medium',
    messages: [{ role: 'user', content: 'hi there' }],
  });
  assert.equal(routed.model, (sent().body as Json).model);
  assert.equal(
    (sent().body as Json).reasoning_effort,
    decision.model === 'gpt-5' || decision.model === 'gpt-5-mini' ? 'medium' : undefined,
  );
});

test('an Anthropic model with a thinking budget gets extended thinking, with room for the answer and no temperature', async (t) => {
  const stack = await startProxyStack(t, { providers: ['anthropic'] });
  const { data, response } = await openaiClient(stack.url)
    .chat.completions.create({
      model: 'claude-haiku-4-5-thinking',
      max_tokens: 300,
      temperature: 0.4,
      messages: [{ role: 'user', content: 'design a rate limiter' }],
    })
    .withResponse();
  assert.equal(response.headers.get('x-router-reasoning'), 'thinking_budget=2048; source=table');
  const sent = stack.upstream.requests.at(-1)!;
  const body = sent.body as Json;
  assert.equal(sent.api, 'anthropic');
  assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: 2048 });
  assert.equal(body.max_tokens, 2348);
  assert.equal(body.temperature, undefined);
  assert.equal(data.usage?.completion_tokens, sent.usage!.output);
  assert.ok(sent.usage!.output > 64, 'thinking tokens are billed as output');

  // The Anthropic endpoint, with the client's own thinking: left alone.
  const anthropic = new Anthropic({ apiKey: 'k', baseURL: stack.url, maxRetries: 0 });
  await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(
    (stack.upstream.requests.at(-1)!.body as Json).thinking,
    undefined,
    'a model without a budget thinks only when asked',
  );
});

/** Each case changes one model of a copy of the shipped routing.json; loading the copy must fail with the message. */
function assertRoutingRefuses(t: Parameters<typeof tempDir>[0], cases: [string, Json, RegExp][]): void {
  for (const [model, setting, message] of cases) {
    const dir = tempDir(t);
    cpSync(ROUTES_DATA_DIR, dir, { recursive: true });
    const path = join(dir, 'routing.json');
    const table = JSON.parse(readFileSync(path, 'utf8')) as { models: Record<string, Json> };
    Object.assign(table.models[model]!, setting);
    writeFileSync(path, JSON.stringify(table));
    assert.throws(() => loadRoutesData(dir), message, JSON.stringify(setting));
  }
}

test("routing.json refuses reasoning settings that the model's provider cannot take", (t) => {
  const cases: [string, Json, RegExp][] = [
    ['claude-sonnet-4', { reasoning_effort: 'minimal' }, /Anthropic effort \(output_config.effort\) starts at "low"/],
    ['claude-sonnet-4', { reasoning_effort: 'low', thinking_budget: 2048 }, /reasoning_effort or thinking_budget, not both/],
    ['gpt-4o', { thinking_budget: 2048 }, /thinking_budget is for anthropic-kind providers/],
  ];
  assertRoutingRefuses(t, cases);
});

test("an Anthropic model with an effort gets output_config.effort; the client's own effort, in either API's words, wins", async (t) => {
  const stack = await startProxyStack(t, {
    providers: ['anthropic'],
    env: { ROUTES_DATA_DIR: routesDataWithReasoningTier(t, 'claude-sonnet-5-low') },
  });
  const decision = (await (await postJson(stack.app, '/v1/route', { query: 'design a rate limiter' })).json()) as Json;
  assert.equal(decision.model, 'claude-sonnet-5-low');
  assert.equal(decision.reasoning_effort, 'low', 'the decision shows it');

  const sentConfig = () => {
    const sent = stack.upstream.requests.at(-1)!;
    assert.equal(sent.api, 'anthropic');
    return (sent.body as Json).output_config;
  };
  const openai = openaiClient(stack.url);
  const { response } = await openai.chat.completions
    .create({ model: 'auto', temperature: 0.3, messages: [{ role: 'user', content: 'design a rate limiter' }] })
    .withResponse();
  assert.equal(response.headers.get('x-router-reasoning'), 'effort=low; source=table');
  assert.deepEqual(sentConfig(), { effort: 'low' }, "the routing table's effort, when the client set none");
  assert.equal((stack.upstream.requests.at(-1)!.body as Json).model, 'claude-sonnet-5');
  assert.equal(
    (stack.upstream.requests.at(-1)!.body as Json).temperature,
    0.3,
    'effort, unlike a thinking budget, keeps temperature',
  );

  // OpenAI's reasoning_effort on chat completions, and reasoning.effort on the Responses API, become Anthropic's effort.
  await openai.chat.completions.create({
    model: 'auto',
    reasoning_effort: 'high',
    messages: [{ role: 'user', content: 'design a rate limiter' }],
  });
  assert.deepEqual(sentConfig(), { effort: 'high' });
  await openai.chat.completions.create({
    model: 'auto',
    reasoning_effort: 'minimal',
    messages: [{ role: 'user', content: 'design a rate limiter' }],
  });
  assert.deepEqual(sentConfig(), { effort: 'low' }, "minimal is below Anthropic's scale: its lowest step");
  await openai.responses.create({ model: 'auto', input: 'design a rate limiter', reasoning: { effort: 'medium' } });
  assert.deepEqual(sentConfig(), { effort: 'medium' });
  await openai.responses.create({ model: 'auto', input: 'design a rate limiter' });
  assert.deepEqual(sentConfig(), { effort: 'low' });
  const stream = openai.responses.stream({ model: 'auto', input: 'design a rate limiter', reasoning: { effort: 'xhigh' } });
  await stream.finalResponse();
  assert.deepEqual(sentConfig(), { effort: 'xhigh' }, 'the streamed translation carries it too');

  // The Anthropic endpoint: the client's own output_config.effort passes through, whatever the table says.
  const anthropic = new Anthropic({ apiKey: 'k', baseURL: stack.url, maxRetries: 0 });
  await anthropic.messages.create({
    model: 'auto',
    max_tokens: 200,
    output_config: { effort: 'max' },
    messages: [{ role: 'user', content: 'design a rate limiter' }],
  });
  assert.deepEqual(sentConfig(), { effort: 'max' });
  await anthropic.messages.create({
    model: 'auto',
    max_tokens: 200,
    messages: [{ role: 'user', content: 'design a rate limiter' }],
  });
  assert.deepEqual(sentConfig(), { effort: 'low' });
  // A model that takes effort but has none in the table gets the client's, or none.
  await anthropic.messages.create({ model: 'claude-sonnet-5', max_tokens: 200, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(sentConfig(), undefined);
  await openai.chat.completions.create({
    model: 'claude-sonnet-5',
    reasoning_effort: 'medium',
    messages: [{ role: 'user', content: 'hi' }],
  });
  assert.deepEqual(sentConfig(), { effort: 'medium' });
  // Older Claude models refuse output_config.effort: without the `effort` capability a client's effort is not sent
  // (an agent that always sends one must not break on them), in either API's words.
  await openai.chat.completions.create({
    model: 'claude-sonnet-4',
    reasoning_effort: 'high',
    messages: [{ role: 'user', content: 'hi' }],
  });
  assert.equal(sentConfig(), undefined);
  await openai.responses.create({ model: 'claude-sonnet-4', input: 'hi', reasoning: { effort: 'high' } });
  assert.equal(sentConfig(), undefined);
  await anthropic.messages.create({
    model: 'claude-sonnet-4',
    max_tokens: 200,
    output_config: { effort: 'high' },
    messages: [{ role: 'user', content: 'hi' }],
  });
  assert.equal(sentConfig(), undefined);
});

/** routes-data with one more model entry (and, optionally, the entry leading every tier). */
function routesDataWithModel(t: { after: (fn: () => void) => void }, id: string, entry: Json, prices: Json): string {
  const dir = tempDir(t);
  cpSync(ROUTES_DATA_DIR, dir, { recursive: true });
  const routing = JSON.parse(readFileSync(join(dir, 'routing.json'), 'utf8')) as { models: Record<string, Json> };
  routing.models[id] = entry;
  writeFileSync(join(dir, 'routing.json'), JSON.stringify(routing));
  const priceFile = JSON.parse(readFileSync(join(dir, 'prices.json'), 'utf8')) as { models: Record<string, Json> };
  priceFile.models[id] = prices;
  writeFileSync(join(dir, 'prices.json'), JSON.stringify(priceFile));
  return dir;
}

test("a client's effort that the model does not take is moved to the nearest one it does, in each API; an unknown one is a 400", async (t) => {
  const dir = routesDataWithModel(
    t,
    'o3',
    { provider: 'openai', model: 'o3', capabilities: ['tools', 'effort'], efforts: ['low', 'medium', 'high'] },
    { input: 2, output: 8 },
  );
  const stack = await startProxyStack(t, { providers: ['openai', 'anthropic'], env: { ROUTES_DATA_DIR: dir } });
  const openai = openaiClient(stack.url);
  const sent = () => stack.upstream.requests.at(-1)!.body as Json;
  const chat = (model: string, effort: OpenAI.ReasoningEffort) =>
    openai.chat.completions.create({ model, reasoning_effort: effort, messages: [{ role: 'user', content: 'hi' }] });

  // GPT-5 takes minimal..high (the fake refuses anything else with OpenAI's 400, as before this change for xhigh and max).
  const cases: [string, OpenAI.ReasoningEffort, string][] = [
    ['gpt-5', 'xhigh', 'high'],
    ['gpt-5', 'max', 'high'],
    ['gpt-5', 'none', 'minimal'],
    ['gpt-5', 'low', 'low'],
    ['o3', 'minimal', 'low'],
    ['o3', 'max', 'high'],
  ];
  for (const [model, asked, expected] of cases) {
    await chat(model, asked);
    assert.equal(sent().reasoning_effort, expected, `${model} ${asked}`);
  }
  await openai.responses.create({ model: 'gpt-5', input: 'hi', reasoning: { effort: 'max', summary: 'auto' } });
  assert.deepEqual(sent().reasoning, { effort: 'high', summary: 'auto' }, 'the Responses API, summary kept');
  const stream = openai.responses.stream({ model: 'o3', input: 'hi', reasoning: { effort: 'none' } });
  await stream.finalResponse();
  assert.deepEqual(sent().reasoning, { effort: 'low' });

  // Anthropic's scale starts at low: none and minimal become low there.
  await chat('claude-sonnet-5', 'none');
  assert.deepEqual(sent().output_config, { effort: 'low' });
  // From an Anthropic client, max reaches an OpenAI reasoning model as its highest.
  const anthropic = new Anthropic({ apiKey: 'k', baseURL: stack.url, maxRetries: 0 });
  await anthropic.messages.create({
    model: 'gpt-5',
    max_tokens: 100,
    output_config: { effort: 'max' },
    messages: [{ role: 'user', content: 'hi' }],
  });
  assert.equal(sent().reasoning_effort, 'high');

  const calls = stack.upstream.requests.length;
  await assert.rejects(
    openai.chat.completions.create({
      model: 'gpt-5',
      reasoning_effort: 'turbo' as OpenAI.ReasoningEffort,
      messages: [{ role: 'user', content: 'hi' }],
    }),
    (error: unknown) => error instanceof OpenAI.BadRequestError && /reasoning_effort/.test(error.message),
  );
  await assert.rejects(
    anthropic.messages.create({
      model: 'claude-sonnet-5',
      max_tokens: 100,
      output_config: { effort: 'minimal' as 'low' },
      messages: [{ role: 'user', content: 'hi' }],
    }),
    (error: unknown) => error instanceof Anthropic.BadRequestError && /output_config/.test(error.message),
  );
  assert.equal(stack.upstream.requests.length, calls, 'refused before any upstream call');
});

test("routing.json: a model's efforts are on its provider's scale and hold its own reasoning_effort", (t) => {
  const cases: [string, Json, RegExp][] = [
    ['claude-sonnet-5', { efforts: ['minimal', 'low'] }, /Anthropic effort .* not minimal/],
    ['gpt-5-mini-low', { efforts: ['medium', 'high'] }, /"low" is not among the model's efforts/],
    ['gpt-5', { capabilities: ['thinking'] }, /thinking capability is for anthropic-kind providers/],
  ];
  assertRoutingRefuses(t, cases);
});

test("x-router-reasoning says what was sent and whose it was: the client's (and what it asked for), the table's, or nothing", async (t) => {
  const stack = await startProxyStack(t, {
    providers: ['openai', 'anthropic'],
    env: { ROUTES_DATA_DIR: routesDataWithReasoningTier(t) },
  });
  const openai = openaiClient(stack.url);
  const sent = () => stack.upstream.requests.at(-1)!.body as Json;
  const header = async (effort: OpenAI.ReasoningEffort | undefined, model = 'auto', stream = false) => {
    const messages = [{ role: 'user' as const, content: 'prove it' }];
    const base = effort === undefined ? { model, messages } : { model, messages, reasoning_effort: effort };
    if (!stream) return (await openai.chat.completions.create(base).withResponse()).response.headers.get('x-router-reasoning');
    const { data, response } = await openai.chat.completions.create({ ...base, stream: true }).withResponse();
    for await (const _chunk of data);
    return response.headers.get('x-router-reasoning');
  };

  // gpt-5-mini-low leads every tier: its table says low.
  assert.equal(await header(undefined), 'effort=low; source=table');
  assert.equal(await header('high'), 'effort=high; source=client', 'before this change the header said effort=low');
  assert.equal(sent().reasoning_effort, 'high');
  assert.equal(await header('max', 'auto', true), 'effort=high; source=client; requested=max');
  assert.equal(sent().reasoning_effort, 'high');
  assert.equal(await header('high', 'gpt-4o'), null, 'a model without reasoning was sent none, so nothing is shown');
  assert.equal(sent().reasoning_effort, undefined);

  const { response } = await openai.responses
    .create({ model: 'auto', input: 'prove it', reasoning: { effort: 'xhigh' } })
    .withResponse();
  assert.equal(response.headers.get('x-router-reasoning'), 'effort=high; source=client; requested=xhigh');
  assert.deepEqual(sent().reasoning, { effort: 'high' });

  const anthropic = new Anthropic({ apiKey: 'k', baseURL: stack.url, maxRetries: 0 });
  const message = await anthropic.messages
    .create({
      model: 'claude-sonnet-5',
      max_tokens: 100,
      output_config: { effort: 'max' },
      messages: [{ role: 'user', content: 'hi' }],
    })
    .withResponse();
  assert.equal(message.response.headers.get('x-router-reasoning'), 'effort=max; source=client');
  assert.deepEqual(sent().output_config, { effort: 'max' });
});

test("an Anthropic client's own thinking reaches Anthropic models that take it, as sent; others, and steps Anthropic would refuse it on, go without", async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai', 'anthropic'] });
  const anthropic = new Anthropic({ apiKey: 'k', baseURL: stack.url, maxRetries: 0 });
  const sent = () => stack.upstream.requests.at(-1)!.body as Json;
  const thinking = { type: 'enabled' as const, budget_tokens: 2048 };
  const ask = (model: string, extra: Partial<Anthropic.MessageCreateParamsNonStreaming> = {}) =>
    anthropic.messages
      .create({ model, max_tokens: 4000, thinking, messages: [{ role: 'user', content: 'design a rate limiter' }], ...extra })
      .withResponse();

  const { data, response } = await ask('claude-sonnet-4');
  assert.deepEqual(sent().thinking, thinking, 'before this change the thinking was dropped');
  assert.equal(sent().max_tokens, 4000, "the client's max_tokens already has room for its budget");
  assert.equal(response.headers.get('x-router-reasoning'), 'thinking_budget=2048; source=client');
  assert.ok(data.usage.output_tokens >= 64, 'the thinking tokens are billed as output');

  const stream = anthropic.messages.stream({
    model: 'claude-haiku-4-5',
    max_tokens: 4000,
    thinking: { type: 'adaptive' },
    messages: [{ role: 'user', content: 'hi' }],
  });
  await stream.finalMessage();
  assert.deepEqual(sent().thinking, { type: 'adaptive' }, 'streamed, and any thinking type, as the client sent it');

  // The client's thinking wins over the table's budget, as the client's effort wins over the table's effort.
  const own = await ask('claude-haiku-4-5-thinking', { thinking: { type: 'disabled' } });
  assert.deepEqual(sent().thinking, { type: 'disabled' });
  assert.equal(sent().max_tokens, 4000, 'no budget of the table was added');
  assert.equal(own.response.headers.get('x-router-reasoning'), 'thinking=disabled; source=client');

  // A model without thinking would refuse it (the fake does, as Anthropic does for Claude 3.5 Haiku): not sent.
  const old = await ask('claude-3-5-haiku');
  assert.equal(sent().thinking, undefined);
  assert.equal(old.response.headers.get('x-router-reasoning'), null);

  // OpenAI-kind models: a token budget has no counterpart in an effort, so it is dropped; the client's effort is not.
  await ask('gpt-5', { output_config: { effort: 'high' } });
  assert.equal(stack.upstream.requests.at(-1)!.api, 'openai');
  assert.equal(sent().thinking, undefined);
  assert.equal(sent().reasoning_effort, 'high');
  await ask('gpt-4o-mini');
  assert.equal(sent().thinking, undefined);
  assert.equal(sent().reasoning_effort, undefined);

  // The step after a tool call: the router's answer carried no thinking block, which Anthropic wants back when
  // thinking is on, so this step goes without (it would be a 400); a forced tool refuses manual thinking too.
  const tools = [{ name: 'read_schema', input_schema: { type: 'object' as const, properties: { db: { type: 'string' } } } }];
  const step1 = await ask('claude-sonnet-4', { tools });
  assert.deepEqual(sent().thinking, thinking);
  const call = step1.data.content.find((block) => block.type === 'tool_use');
  assert.ok(call && call.type === 'tool_use');
  await ask('claude-sonnet-4', {
    tools,
    messages: [
      { role: 'user', content: 'design a rate limiter' },
      { role: 'assistant', content: step1.data.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'tables: limits' }] },
    ],
  });
  assert.equal(sent().thinking, undefined);
  await ask('claude-sonnet-4', { tools, tool_choice: { type: 'any' } });
  assert.equal(sent().thinking, undefined);
  await ask('claude-sonnet-4', { tools, tool_choice: { type: 'any' }, thinking: { type: 'adaptive' } });
  assert.deepEqual(sent().thinking, { type: 'adaptive' }, 'adaptive thinking takes a forced tool');
});
