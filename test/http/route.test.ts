import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createApp } from '../../src/app.js';
import { silentLogger } from '../../src/logger.js';
import { testConfig } from '../support/env.js';
import { postJson, startTestService } from '../support/test-router.js';

type ErrorJson = { error: { code: string; message: string } };

test('POST /v1/route returns the decision with its evidence', async (t) => {
  const { app, router } = await startTestService(t, 'tiny-standin', { OPENAI_API_KEY: 'sk-test-openai' });
  const response = await postJson(app, '/v1/route', { query: 'please write a python function that parses ISO dates' });
  assert.equal(response.status, 200);
  const body = (await response.json()) as Record<string, any>;
  assert.match(body.decision_id, /^[0-9a-f-]{36}$/);
  assert.ok(['simple', 'medium', 'complex'].includes(body.tier));
  assert.equal(Object.keys(body.scores.tier).length, 3, 'every tier is scored');
  assert.equal(Object.keys(body.scores.intent).length, 8, 'every intent is scored, and the general region');
  assert.ok(body.top_exemplars.length > 0);
  for (const match of body.top_exemplars) {
    assert.ok(typeof match.id === 'number' && typeof match.text === 'string' && match.similarity <= 1.0001);
  }
  assert.equal(body.embedder.standin, true, 'a stand-in says so in every decision');
  assert.equal(body.embedder.id, router.embedder.id);
  assert.equal(body.exemplar_set_version, router.exemplarSet().version);
  assert.equal(body.strategy, 'balanced');
  assert.ok(body.timings_ms.total >= body.timings_ms.embed);
  assert.equal(typeof body.reason, 'string');
  // Only OpenAI has a key: the chosen model must be one of its models, and the others are marked unavailable.
  assert.equal(body.provider, 'openai');
  assert.equal(body.available, true);
  for (const fallback of body.fallbacks) assert.equal(fallback.available, fallback.provider === 'openai');
});

test('without any provider key the decision still names a model and says it is unavailable', async (t) => {
  const { app } = await startTestService(t, 'tiny-standin');
  const body = (await (await postJson(app, '/v1/route', { query: 'hello there' })).json()) as Record<string, any>;
  assert.equal(body.available, false);
  assert.equal(typeof body.model, 'string');
  assert.match(body.reason, /no candidate's provider has an API key/);
});

test('rules are reported and force the decision', async (t) => {
  const { app } = await startTestService(t, 'tiny-standin');
  const body = (await (await postJson(app, '/v1/route', { query: 'hola, ¿qué tal?' })).json()) as Record<string, any>;
  assert.equal(body.intent, 'smalltalk');
  assert.equal(body.tier, 'simple');
  assert.deepEqual(
    body.rule_hits.map((hit: { id: string }) => hit.id),
    ['greeting-es'],
  );
});

test('messages: the last user turn is routed, images restrict candidates to vision models', async (t) => {
  const { app } = await startTestService(t, 'tiny-standin', {
    OPENAI_API_KEY: 'k',
    ANTHROPIC_API_KEY: 'k',
    GEMINI_API_KEY: 'k',
    XAI_API_KEY: 'k',
  });
  const response = await postJson(app, '/v1/route', {
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'Hello! How can I help?' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'what is in this picture?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        ],
      },
    ],
  });
  assert.equal(response.status, 200);
  const body = (await response.json()) as Record<string, any>;
  const vision = new Set(['gpt-4o-mini', 'gpt-4o', 'claude-sonnet-4', 'gemini-1.5-flash', 'gemini-1.5-pro']);
  assert.ok(vision.has(body.model), `${body.model} cannot see images`);
  for (const fallback of body.fallbacks) assert.ok(vision.has(fallback.model), `${fallback.model} cannot see images`);
});

test('strategies: quality never picks a cheaper tier than cost for the same query', async (t) => {
  const { app } = await startTestService(t, 'tiny-standin');
  const order = ['simple', 'medium', 'complex'];
  for (const query of ['compare two databases for my project', 'what time is it', 'design a distributed cache']) {
    const tiers: Record<string, string> = {};
    for (const strategy of ['cost_optimized', 'balanced', 'quality_optimized']) {
      const body = (await (await postJson(app, '/v1/route', { query, strategy })).json()) as Record<string, any>;
      assert.equal(body.strategy, strategy);
      tiers[strategy] = body.scored_tier;
    }
    assert.ok(order.indexOf(tiers.cost_optimized!) <= order.indexOf(tiers.balanced!));
    assert.ok(order.indexOf(tiers.balanced!) <= order.indexOf(tiers.quality_optimized!));
  }
});

test('a session does not drop to a lower tier within its TTL', async (t) => {
  const { app } = await startTestService(t, 'tiny-standin');
  const long = `${'Please analyse this carefully. '.repeat(40)}`;
  const first = (await (await postJson(app, '/v1/route', { query: long, session_id: 's-1' })).json()) as Record<string, any>;
  assert.notEqual(first.tier, 'simple', 'the long-request rule keeps 150+ words off simple');
  const second = (await (await postJson(app, '/v1/route', { query: 'thanks!', session_id: 's-1' })).json()) as Record<
    string,
    any
  >;
  assert.equal(second.tier, first.tier);
  assert.ok(second.adjustments.some((step: string) => step.startsWith('session')));
  const other = (await (await postJson(app, '/v1/route', { query: 'thanks!', session_id: 's-2' })).json()) as Record<string, any>;
  assert.equal(other.tier, 'simple');
});

test('POST /v1/route/batch routes each query and enforces the batch limit', async (t) => {
  const { app } = await startTestService(t, 'tiny-standin', { ROUTE_BATCH_MAX: '3' });
  const ok = await postJson(app, '/v1/route/batch', { queries: ['hi', 'hola', 'what is 2+2'] });
  assert.equal(ok.status, 200);
  const body = (await ok.json()) as { decisions: { intent: string }[] };
  assert.equal(body.decisions.length, 3);
  assert.equal(body.decisions[0]!.intent, 'smalltalk');
  const tooMany = await postJson(app, '/v1/route/batch', { queries: ['a', 'b', 'c', 'd'] });
  assert.equal(tooMany.status, 400);
  assert.match(((await tooMany.json()) as ErrorJson).error.message, /^queries: at most 3 queries/);
});

test('bad input gets a 4xx with a stable code and a message naming the field', async (t) => {
  const { app } = await startTestService(t, 'tiny-standin', { MAX_QUERY_CHARS: '100', MAX_BODY_BYTES: '2000' });
  const cases: { body: unknown; status: number; code: string; message: RegExp }[] = [
    { body: '{"query": "unterminated', status: 400, code: 'invalid_json', message: /not valid JSON/ },
    { body: '', status: 400, code: 'invalid_request', message: /empty/ },
    { body: '[1,2]', status: 400, code: 'invalid_request', message: /object/ },
    { body: {}, status: 400, code: 'invalid_request', message: /exactly one of "query"/ },
    { body: { query: 42 }, status: 400, code: 'invalid_request', message: /^query: / },
    { body: { query: '   ' }, status: 400, code: 'invalid_request', message: /^query: must not be empty/ },
    { body: { query: 'x'.repeat(101) }, status: 400, code: 'invalid_request', message: /^query: longer than 100 characters/ },
    { body: { query: 'hi', strategy: 'cheapest' }, status: 400, code: 'invalid_request', message: /^strategy: / },
    {
      body: { query: 'hi', messages: [{ role: 'user', content: 'hi' }] },
      status: 400,
      code: 'invalid_request',
      message: /exactly one/,
    },
    { body: { messages: [] }, status: 400, code: 'invalid_request', message: /^messages: must hold at least one/ },
    { body: { messages: [{ role: 'system', content: 'x' }] }, status: 400, code: 'invalid_request', message: /role "user"/ },
    {
      body: { messages: [{ role: 'wizard', content: 'x' }] },
      status: 400,
      code: 'invalid_request',
      message: /^messages\[0\]\.role/,
    },
    {
      body: { messages: [{ role: 'user' }] },
      status: 400,
      code: 'invalid_request',
      message: /^messages: no user message has any text/,
    },
    {
      body: {
        messages: [
          { role: 'user', content: '  ' },
          { role: 'user', content: null },
        ],
      },
      status: 400,
      code: 'invalid_request',
      message: /no user message has any text/,
    },
    {
      body: {
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:,' } }] },
        ],
      },
      status: 400,
      code: 'invalid_request',
      message: /no user message has any text/,
    },
    { body: { query: '\ud800' }, status: 400, code: 'invalid_request', message: /^query: is not valid Unicode/ },
    { body: { query: 'ok then \udfff' }, status: 400, code: 'invalid_request', message: /^query: is not valid Unicode/ },
    {
      body: { messages: [{ role: 'user', content: 'a\udc00' }] },
      status: 400,
      code: 'invalid_request',
      message: /^messages\[0\]\.content: is not valid Unicode/,
    },
    {
      body: { messages: [{ role: 'user', content: [{ type: 'text', text: '\ud83d' }] }] },
      status: 400,
      code: 'invalid_request',
      message: /^messages\[0\]\.content\[0\]\.text: is not valid Unicode/,
    },
    { body: { query: 'hi', colour: 'blue' }, status: 400, code: 'invalid_request', message: /colour/ },
    { body: { query: 'x'.repeat(3000) }, status: 413, code: 'payload_too_large', message: /MAX_BODY_BYTES/ },
  ];
  for (const { body, status, code, message } of cases) {
    const response = await postJson(app, '/v1/route', body);
    const json = (await response.json()) as ErrorJson;
    assert.equal(response.status, status, `${JSON.stringify(body).slice(0, 60)} -> ${JSON.stringify(json)}`);
    assert.equal(json.error.code, code, JSON.stringify(json));
    assert.match(json.error.message, message);
    assert.doesNotMatch(json.error.message, /\n\s+at /, 'no stack traces');
  }
  const batch = await postJson(app, '/v1/route/batch', { queries: ['fine', '\ud800'] });
  assert.equal(batch.status, 400);
  assert.match(((await batch.json()) as ErrorJson).error.message, /^queries\[1\]: is not valid Unicode/);
  // Paired surrogates are an ordinary character; an earlier user turn with text is enough to route on.
  assert.equal((await postJson(app, '/v1/route', { query: 'nice \ud83d\ude00' })).status, 200);
  const history = [
    { role: 'user', content: 'how do I cancel my order?' },
    { role: 'assistant', content: 'Which one?' },
    { role: 'user', content: '' },
  ];
  assert.equal((await postJson(app, '/v1/route', { messages: history })).status, 200);
  // The service keeps serving after all that.
  assert.equal((await postJson(app, '/v1/route', { query: 'still there?' })).status, 200);
});

test('unknown paths get a JSON 404', async (t) => {
  const { app } = await startTestService(t, 'tiny-standin');
  const response = await app.request('/v1/nothing');
  assert.equal(response.status, 404);
  assert.equal(((await response.json()) as ErrorJson).error.code, 'not_found');
});

test('health: /healthz is alive at once, /readyz and every service route say not ready until the router is loaded', async () => {
  const app = createApp({
    config: testConfig({ ADMIN_API_KEY: 'admin-key-0123456789' }),
    logger: silentLogger,
    services: () => undefined,
  });
  assert.equal((await app.request('/healthz')).status, 200);
  assert.equal((await app.request('/dashboard')).status, 200, 'the page itself loads; its API calls say not ready');
  const ready = await app.request('/readyz');
  assert.equal(ready.status, 503);
  assert.equal(((await ready.json()) as ErrorJson).error.code, 'not_ready');
  const admin = { authorization: 'Bearer admin-key-0123456789' };
  // Every route the app registers, read from the app itself: a new route under a service group is checked without
  // being listed here, and a route outside the groups must be one of the few that need no services.
  const routes = app.routes.filter((route) => route.method !== 'ALL');
  const SERVICE_GROUPS = ['/v1/', '/admin/', '/dashboard/api/'];
  const outside = routes.filter((route) => !SERVICE_GROUPS.some((group) => route.path.startsWith(group)));
  assert.deepEqual(
    outside.map((route) => `${route.method} ${route.path}`).sort(),
    ['GET /dashboard', 'GET /dashboard/assets/:name', 'GET /healthz', 'GET /metrics', 'GET /readyz'],
    'a route outside /v1/*, /admin/* and /dashboard/api/* does not pass through ready(): it must not read the services',
  );
  const inside = routes.filter((route) => !outside.includes(route));
  assert.ok(inside.length >= 25, `the service routes were found (${inside.length})`);
  for (const { method, path: pattern } of inside) {
    const path = pattern.replace(/:[a-z_]+/g, '1');
    const response = await app.request(path, {
      method,
      headers: { 'content-type': 'application/json', ...(path.startsWith('/admin/') ? admin : {}) },
      body: method === 'GET' ? null : '{}',
    });
    assert.equal(response.status, 503, `${method} ${pattern}`);
    assert.match(JSON.stringify(await response.json()), /not_ready/, `${method} ${pattern}`);
  }
  // Authentication comes first: a caller without the admin key learns nothing about the service's state.
  assert.equal((await app.request('/admin/exemplars')).status, 401);
});

test('/readyz reports the embedder and the exemplar counts per label', async (t) => {
  const { app, router } = await startTestService(t, 'tiny-standin');
  const response = await app.request('/readyz');
  assert.equal(response.status, 200);
  const body = (await response.json()) as Record<string, any>;
  assert.equal(body.embedder.id, router.embedder.id);
  assert.equal(body.embedder.dim, 32);
  assert.equal(body.embedder.standin, true);
  assert.equal(body.exemplars.version, router.exemplarSet().version);
  for (const tier of ['simple', 'medium', 'complex']) assert.ok(body.exemplars.counts.tier[tier] >= 40);
  for (const intent of ['smalltalk', 'sales', 'support', 'faq', 'code', 'math', 'writing']) {
    assert.ok(body.exemplars.counts.intent[intent] >= 25 + 15);
  }
  assert.ok(body.exemplars.by_lang.es > 0 && body.exemplars.by_lang.en > 0);
});
