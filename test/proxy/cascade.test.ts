import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import { loadRoutesData } from '../../src/routes-config/load-routes-data.js';
import { ROUTES_DATA_DIR } from '../support/env.js';
import { startProxyStack } from '../support/proxy-stack.js';
import { postJson } from '../support/test-router.js';

const prices = loadRoutesData(ROUTES_DATA_DIR).prices.models;
const cost = (model: string, usage: { input: number; output: number }) =>
  (usage.input * prices[model]!.input + usage.output * prices[model]!.output) / 1_000_000;

// A code request: no intent policy or rule clamps its tier, so a cascade answer shows in the final tier unchanged.
const QUERY = 'write a python function that merges two sorted lists into one sorted list';

// A margin of at most 2 separates any two cosine scores: with this threshold every query is uncertain enough to ask.
const ALWAYS = { CASCADE_MODEL: 'gpt-4o-mini', CASCADE_MAX_MARGIN: '2' };

interface RouteBody {
  tier: string;
  scored_tier: string;
  adjustments: string[];
  rule_hits: { id: string; set: Record<string, string> }[];
  margins: { tier: number };
  cascade: null | {
    model: string;
    outcome: string;
    tier: string | null;
    answer: string | null;
    cost_usd: number | null;
    input_tokens: number;
  };
}

async function route(app: Parameters<typeof postJson>[0], query = QUERY) {
  const response = await postJson(app, '/v1/route', { query });
  assert.equal(response.status, 200);
  return { body: (await response.json()) as RouteBody, headers: response.headers };
}

/** A tier the kNN did not pick, so a cascade answer of it is visible. */
const otherThan = (tier: string) => (tier === 'complex' ? 'medium' : 'complex');

test('cascade is off by default: no upstream call, no cascade evidence', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai'] });
  const { body, headers } = await route(stack.app);
  assert.equal(body.cascade, null);
  assert.equal(headers.get('x-router-cascade'), null);
  assert.ok(!body.adjustments.some((step) => step.startsWith('cascade')));
  assert.equal(stack.upstream.requests.length, 0, 'routing alone called no model');
});

test('cascade: garbage falls back to the kNN tier, a valid answer replaces it, and the cache answers the repeat', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai'], env: ALWAYS });

  // The fake's default answer ("Answer from gpt-4o-mini: ...") is not a tier.
  const garbage = await route(stack.app);
  assert.ok(
    !garbage.body.rule_hits.some((hit) => hit.set.tier ?? hit.set.min_tier ?? hit.set.max_tier),
    'no rule moves this tier',
  );
  assert.equal(garbage.body.cascade?.outcome, 'invalid_answer');
  assert.equal(garbage.body.cascade?.tier, null);
  assert.match(garbage.body.cascade?.answer ?? '', /^Answer from /, 'the max_tokens cap cut the answer');
  assert.equal(garbage.body.tier, garbage.body.scored_tier, 'the kNN tier stands');
  assert.ok(garbage.body.adjustments.some((step) => step.startsWith('cascade gpt-4o-mini gave no tier (invalid_answer')));
  assert.equal(garbage.headers.get('x-router-cascade'), 'invalid_answer');
  assert.equal(garbage.headers.get('x-router-cascade-tier'), null);
  assert.equal(stack.upstream.requests.length, 1);

  const sent = stack.upstream.requests[0]!;
  const body = sent.body as { model: string; max_tokens: number; messages: { role: string; content: string }[] };
  assert.equal(body.model, 'gpt-4o-mini');
  assert.equal(body.max_tokens, 5);
  assert.deepEqual(
    body.messages.map((message) => message.role),
    ['system', 'user'],
  );
  assert.equal(body.messages[1]!.content, QUERY, 'the query goes as the user message, the instruction as the system one');
  assert.ok(
    Math.abs(garbage.body.cascade.cost_usd! - cost('gpt-4o-mini', sent.usage!)) < 1e-12,
    'even a useless answer is paid for',
  );

  const wanted = otherThan(garbage.body.scored_tier);
  stack.upstream.fail({ type: 'reply', text: ` ${wanted[0]!.toUpperCase()}${wanted.slice(1)}.` });
  const answered = await route(stack.app);
  assert.equal(answered.body.cascade?.outcome, 'answered');
  assert.equal(answered.body.cascade?.tier, wanted);
  assert.equal(answered.body.scored_tier, garbage.body.scored_tier, 'scored_tier stays the kNN tier');
  assert.equal(answered.body.tier, wanted);
  assert.ok(
    answered.body.adjustments.includes(
      `cascade gpt-4o-mini chose ${wanted} over ${answered.body.scored_tier} (tier margin ${answered.body.margins.tier.toFixed(3)} under 2)`,
    ),
  );
  assert.equal(answered.headers.get('x-router-cascade'), 'answered');
  assert.equal(answered.headers.get('x-router-cascade-tier'), wanted);
  assert.equal(answered.headers.get('x-router-cascade-model'), 'gpt-4o-mini');
  const paid = cost('gpt-4o-mini', stack.upstream.requests[1]!.usage!);
  assert.ok(paid > 0);
  assert.ok(Math.abs(Number(answered.headers.get('x-router-cascade-cost-usd')) - paid) < 1e-9);
  assert.equal(stack.upstream.requests.length, 2);

  const repeat = await route(stack.app, `  ${QUERY}  `);
  assert.equal(repeat.body.cascade?.outcome, 'cached');
  assert.equal(repeat.body.cascade?.tier, wanted);
  assert.equal(repeat.body.cascade?.cost_usd, 0);
  assert.equal(repeat.body.tier, wanted);
  assert.ok(repeat.body.adjustments.some((step) => step.startsWith(`cascade gpt-4o-mini (cached) chose ${wanted}`)));
  assert.equal(stack.upstream.requests.length, 2, 'the cache answered: no second call');
});

test('cascade: a timeout and an upstream error keep the kNN tier, and are not cached', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai'], env: { ...ALWAYS, CASCADE_TIMEOUT_MS: '150' } });

  stack.upstream.fail({ type: 'delay', ms: 3000 });
  const late = await route(stack.app);
  assert.equal(late.body.cascade?.outcome, 'timeout');
  assert.equal(late.body.cascade?.tier, null);
  assert.equal(late.body.tier, late.body.scored_tier);
  assert.ok(late.body.adjustments.some((step) => step.startsWith('cascade gpt-4o-mini gave no tier (timeout')));
  assert.equal(late.headers.get('x-router-cascade'), 'timeout');

  stack.upstream.fail({ type: 'status', status: 500 });
  const broken = await route(stack.app);
  assert.equal(broken.body.cascade?.outcome, 'upstream_error');
  assert.equal(broken.body.tier, broken.body.scored_tier);

  stack.upstream.fail({ type: 'reply', text: 'simple' });
  const third = await route(stack.app);
  assert.equal(third.body.cascade?.outcome, 'answered', 'failures were not cached: the third route asked again');
  assert.equal(stack.upstream.requests.length, 3);
});

test('cascade: not asked when the tier margin is at or above the threshold', async (t) => {
  const stack = await startProxyStack(t, {
    providers: ['openai'],
    env: { CASCADE_MODEL: 'gpt-4o-mini', CASCADE_MAX_MARGIN: '0' },
  });
  const { body } = await route(stack.app);
  assert.equal(body.cascade, null);
  assert.equal(stack.upstream.requests.length, 0);
});

test('cascade on a proxied call: headers say it was used, and its cost is part of the ledger cost', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai'], env: ALWAYS });
  stack.upstream.fail({ type: 'reply', text: 'complex' });
  const client = new OpenAI({ apiKey: 'router-client-key', baseURL: `${stack.url}/v1`, maxRetries: 0 });
  const { data, response } = await client.chat.completions
    .create({ model: 'auto', messages: [{ role: 'user', content: QUERY }] })
    .withResponse();
  assert.match(data.choices[0]!.message.content ?? '', /^Answer from /);
  assert.equal(response.headers.get('x-router-cascade'), 'answered');
  assert.equal(response.headers.get('x-router-cascade-tier'), 'complex');
  assert.equal(response.headers.get('x-router-tier'), 'complex');
  assert.equal(stack.upstream.requests.length, 2, 'one cascade call, one answer');

  const [asked, answered] = stack.upstream.requests;
  const answeredModel = response.headers.get('x-router-model')!;
  const cascadeCost = cost('gpt-4o-mini', asked!.usage!);
  const answerCost = cost(answeredModel, answered!.usage!);
  assert.ok(Math.abs(Number(response.headers.get('x-router-cascade-cost-usd')) - cascadeCost) < 1e-9);
  assert.ok(Math.abs(Number(response.headers.get('x-router-cost-usd')) - (cascadeCost + answerCost)) < 1e-9);
  const row = stack.proxy.services.ledger.get(response.headers.get('x-router-decision-id')!)!;
  assert.equal(row.tier, 'complex');
  assert.ok(Math.abs((row.cost_usd as number) - (cascadeCost + answerCost)) < 1e-12, 'the ledger cost includes the cascade');

  // Metrics count the consultation under the cascade's model, and only the answer under the answering one.
  const metrics = await (await stack.app.request('/metrics')).text();
  assert.match(metrics, /router_cascade_total\{model="gpt-4o-mini",outcome="answered"\} 1/);
  const spent = (model: string) => Number(new RegExp(`router_cost_usd_total\\{model="${model}"\\} (\\S+)`).exec(metrics)?.[1]);
  assert.ok(Math.abs(spent('gpt-4o-mini') - cascadeCost) < 1e-12);
  assert.ok(Math.abs(spent(answeredModel) - answerCost) < 1e-12);
});

test('cascade: a CASCADE_MODEL that is not in the routing table stops the boot', async (t) => {
  await assert.rejects(
    startProxyStack(t, { providers: ['openai'], env: { CASCADE_MODEL: 'gpt-5-nano' } }),
    /cascade model "gpt-5-nano" is not in the routing table/,
  );
});
