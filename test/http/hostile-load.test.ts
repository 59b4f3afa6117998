import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EMBED_INPUT_CHARS } from '../../src/embedding/input-limit.js';
import type { Embedder } from '../../src/embedding/embedder.js';
import { loadersWithThreads } from '../../src/embedding/fast-path.js';
import { withMicroBatching } from '../../src/embedding/micro-batcher.js';
import type { PooledEmbedder } from '../../src/embedding/minilm-pool.js';
import { loadUseLiteEmbedder } from '../../src/embedding/use-lite.js';
import { RouterService } from '../../src/router-service.js';
import { DecisionMemory } from '../../src/routing/decision-memory.js';
import { SessionMemory } from '../../src/routing/session-memory.js';
import { keyEchoes, keyLeaks } from '../support/key-echoes.js';
import { startProxyStack, UPSTREAM_KEY } from '../support/proxy-stack.js';
import { postJson, startTestService, type TestService } from '../support/test-router.js';

/**
 * The findings of issue #16 ("hold under hostile load"), each replayed against
 * the real app: what a hostile client or a failing upstream did then, and what
 * the service must do now. Memory and latency under load are measured in the
 * bench (`npm run bench -- --only hostile`), not here.
 */

const CLIENT_A = 'client-key-alpha-0001';
const CLIENT_B = 'client-key-bravo-0002';
const ADMIN_KEY = 'hostile-load-admin-key-0123456789';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const user = (content: string) => ({ role: 'user', content });

async function json<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

test('finding 3: five proxied calls with one x-request-id leave five ledger rows, each with our own decision id', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai'] });
  const decisionIds: string[] = [];
  for (let i = 0; i < 5; i++) {
    const response = await postJson(
      stack.app,
      '/v1/chat/completions',
      { model: 'auto', messages: [user(`what is ${i} plus ${i}?`)] },
      { 'x-request-id': 'order-12345678' },
    );
    assert.equal(response.status, 200, await response.clone().text());
    decisionIds.push(response.headers.get('x-router-decision-id')!);
    assert.equal(response.headers.get('x-request-id'), response.headers.get('x-router-decision-id'));
  }
  assert.equal(stack.upstream.requests.length, 5);
  assert.equal(new Set(decisionIds).size, 5);
  for (const id of decisionIds) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const stats = await json<{ requests: number }>(await stack.app.request('/v1/stats'));
  assert.equal(stats.requests, 5);
  const rows = stack.store.db.prepare('SELECT decision_id FROM requests WHERE client_request_id = ?').all('order-12345678');
  assert.equal(rows.length, 5, 'the client id is recorded beside ours on every row');
  assert.ok(!stack.logLines.some((line) => line.includes('UNIQUE constraint failed')));
  assert.ok(
    stack.logLines.some((line) => line.includes('"client_request_id":"order-12345678"')),
    'the client id is in the logs',
  );
});

async function keyedService(t: Parameters<typeof startTestService>[0], env: Record<string, string> = {}): Promise<TestService> {
  return startTestService(t, 'tiny-standin', { CLIENT_API_KEYS: `${CLIENT_A},${CLIENT_B}`, ADMIN_API_KEY: ADMIN_KEY, ...env });
}

test('finding 4: feedback on a decision is taken only from the key that made it (or the admin key), and never echoes its prompt to another key', async (t) => {
  const service = await keyedService(t);
  const secret = 'my account number is 4929-1234 and my refund failed';
  const routed = await json<{ decision_id: string }>(
    await postJson(service.app, '/v1/route', { query: secret }, { ...bearer(CLIENT_A), 'x-request-id': 'order-12345678' }),
  );
  assert.notEqual(routed.decision_id, 'order-12345678');

  for (const decisionId of [routed.decision_id, 'order-12345678']) {
    const stolen = await postJson(
      service.app,
      '/v1/feedback',
      { decision_id: decisionId, expected: { intent: 'faq' } },
      bearer(CLIENT_B),
    );
    const text = await stolen.text();
    assert.equal(stolen.status, 404, text);
    assert.ok(!text.includes('4929'), `another key got the prompt back: ${text}`);
  }
  assert.equal(
    (await postJson(service.app, '/v1/feedback', { decision_id: routed.decision_id, rating: 1 }, bearer(CLIENT_B))).status,
    404,
  );

  // The owner's correction is taken, but with LEDGER_STORE_PROMPTS off the remembered query is not stored.
  const own = await postJson(
    service.app,
    '/v1/feedback',
    { decision_id: routed.decision_id, expected: { intent: 'faq' } },
    bearer(CLIENT_A),
  );
  assert.equal(own.status, 201);
  const ownBody = await json<{ feedback: { query: string | null; decided_intent: string | null } }>(own);
  assert.equal(ownBody.feedback.query, null);
  assert.ok(ownBody.feedback.decided_intent !== null);
  assert.equal(
    (await postJson(service.app, '/v1/feedback', { decision_id: routed.decision_id, rating: 4 }, bearer(ADMIN_KEY))).status,
    201,
  );
  const stored = service.store.db.prepare('SELECT query FROM feedback').all() as { query: string | null }[];
  assert.deepEqual(
    stored.map((row) => row.query),
    [null, null],
  );
});

test("finding 4: with LEDGER_STORE_PROMPTS on, the owner's correction carries the remembered query", async (t) => {
  const service = await keyedService(t, { LEDGER_STORE_PROMPTS: 'true' });
  const routed = await json<{ decision_id: string }>(
    await postJson(service.app, '/v1/route', { query: 'where is my parcel?' }, bearer(CLIENT_A)),
  );
  const own = await json<{ feedback: { query: string | null } }>(
    await postJson(
      service.app,
      '/v1/feedback',
      { decision_id: routed.decision_id, expected: { intent: 'support' } },
      bearer(CLIENT_A),
    ),
  );
  assert.equal(own.feedback.query, 'where is my parcel?');
  assert.equal(
    (
      await postJson(
        service.app,
        '/v1/feedback',
        { decision_id: routed.decision_id, expected: { intent: 'faq' } },
        bearer(CLIENT_B),
      )
    ).status,
    404,
  );
});

test('finding 6: with only gpt-4o-mini failing, its breaker opens alone and healthy gpt-4o keeps answering; x-router-attempts counts real calls', async (t) => {
  const stack = await startProxyStack(t, {
    providers: ['openai'],
    env: { BREAKER_FAILURE_THRESHOLD: '2', BREAKER_COOLDOWN_MS: '600000' },
  });
  const candidates = (await stack.candidatesFor('hi')).map((candidate) => candidate.model);
  assert.deepEqual(candidates.slice(0, 2), ['gpt-4o-mini', 'gpt-4o'], 'the test needs gpt-4o-mini first and gpt-4o next');
  stack.upstream.failModel('gpt-4o-mini', { type: 'status', status: 500 });

  const attempts: string[] = [];
  for (let i = 0; i < 8; i++) {
    const response = await postJson(stack.app, '/v1/chat/completions', { model: 'auto', messages: [user('hi')] });
    assert.equal(response.status, 200, await response.clone().text());
    assert.equal(response.headers.get('x-router-model'), 'gpt-4o');
    attempts.push(response.headers.get('x-router-attempts')!);
  }
  const calls = (model: string) =>
    stack.upstream.requests.filter((request) => (request.body as { model?: string }).model === model).length;
  assert.equal(calls('gpt-4o-mini'), 2, 'the failing model is called until its own breaker opens, then not at all');
  assert.equal(calls('gpt-4o'), 8);
  assert.deepEqual(attempts, ['2', '2', '1', '1', '1', '1', '1', '1'], 'a skipped candidate is not an attempt');
  const row = stack.store.db.prepare('SELECT attempts FROM requests ORDER BY created_at DESC LIMIT 1').get() as {
    attempts: string;
  };
  assert.deepEqual(
    (JSON.parse(row.attempts) as { model: string; status: string }[]).map((attempt) => [attempt.model, attempt.status]),
    [
      ['gpt-4o-mini', 'skipped'],
      ['gpt-4o', 'ok'],
    ],
  );

  // /metrics shows which breaker is open: the failing model's, not its provider's nor its healthy sibling's.
  const metrics = await (await stack.app.request('/metrics')).text();
  const circuit = (labels: string) => new RegExp(`^router_circuit_state\\{${labels}\\} (\\d)$`, 'm').exec(metrics)?.[1];
  assert.equal(circuit('provider="openai",model="gpt-4o-mini"'), '2');
  assert.equal(circuit('provider="openai",model="gpt-4o"'), '0');
  assert.equal(circuit('provider="openai"'), '0', 'the transport breaker stays closed: the upstream answered');
  assert.equal(circuit('provider="anthropic",model="claude-3-5-haiku"'), '0', 'every model of the routing table is reported');
});

test('finding 7: failed authentications count against the address (429 after a burst), valid keys still pass; the clock is injected', async (t) => {
  let now = 1_000_000;
  const service = await startTestService(
    t,
    'tiny-standin',
    { CLIENT_API_KEYS: CLIENT_A, ADMIN_API_KEY: ADMIN_KEY, AUTH_FAILURE_BURST: '5', AUTH_FAILURE_PER_MINUTE: '6' },
    { now: () => now },
  );
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++) statuses.push((await service.app.request('/v1/models', { headers: bearer(`guess-${i}`) })).status);
  assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429, 429]);
  const limited = await service.app.request('/admin/exemplars', { headers: bearer('admin-guess-0123456789') });
  assert.equal(limited.status, 429);
  assert.equal((await json<{ error: { code: string } }>(limited)).error.code, 'rate_limited');
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  assert.equal(
    (await service.app.request('/v1/models', { headers: bearer(CLIENT_A) })).status,
    200,
    'a valid key is not held back',
  );
  now += 10_000; // 6 a minute: one more guess after 10 s
  assert.equal((await service.app.request('/v1/models', { headers: bearer('guess-late') })).status, 401);
  assert.equal((await service.app.request('/v1/models', { headers: bearer('guess-later') })).status, 429);
});

test('finding 7: the dashboard API is rate limited like the client API', async (t) => {
  let now = 5_000_000;
  const service = await startTestService(
    t,
    'tiny-standin',
    { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '2' },
    { now: () => now },
  );
  const estimate = () =>
    postJson(service.app, '/dashboard/api/estimate', { text: 'x'.repeat(30_000), output_tokens: 10, models: ['gpt-4o'] });
  assert.deepEqual(
    [(await estimate()).status, (await service.app.request('/dashboard/api/prices')).status, (await estimate()).status],
    [200, 200, 429],
  );
  now += 1_000;
  assert.equal((await estimate()).status, 200);
});

test('finding 9: unknown asset names are 404, inherited names included; admin search folds case for all of Unicode', async (t) => {
  const service = await startTestService(t, 'tiny-standin', { ADMIN_API_KEY: ADMIN_KEY });
  for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'nope.js']) {
    assert.equal((await service.app.request(`/dashboard/assets/${name}`)).status, 404, name);
  }
  assert.equal((await service.app.request('/dashboard/assets/dashboard.css')).status, 200);
  const search = async (q: string) =>
    json<{ total: number; items: { id: number }[] }>(
      await service.app.request(`/admin/exemplars?q=${encodeURIComponent(q)}&limit=1000`, { headers: bearer(ADMIN_KEY) }),
    );
  const lower = await search('qué');
  assert.ok(lower.total > 0);
  for (const variant of ['QUÉ', 'Qué', 'que\u0301', 'QUE\u0301']) {
    const found = await search(variant);
    assert.deepEqual(
      found.items.map((item) => item.id),
      lower.items.map((item) => item.id),
      variant,
    );
  }
});

/** Records what reaches the model. */
function recording(inner: Embedder): { embedder: Embedder; texts: string[] } {
  const texts: string[] = [];
  return {
    texts,
    embedder: {
      ...inner,
      embed: (batch, options) => {
        texts.push(...batch);
        return inner.embed(batch, options);
      },
    },
  };
}

test('finding 1: only what the embedder reads is embedded, on every path (query, last turn, history turns)', async (t) => {
  const service = await startTestService(t, 'tiny-standin');
  const { embedder, texts } = recording(service.router.embedder);
  const router = new RouterService({
    embedder,
    store: service.store,
    routesData: service.routesData,
    sessions: new SessionMemory(60_000, 100),
    defaultStrategy: 'balanced',
    isProviderAvailable: () => true,
  });
  const limit = EMBED_INPUT_CHARS.minilm;
  const long = (seed: string) => `${seed} ${'\u4e2d\u6587\u{1F600} lorem '.repeat(4_000)}`;
  await router.route({ query: long('query') });
  await router.route({ messages: [user(long('first turn')), { role: 'assistant', content: 'ok' }, user(long('second turn'))] });
  assert.ok(texts.length >= 3, `${texts.length} texts embedded`);
  for (const text of texts) {
    assert.ok(text.length <= limit, `a text of ${text.length} characters reached the embedder (limit ${limit})`);
    assert.ok(!/[\uD800-\uDBFF]$/.test(text), 'a surrogate pair was split');
  }
});

test('finding 1: a request whose deadline passes withdraws its queued embeddings', async (t) => {
  const service = await startTestService(t, 'tiny-standin');
  const seen: string[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const slow: Embedder = {
    ...service.router.embedder,
    embed: async (batch) => {
      seen.push(...batch);
      await gate;
      return service.router.embedder.embed(batch);
    },
  };
  const router = new RouterService({
    embedder: withMicroBatching(slow, { maxBatch: 1, windowMs: 0 }),
    store: service.store,
    routesData: service.routesData,
    sessions: new SessionMemory(60_000, 100),
    defaultStrategy: 'balanced',
    isProviderAvailable: () => true,
  });
  const busy = router.route({ query: 'the request that holds the model' });
  const deadline = new AbortController();
  const late = Promise.all(
    ['one', 'two', 'three'].map((query) => router.route({ query: `queued ${query}`, signal: deadline.signal })),
  );
  await new Promise((resolve) => setImmediate(resolve));
  deadline.abort(new Error('request deadline passed'));
  await assert.rejects(late, /request deadline passed/);
  release();
  await busy;
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(seen, ['the request that holds the model']);
});

test('finding 2: session and decision memories are bounded in bytes, whatever the length of what clients send', () => {
  const sessions = new SessionMemory(60_000, 1_000_000, () => 0, 64 * 1024);
  for (let i = 0; i < 5_000; i++) sessions.remember(`${'\u00e9\u4e2d'.repeat(120)}-${i}`, 'simple');
  assert.ok(sessions.bytes <= 64 * 1024, `${sessions.bytes} bytes`);
  assert.ok(sessions.size > 100 && sessions.size < 5_000);
  assert.equal(sessions.floor(`${'\u00e9\u4e2d'.repeat(120)}-4999`), 'simple', 'the most recent session is remembered');

  const decisions = new DecisionMemory(1_000_000, 256 * 1024);
  for (let i = 0; i < 2_000; i++) {
    decisions.remember(`decision-${i}`, { query: '\u4e2d'.repeat(2048), tier: 'simple', intent: 'faq', at: 0, owner: undefined });
  }
  assert.ok(decisions.bytes <= 256 * 1024, `${decisions.bytes} bytes`);
  assert.ok(decisions.recall('decision-1999') !== undefined);
  assert.equal(decisions.recall('decision-0'), undefined);
});

test('finding 8: a provider key echoed by an upstream is redacted in every case and encoding, in the answer, the ledger and the logs', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai'] });
  const echoes = keyEchoes(UPSTREAM_KEY);
  const leaks = (text: string) => keyLeaks(UPSTREAM_KEY, text);

  // A 500 that echoes them (falls back, so it is recorded as an attempt), then a 400 that echoes them (comes back to the client).
  const message = `invalid credentials: ${echoes.join(' | ')}`;
  stack.upstream.fail({ type: 'status', status: 500, message }, { type: 'status', status: 400, message });
  const response = await postJson(stack.app, '/v1/chat/completions', { model: 'auto', messages: [user('hi')] });
  const answer = await response.text();
  assert.equal(response.status, 400, answer);
  assert.match(answer, /invalid credentials/);
  assert.deepEqual(leaks(answer), [], answer);
  assert.ok((answer.match(/\[redacted\]/g) ?? []).length >= echoes.length, answer);
  stack.proxy.services.ledger.flush();
  const rows = JSON.stringify(stack.store.db.prepare('SELECT * FROM requests').all());
  assert.match(rows, /invalid credentials/);
  assert.deepEqual(leaks(rows), [], rows);
  const logs = stack.logLines.join('\n');
  assert.deepEqual(leaks(logs), []);
});

test('finding 1: USE-lite (the fallback embedder) runs in a worker thread like MiniLM, with the same vectors', async () => {
  const loaders = loadersWithThreads({
    cacheSize: 0,
    cacheMaxBytes: 0,
    batchMax: 16,
    batchWindowMs: 0,
    onnxIntraOpThreads: 0,
    workers: 1,
  });
  const pooled = (await loaders.useLite()) as PooledEmbedder;
  try {
    assert.equal(typeof pooled.pending, 'function', 'USE-lite is served by a worker pool');
    const here = await loadUseLiteEmbedder();
    assert.equal(pooled.id, here.id);
    assert.equal(pooled.kind, 'use-lite');
    const texts = ['where is my parcel?', 'write a haiku about rain'];
    const [fromWorker, fromHere] = await Promise.all([pooled.embed(texts), here.embed(texts)]);
    for (let i = 0; i < texts.length; i++) assert.deepEqual(Array.from(fromWorker[i]!), Array.from(fromHere[i]!));
  } finally {
    await pooled.close();
  }
});

test('finding 1, bounded rules: rules read the cut text with its line breaks, so a docstring stub still fires docstring-task', async (t) => {
  // The first bound for rules reused the embedder's input, whose whitespace is collapsed: every rule that matches a
  // line break (docstrings, code signatures) stopped firing, and complex HumanEval-like prompts went to medium.
  const service = await startTestService(t, 'tiny-standin');
  const stub =
    'from typing import List\n\ndef below_zero(operations: List[int]) -> bool:\n    """ Return True if the balance ever falls below zero.\n    >>> below_zero([1, 2, -4])\n    True\n    """\n';
  const response = await postJson(service.app, '/v1/route', { query: stub });
  assert.equal(response.status, 200);
  const body = (await response.json()) as { tier: string; rule_hits: { id: string }[] };
  assert.ok(
    body.rule_hits.some((hit) => hit.id === 'docstring-task'),
    `docstring-task fired: ${JSON.stringify(body.rule_hits)}`,
  );
  assert.equal(body.tier, 'complex');
});
