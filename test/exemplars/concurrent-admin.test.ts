import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import { serve } from '@hono/node-server';
import { startTestService, type TestService } from '../support/test-router.js';

const ADMIN_KEY = 'concurrency-admin-key-0123456789';
const ROUTE_WORKERS = 6;
const MAX_ROUTES_PER_WORKER = 250;
const ADDS = 25;
const EDITS = 15;
const DELETES = 15;
const IMPORTS = 3;
const ROWS_PER_IMPORT = 20;

interface ExemplarView {
  id: number;
  axis: string;
  label: string;
  text: string;
  lang: string;
}
type Key = string;
const keyOf = (row: Pick<ExemplarView, 'axis' | 'label' | 'text' | 'lang'>): Key =>
  JSON.stringify([row.axis, row.label, row.text, row.lang]);

async function serveOnLoopback(t: { after: (fn: () => Promise<void>) => void }, service: TestService): Promise<string> {
  const server = serve({ fetch: service.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function client(url: string) {
  return async <T>(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    return { status: response.status, body: (await response.json()) as T };
  };
}

async function listAll(request: ReturnType<typeof client>): Promise<ExemplarView[]> {
  const items: ExemplarView[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await request<{ total: number; items: ExemplarView[] }>('GET', `/admin/exemplars?limit=1000&offset=${offset}`);
    assert.equal(page.status, 200);
    items.push(...page.body.items);
    if (items.length >= page.body.total) return items;
  }
}

test('admin writes while routing under load: no failed route, no lost exemplar, revisions only increase', async (t) => {
  const service = await startTestService(t, 'tiny-standin', { ADMIN_API_KEY: ADMIN_KEY });
  const request = client(await serveOnLoopback(t, service));

  // Exemplars for the editor and the deleter, made before the load starts.
  const own = async (prefix: string, n: number) => {
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      const made = await request<{ exemplar: ExemplarView }>('POST', '/admin/exemplars', {
        axis: 'intent',
        label: 'support',
        text: `${prefix} target number ${i}`,
      });
      assert.equal(made.status, 201);
      ids.push(made.body.exemplar.id);
    }
    return ids;
  };
  const toEdit = await own('edit', EDITS);
  const toDelete = await own('delete', DELETES);
  const initial = await listAll(request);
  const startRevision = (await request<{ exemplars: { revision: number } }>('GET', '/readyz')).body.exemplars.revision;

  const expected = new Map<number | Key, Key>(initial.map((row) => [row.id, keyOf(row)]));
  const changes: { worker: string; revision: number }[] = [];
  let adminDone = false;

  const admin = async (worker: string, steps: (() => Promise<{ status: number; body: { revision: number } }>)[]) => {
    for (const step of steps) {
      const { status, body } = await step();
      assert.ok(status >= 200 && status < 300, `${worker}: ${status} ${JSON.stringify(body)}`);
      changes.push({ worker, revision: body.revision });
    }
  };
  const adder = admin(
    'add',
    Array.from({ length: ADDS }, (_, i) => async () => {
      const row = {
        axis: i % 2 ? 'tier' : 'intent',
        label: i % 2 ? 'medium' : 'code',
        text: `added under load ${i}: refactor the parser`,
        lang: 'en',
      };
      expected.set(keyOf(row), keyOf(row));
      return request('POST', '/admin/exemplars', row);
    }),
  );
  const editor = admin(
    'edit',
    toEdit.map((id, i) => async () => {
      const patch = i % 2 ? { label: 'faq' } : { text: `edited under load ${i}`, lang: 'es' };
      const before = initial.find((row) => row.id === id)!;
      expected.set(id, keyOf({ ...before, ...patch }));
      return request('PATCH', `/admin/exemplars/${id}`, patch);
    }),
  );
  const deleter = admin(
    'delete',
    toDelete.map((id) => async () => {
      expected.delete(id);
      return request('DELETE', `/admin/exemplars/${id}`);
    }),
  );
  const importer = admin(
    'import',
    Array.from({ length: IMPORTS }, (_, n) => async () => {
      const rows = Array.from({ length: ROWS_PER_IMPORT }, (_, i) => ({
        text: `imported under load ${n}-${i}`,
        label: 'writing',
        axis: 'intent',
        lang: 'en',
      }));
      for (const row of rows) expected.set(keyOf(row), keyOf(row));
      return request(
        'POST',
        '/admin/exemplars/import',
        `text,label,axis,lang\n${rows.map((row) => `${row.text},${row.label},${row.axis},${row.lang}`).join('\n')}\n`,
        'text/csv',
      );
    }),
  );

  const readyRevisions: number[] = [];
  const poller = (async () => {
    while (!adminDone) {
      const ready = await request<{ exemplars: { revision: number } }>('GET', '/readyz');
      assert.equal(ready.status, 200);
      readyRevisions.push(ready.body.exemplars.revision);
    }
  })();

  const routed: number[] = [];
  const failures: string[] = [];
  const routers = Array.from({ length: ROUTE_WORKERS }, async (_, worker) => {
    let n = 0;
    while (n < MAX_ROUTES_PER_WORKER && (!adminDone || n < 20)) {
      const query = [`refactor the parser ${n}`, 'hi!', `edited under load ${n % EDITS}`, `what is ${worker} + ${n}?`][n % 4]!;
      const path = n % 10 === 9 ? '/v1/route/batch' : '/v1/route';
      const { status, body } = await request<{ tier?: string; decisions?: unknown[] }>(
        'POST',
        path,
        path === '/v1/route' ? { query } : { queries: [query, 'and another'] },
      );
      if (status !== 200 || (path === '/v1/route' ? typeof body.tier !== 'string' : body.decisions?.length !== 2))
        failures.push(`${status} ${JSON.stringify(body).slice(0, 200)}`);
      n++;
    }
    routed.push(n);
  });

  await Promise.all([adder, editor, deleter, importer]).finally(() => (adminDone = true));
  await Promise.all([poller, ...routers]);

  assert.deepEqual(failures, [], 'every route in flight succeeded');
  const totalRoutes = routed.reduce((sum, n) => sum + n, 0);
  assert.ok(totalRoutes >= ROUTE_WORKERS * 20, `${totalRoutes} routes`);

  // Each change got its own revision, in order for each worker, and together they account for every change.
  const changeCount = ADDS + EDITS + DELETES + IMPORTS;
  assert.equal(changes.length, changeCount);
  assert.equal(new Set(changes.map((change) => change.revision)).size, changeCount, 'no two changes share a revision');
  for (const worker of ['add', 'edit', 'delete', 'import']) {
    const revisions = changes.filter((change) => change.worker === worker).map((change) => change.revision);
    assert.deepEqual(
      revisions,
      [...revisions].sort((a, b) => a - b),
      `${worker}: revisions increase`,
    );
  }
  assert.deepEqual(
    changes.map((change) => change.revision).sort((a, b) => a - b),
    Array.from({ length: changeCount }, (_, i) => startRevision + 1 + i),
  );
  for (let i = 1; i < readyRevisions.length; i++)
    assert.ok(
      readyRevisions[i]! >= readyRevisions[i - 1]!,
      `/readyz revision went back: ${readyRevisions.slice(i - 1, i + 1).join(' -> ')}`,
    );
  const final = (await request<{ exemplars: { revision: number; total: number } }>('GET', '/readyz')).body.exemplars;
  assert.equal(final.revision, startRevision + changeCount);

  const listed = await listAll(request);
  assert.deepEqual(listed.map(keyOf).sort(), [...expected.values()].sort(), 'the final listing is exactly the expected set');
  assert.equal(final.total, expected.size);
  // ... and every one of them has a vector the router uses.
  assert.equal(service.store.missingVectors(service.router.embedder.id).length, 0);
  t.diagnostic(`${totalRoutes} routes, ${changeCount} admin changes, ${readyRevisions.length} readiness probes`);
});

test('racing edits, deletes and adds of the same exemplars: 2xx, 404 or 409, never a 5xx, and nothing half-written', async (t) => {
  const service = await startTestService(t, 'tiny-standin', { ADMIN_API_KEY: ADMIN_KEY });
  // In process, so the delete lands while the edit awaits the embedder (it used to write a vector for a deleted row: a 500).
  const request = async <T>(method: string, path: string, body?: unknown) => {
    const response = await service.app.request(path, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T };
  };
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) {
    const made = await request<{ exemplar: ExemplarView }>('POST', '/admin/exemplars', {
      axis: 'intent',
      label: 'sales',
      text: `race target ${i}`,
    });
    assert.equal(made.status, 201);
    const id = made.body.exemplar.id;
    const results = await Promise.all([
      request('PATCH', `/admin/exemplars/${id}`, { text: `race target ${i}, rewritten` }),
      setTimeout(i % 3).then(() => request('DELETE', `/admin/exemplars/${id}`)),
      // Two adds of one new text with different labels: one wins, the other must hear so (it used to be silently relabelled).
      request('POST', '/admin/exemplars', { axis: 'intent', label: 'sales', text: `race twin ${i}` }),
      request('POST', '/admin/exemplars', { axis: 'intent', label: 'faq', text: `race twin ${i}` }),
    ]);
    statuses.push(...results.map((result) => result.status));
    for (const result of results)
      assert.ok([200, 201, 404, 409].includes(result.status), `${result.status} ${JSON.stringify(result.body)}`);
    assert.deepEqual(
      results
        .slice(2)
        .map((result) => result.status)
        .sort(),
      [201, 409],
      'exactly one of two identical adds succeeds; the other is a conflict',
    );
    const twin = service.store.get(service.store.list({ limit: 1, offset: 0, q: `race twin ${i}` }).items[0]!.id)!;
    assert.equal(twin.label, results[2].status === 201 ? 'sales' : 'faq', 'the stored label is the one the successful add sent');
  }
  assert.ok(statuses.filter((status) => status === 200).length >= 12, 'the races ran');
  assert.deepEqual(
    service.logLines.filter((line) => line.includes('"level":"error"')),
    [],
  );
  assert.equal(service.store.missingVectors(service.router.embedder.id).length, 0);
  assert.deepEqual(service.store.db.pragma('foreign_key_check'), []);
  const ready = (await request<{ exemplars: { revision: number; total: number } }>('GET', '/readyz')).body.exemplars;
  assert.equal(ready.revision, service.store.revision());
  assert.equal(ready.total, service.store.list({ limit: 1, offset: 0 }).total);
});
