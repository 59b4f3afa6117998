import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { createApp } from '../../src/app.js';
import { bootRouter } from '../../src/boot.js';
import { parseCsv } from '../../src/routes-config/csv.js';
import { silentLogger } from '../../src/logger.js';
import { RouterMetrics } from '../../src/metrics/metrics.js';
import { TINY_STANDIN_DIR, tempDir, testConfig } from '../support/env.js';
import { startTestService, type TestService } from '../support/test-router.js';

const ADMIN_KEY = 'admin-api-test-key-0123456789';
const ADMIN = { authorization: `Bearer ${ADMIN_KEY}` };

type App = Pick<TestService['app'], 'request'>;

interface Decision {
  decision_id: string;
  tier: string;
  intent: string;
  scores: { tier: Record<string, number>; intent: Record<string, number> };
  top_exemplars: { id: number; axis: string; label: string; text: string; similarity: number }[];
  rule_hits: unknown[];
  exemplar_set_version: string;
}

interface Change {
  version: string;
  revision: number;
}

interface ExemplarView {
  id: number;
  axis: string;
  label: string;
  text: string;
  lang: string;
  source: string;
}

async function call<T>(
  app: App,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const text = typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body);
  const response = await app.request(path, {
    method,
    headers: { ...ADMIN, ...(text === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(text === undefined ? {} : { body: text }),
  });
  const raw = await response.text();
  return { status: response.status, body: (response.headers.get('content-type')?.includes('json') ? JSON.parse(raw) : raw) as T };
}

async function route(app: App, query: string): Promise<Decision> {
  const { status, body } = await call<Decision>(app, 'POST', '/v1/route', { query });
  assert.equal(status, 200);
  return body;
}

async function readiness(app: App): Promise<Change & { total: number }> {
  return (await call<{ exemplars: Change & { total: number } }>(app, 'GET', '/readyz')).body.exemplars;
}

const exactMatch = (decision: Decision, id: number) =>
  decision.top_exemplars.find((match) => match.id === id && match.similarity > 0.9999);

test('add, edit and delete take effect on the next /v1/route, without a restart', async (t) => {
  const service = await startTestService(t, 'tiny-standin', { ADMIN_API_KEY: ADMIN_KEY });
  const query = 'zebra quartz jukebox whistles at dawn';
  const before = await readiness(service.app);
  assert.ok(!(await route(service.app, query)).top_exemplars.some((match) => match.text === query));

  const added = await call<Change & { exemplar: ExemplarView }>(service.app, 'POST', '/admin/exemplars', {
    axis: 'intent',
    label: 'math',
    text: query,
  });
  assert.equal(added.status, 201);
  assert.equal(added.body.exemplar.source, 'admin');
  assert.ok(added.body.revision > before.revision);
  assert.notEqual(added.body.version, before.version);
  const id = added.body.exemplar.id;
  const afterAdd = await route(service.app, query);
  assert.deepEqual(
    { ...exactMatch(afterAdd, id), similarity: 1 },
    { id, axis: 'intent', label: 'math', text: query, similarity: 1 },
  );
  assert.equal(afterAdd.exemplar_set_version, added.body.version);
  const ready = await readiness(service.app);
  assert.deepEqual([ready.version, ready.revision, ready.total], [added.body.version, added.body.revision, before.total + 1]);

  const found = await call<{ total: number; items: ExemplarView[] }>(
    service.app,
    'GET',
    `/admin/exemplars?axis=intent&label=math&q=${encodeURIComponent('QUARTZ jukebox')}`,
  );
  assert.deepEqual(
    found.body.items.map((item) => item.id),
    [id],
  );
  assert.equal((await call<{ exemplar: ExemplarView }>(service.app, 'GET', `/admin/exemplars/${id}`)).body.exemplar.text, query);

  const relabelled = await call<Change & { exemplar: ExemplarView }>(service.app, 'PATCH', `/admin/exemplars/${id}`, {
    label: 'code',
  });
  assert.equal(relabelled.status, 200);
  assert.ok(relabelled.body.revision > added.body.revision);
  assert.equal(exactMatch(await route(service.app, query), id)?.label, 'code');

  const moved = 'a completely different sentence about tax returns';
  const rewritten = await call<Change & { exemplar: ExemplarView }>(service.app, 'PATCH', `/admin/exemplars/${id}`, {
    text: moved,
    lang: 'es',
  });
  assert.equal(rewritten.status, 200);
  assert.deepEqual([rewritten.body.exemplar.id, rewritten.body.exemplar.text, rewritten.body.exemplar.lang], [id, moved, 'es']);
  assert.ok(exactMatch(await route(service.app, moved), id), 'the new text is matched');
  assert.equal(exactMatch(await route(service.app, query), id), undefined, 'the old text is not');

  const deleted = await call<Change & { deleted: number }>(service.app, 'DELETE', `/admin/exemplars/${id}`);
  assert.equal(deleted.status, 200);
  assert.equal(deleted.body.deleted, id);
  assert.ok(deleted.body.revision > rewritten.body.revision);
  assert.equal(
    (await route(service.app, moved)).top_exemplars.find((match) => match.id === id),
    undefined,
  );
  assert.equal((await call(service.app, 'GET', `/admin/exemplars/${id}`)).status, 404);
  const after = await readiness(service.app);
  assert.deepEqual([after.total, after.revision], [before.total, deleted.body.revision]);
  // The same exemplar set as before the round trip, so the same content version.
  assert.equal(after.version, before.version);
});

const JSONL_ROWS = [
  { text: 'how many vacation days do I get per year?', label: 'faq', axis: 'intent' },
  { text: '¿cuántos días de vacaciones tengo al año?', label: 'faq', axis: 'intent', lang: 'es' },
  { text: 'Summarise the attached 40-page contract, listing every obligation with its deadline', label: 'complex', axis: 'tier' },
];
const CSV_FILE = [
  'text,label,axis,lang',
  '"Quote ""this"", then, with commas",writing,intent,en',
  '"a question that spans',
  'two lines",support,intent,',
  'plain row for the math label,math,intent,en',
  '',
].join('\r\n');

test('bulk import of JSONL and CSV, all or nothing, and an export that round-trips to the same exemplar set', async (t) => {
  const service = await startTestService(t, 'tiny-standin', { ADMIN_API_KEY: ADMIN_KEY });
  const before = await readiness(service.app);
  const jsonl = `${JSONL_ROWS.map((row) => JSON.stringify(row)).join('\n')}\n`;
  const imported = await call<{ added: number; updated: number; unchanged: number } & Change>(
    service.app,
    'POST',
    '/admin/exemplars/import',
    jsonl,
    {
      'content-type': 'application/x-ndjson',
    },
  );
  assert.equal(imported.status, 200, JSON.stringify(imported.body));
  assert.deepEqual([imported.body.added, imported.body.updated, imported.body.unchanged], [3, 0, 0]);
  const csv = await call<{ added: number } & Change>(service.app, 'POST', '/admin/exemplars/import', CSV_FILE, {
    'content-type': 'text/csv',
  });
  assert.equal(csv.status, 200, JSON.stringify(csv.body));
  assert.equal(csv.body.added, 3);
  assert.ok(csv.body.revision > imported.body.revision);

  const bySource = (
    await call<{ total: number; items: ExemplarView[] }>(service.app, 'GET', `/admin/exemplars?limit=1000&offset=${before.total}`)
  ).body.items;
  assert.deepEqual(
    bySource.map(({ text, label, axis, lang, source }) => ({ text, label, axis, lang, source })),
    [
      ...JSONL_ROWS.map((row) => ({ lang: 'en', ...row, source: 'import:admin-upload' })),
      { text: 'Quote "this", then, with commas', label: 'writing', axis: 'intent', lang: 'en', source: 'import:admin-upload' },
      { text: 'a question that spans\r\ntwo lines', label: 'support', axis: 'intent', lang: 'en', source: 'import:admin-upload' },
      { text: 'plain row for the math label', label: 'math', axis: 'intent', lang: 'en', source: 'import:admin-upload' },
    ].map(({ text, label, axis, lang, source }) => ({ text, label, axis, lang, source })),
  );
  for (const row of bySource)
    assert.ok(exactMatch(await route(service.app, row.text), row.id), `imported "${row.text}" is routed against`);

  // The same file again changes nothing; a file with one bad row changes nothing either.
  const again = await call<{ added: number; updated: number; unchanged: number } & Change>(
    service.app,
    'POST',
    '/admin/exemplars/import',
    jsonl,
  );
  assert.deepEqual([again.body.added, again.body.updated, again.body.unchanged], [0, 0, 3]);
  const bad = await call<{ error: { code: string; message: string } }>(
    service.app,
    'POST',
    '/admin/exemplars/import',
    'text,label,axis\nfine row,faq,intent\nbad row,gossip,intent\n',
    {
      'content-type': 'text/csv',
    },
  );
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /upload\.csv:3/);
  assert.equal((await readiness(service.app)).total, before.total + 6);
  assert.equal((await call<{ total: number }>(service.app, 'GET', '/admin/exemplars?q=fine%20row')).body.total, 0);

  const expected = [...service.store.all()].map(({ text, label, axis, lang }) => ({ text, label, axis, lang }));
  const exportedJsonl = await service.app.request('/admin/exemplars/export', { headers: ADMIN });
  assert.match(exportedJsonl.headers.get('content-type') ?? '', /ndjson/);
  const jsonlRows = (await exportedJsonl.text())
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as unknown);
  assert.deepEqual(jsonlRows, expected);
  const exportedCsv = await (await service.app.request('/admin/exemplars/export?format=csv', { headers: ADMIN })).text();
  assert.deepEqual(
    parseCsv(exportedCsv, 'export.csv').map((row) => row.value),
    expected,
  );

  // Round trip: the CSV export imported into an empty database is the same exemplar set (same content version).
  const config = testConfig({
    EMBEDDER: 'minilm',
    MINILM_MODEL_DIR: TINY_STANDIN_DIR,
    DATABASE_PATH: join(tempDir(t), 'empty.db'),
    SEED_ON_START: 'false',
    ADMIN_API_KEY: ADMIN_KEY,
  });
  const empty = await bootRouter(config, silentLogger);
  t.after(() => empty.store.close());
  const fresh = createApp({ config, logger: silentLogger, services: () => empty, metrics: new RouterMetrics() });
  assert.equal((await readiness(fresh)).total, 0);
  const restored = await call<{ added: number } & Change>(fresh, 'POST', '/admin/exemplars/import', exportedCsv, {
    'content-type': 'text/csv; charset=utf-8',
  });
  assert.equal(restored.status, 200, JSON.stringify(restored.body));
  assert.equal(restored.body.added, expected.length);
  assert.equal(restored.body.version, (await readiness(service.app)).version);
  assert.equal((await readiness(fresh)).version, (await readiness(service.app)).version);
});

/**
 * With USE-lite this query is sales with faq close behind (see
 * test/dashboard/exemplars.test.ts); intent scores are the mean of the top k, so
 * one exemplar with this very text lifts the runner-up past the winner.
 */
const MISROUTED = 'how long does shipping to Canada take?';

test('feedback: a correction is listed for the admin, and promoting it fixes the next decision', async (t) => {
  // Prompts may be kept here, so the router remembers the query a correction is about.
  const service = await startTestService(t, 'use-lite', { ADMIN_API_KEY: ADMIN_KEY, LEDGER_STORE_PROMPTS: 'true' });
  const first = await route(service.app, MISROUTED);
  assert.deepEqual(first.rule_hits, []);
  const [winner, runnerUp] = Object.entries(first.scores.intent).sort((a, b) => b[1] - a[1]);
  assert.ok(winner && runnerUp && winner[0] === first.intent);
  const corrected = runnerUp[0];

  const rating = await call<{ feedback: { id: number; rating: number; query: string | null } }>(
    service.app,
    'POST',
    '/v1/feedback',
    { decision_id: first.decision_id, rating: 2 },
  );
  assert.equal(rating.status, 201);
  assert.deepEqual([rating.body.feedback.rating, rating.body.feedback.query], [2, null], 'a rating alone keeps no query text');
  const correction = await call<{ feedback: { id: number } }>(service.app, 'POST', '/v1/feedback', {
    decision_id: first.decision_id,
    expected: { intent: corrected },
    comment: 'this is about shipping times',
  });
  assert.equal(correction.status, 201);
  // After a restart the router no longer remembers the decision: the client sends the text along.
  const late = await call<{ feedback: { query: string } }>(service.app, 'POST', '/v1/feedback', {
    decision_id: 'from-before-a-restart',
    expected: { tier: 'simple' },
    text: '  what time is it in Tokyo?  ',
  });
  assert.equal(late.status, 201);
  assert.equal(late.body.feedback.query, 'what time is it in Tokyo?');

  const listed = await call<{ total: number; items: Record<string, unknown>[] }>(
    service.app,
    'GET',
    '/admin/feedback?status=open',
  );
  assert.equal(listed.body.total, 2, 'only corrections are listed by default');
  const entry = listed.body.items.find((item) => item['id'] === correction.body.feedback.id);
  assert.deepEqual(
    entry && {
      decided: entry['decided_intent'],
      expected: entry['expected_intent'],
      query: entry['query'],
      status: entry['status'],
    },
    { decided: first.intent, expected: corrected, query: MISROUTED, status: 'open' },
  );
  assert.equal((await call<{ total: number }>(service.app, 'GET', '/admin/feedback?corrections=false')).body.total, 3);

  const promoted = await call<{ feedback: { status: string; promoted_ids: number[] }; exemplars: ExemplarView[] }>(
    service.app,
    'POST',
    `/admin/feedback/${correction.body.feedback.id}/promote`,
  );
  assert.equal(promoted.status, 200, JSON.stringify(promoted.body));
  assert.equal(promoted.body.feedback.status, 'promoted');
  assert.deepEqual(
    promoted.body.exemplars.map(({ axis, label, text }) => ({ axis, label, text })),
    [{ axis: 'intent', label: corrected, text: MISROUTED }],
  );
  assert.deepEqual(
    promoted.body.feedback.promoted_ids,
    promoted.body.exemplars.map((exemplar) => exemplar.id),
  );

  const next = await route(service.app, MISROUTED);
  assert.equal(next.intent, corrected, `after the promotion ${MISROUTED} is ${corrected}`);
  assert.equal((await call<{ total: number }>(service.app, 'GET', '/admin/feedback?status=open')).body.total, 1);
  assert.equal((await call(service.app, 'POST', `/admin/feedback/${correction.body.feedback.id}/promote`)).status, 409);
  const dismissPromoted = await call<{ error: { code: string } }>(
    service.app,
    'POST',
    `/admin/feedback/${correction.body.feedback.id}/dismiss`,
  );
  assert.deepEqual(
    [dismissPromoted.status, dismissPromoted.body.error.code],
    [409, 'conflict'],
    'a promoted correction cannot be dismissed',
  );
  const kept = await call<{ items: { id: number; status: string; promoted_ids: number[] | null }[] }>(
    service.app,
    'GET',
    '/admin/feedback?status=promoted',
  );
  assert.deepEqual(
    kept.body.items.find((item) => item.id === correction.body.feedback.id)?.promoted_ids,
    promoted.body.feedback.promoted_ids,
    'the promoted ids survive the refused dismissal',
  );

  // Two promotes of one correction at once: one wins, the other is told it is already being promoted.
  const racer = await call<{ feedback: { id: number } }>(service.app, 'POST', '/v1/feedback', {
    decision_id: 'race',
    expected: { intent: 'faq', tier: 'medium' },
    text: 'is there a fee for paying by bank transfer',
  });
  const both = await Promise.all(
    [1, 2].map(() => call(service.app, 'POST', `/admin/feedback/${racer.body.feedback.id}/promote`)),
  );
  assert.deepEqual(both.map((r) => r.status).sort(), [200, 409], JSON.stringify(both.map((r) => r.body)));
});

function metricLines(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

test('GET /metrics: decisions, route latency, top-1 similarity, the embedder and the current exemplar-set version', async (t) => {
  const service = await startTestService(t, 'tiny-standin', { ADMIN_API_KEY: ADMIN_KEY });
  for (const query of ['hi there', 'what is 12 times 7?', 'hi there']) await route(service.app, query);
  const scrape = async () => {
    const response = await service.app.request('/metrics');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
    return response.text();
  };
  const text = await scrape();
  const decisions = metricLines(text, 'router_decisions_total');
  assert.ok(decisions.length > 0);
  assert.equal(
    decisions.reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0),
    3,
  );
  for (const line of decisions)
    assert.match(line, /^router_decisions_total\{tier="\w+",intent="\w+",model="[\w.-]+",strategy="balanced"\} \d+$/);
  assert.deepEqual(metricLines(text, 'router_route_seconds_count'), ['router_route_seconds_count 3']);
  assert.ok(metricLines(text, 'router_route_seconds_bucket').some((line) => line.includes('le="+Inf"')));
  for (const axis of ['tier', 'intent'])
    assert.ok(metricLines(text, 'router_top1_similarity_count').includes(`router_top1_similarity_count{axis="${axis}"} 3`), axis);
  assert.deepEqual(metricLines(text, 'router_embedder_info'), [
    `router_embedder_info{embedder="${service.router.embedder.id}",standin="true"} 1`,
  ]);
  const ready = await readiness(service.app);
  assert.deepEqual(metricLines(text, 'router_exemplar_set_info'), [`router_exemplar_set_info{version="${ready.version}"} 1`]);

  // An admin change shows at once: the new version replaces the old one.
  const added = await call<Change>(service.app, 'POST', '/admin/exemplars', {
    axis: 'intent',
    label: 'faq',
    text: 'where is my parcel right now?',
  });
  assert.equal(added.status, 201);
  const after = await scrape();
  assert.deepEqual(metricLines(after, 'router_exemplar_set_info'), [
    `router_exemplar_set_info{version="${added.body.version}"} 1`,
  ]);
  assert.deepEqual(metricLines(after, 'router_exemplar_revision'), [`router_exemplar_revision ${added.body.revision}`]);
  assert.ok(
    metricLines(after, 'router_http_requests_total').some(
      (line) => line.includes('endpoint="/admin/exemplars"') && line.includes('status="201"'),
    ),
  );
});
