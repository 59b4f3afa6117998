import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createApp } from '../../src/app.js';
import { silentLogger } from '../../src/logger.js';
import { startTestService, type TestService } from '../support/test-router.js';

const ADMIN_KEY = 'auth-test-admin-key-0123456789';
const CLIENT_A = 'client-key-alpha';
const CLIENT_B = 'client-key-bravo';

interface Call {
  method: string;
  path: string;
  body?: unknown;
}

const CLIENT_ROUTES: Call[] = [
  { method: 'POST', path: '/v1/route', body: { query: 'hello' } },
  { method: 'POST', path: '/v1/route/batch', body: { queries: ['hello'] } },
  { method: 'POST', path: '/v1/chat/completions', body: { model: 'auto', messages: [{ role: 'user', content: 'hello' }] } },
  {
    method: 'POST',
    path: '/v1/messages',
    body: { model: 'auto', max_tokens: 8, messages: [{ role: 'user', content: 'hello' }] },
  },
  { method: 'POST', path: '/v1/feedback', body: { decision_id: 'd-1', rating: 3 } },
  { method: 'GET', path: '/v1/stats' },
  { method: 'GET', path: '/v1/stats/timeseries' },
  { method: 'GET', path: '/v1/models' },
];

const ADMIN_ROUTES: Call[] = [
  { method: 'GET', path: '/admin/exemplars' },
  { method: 'POST', path: '/admin/exemplars', body: { axis: 'intent', label: 'faq', text: 'auth test exemplar' } },
  { method: 'GET', path: '/admin/exemplars/1' },
  { method: 'PATCH', path: '/admin/exemplars/1', body: { label: 'faq' } },
  { method: 'DELETE', path: '/admin/exemplars/1' },
  { method: 'POST', path: '/admin/exemplars/import', body: 'text,label,axis\nauth import row,faq,intent\n' },
  { method: 'GET', path: '/admin/exemplars/export' },
  { method: 'GET', path: '/admin/feedback' },
  { method: 'POST', path: '/admin/feedback/1/promote' },
  { method: 'POST', path: '/admin/feedback/1/dismiss' },
];

const OPEN_ROUTES = ['/healthz', '/readyz', '/metrics'];

function call(service: TestService, route: Call, headers: Record<string, string>): Promise<Response> {
  const body = route.body === undefined ? undefined : typeof route.body === 'string' ? route.body : JSON.stringify(route.body);
  const contentType = typeof route.body === 'string' ? 'text/csv' : 'application/json';
  return Promise.resolve(
    service.app.request(route.path, {
      method: route.method,
      headers: { ...(body ? { 'content-type': contentType } : {}), ...headers },
      ...(body ? { body } : {}),
    }),
  );
}

async function expectRefused(
  service: TestService,
  route: Call,
  headers: Record<string, string>,
  status: 401 | 403,
  why: string,
): Promise<void> {
  const response = await call(service, route, headers);
  const body = (await response.json()) as { error?: { code?: string } };
  const code = status === 401 ? 'unauthorized' : 'forbidden';
  assert.equal(response.status, status, `${why}: ${route.method} ${route.path}`);
  assert.equal(body.error?.code, code, `${why}: ${route.method} ${route.path}`);
}

async function expectAllowed(service: TestService, route: Call, headers: Record<string, string>, why: string): Promise<void> {
  const response = await call(service, route, headers);
  const text = await response.text();
  assert.ok(![401, 403].includes(response.status), `${why}: ${route.method} ${route.path} -> ${response.status} ${text}`);
  assert.ok(
    response.status < 500 || response.status === 503,
    `${why}: ${route.method} ${route.path} -> ${response.status} ${text}`,
  );
}

test('with client and admin keys: every protected route refuses missing and wrong keys, admin routes refuse client keys', async (t) => {
  const service = await startTestService(t, 'tiny-standin', {
    CLIENT_API_KEYS: `${CLIENT_A},${CLIENT_B}`,
    ADMIN_API_KEY: ADMIN_KEY,
  });
  const total = service.store.list({ limit: 1, offset: 0 }).total;
  const wrongKeys: Record<string, string>[] = [
    { authorization: 'Bearer not-a-key' },
    { authorization: `Bearer ${CLIENT_A}x` },
    { authorization: `Bearer ${CLIENT_A.slice(0, -1)}` },
    { authorization: `Bearer ${ADMIN_KEY.toUpperCase()}` },
    { authorization: `Basic ${Buffer.from(`user:${CLIENT_A}`).toString('base64')}` },
    { 'x-api-key': 'not-a-key' },
    { 'x-api-key': `${ADMIN_KEY} ${ADMIN_KEY}` },
  ];
  for (const route of [...CLIENT_ROUTES, ...ADMIN_ROUTES]) {
    await expectRefused(service, route, {}, 401, 'no key');
    await expectRefused(service, route, { authorization: 'Bearer ' }, 401, 'empty bearer');
    for (const headers of wrongKeys) await expectRefused(service, route, headers, 401, `wrong key ${JSON.stringify(headers)}`);
  }
  for (const route of ADMIN_ROUTES) {
    await expectRefused(service, route, { authorization: `Bearer ${CLIENT_A}` }, 403, 'client key on an admin route');
    await expectRefused(service, route, { 'x-api-key': CLIENT_B }, 403, 'client key on an admin route');
  }
  // Nothing refused changed anything: the refused DELETE, PATCH and imports left the exemplars alone.
  assert.equal(service.store.list({ limit: 1, offset: 0 }).total, total);
  assert.equal(service.router.exemplarSet().revision, service.store.revision());

  for (const route of CLIENT_ROUTES) {
    await expectAllowed(service, route, { authorization: `Bearer ${CLIENT_A}` }, 'client key');
    await expectAllowed(service, route, { 'x-api-key': CLIENT_B }, 'client key (x-api-key)');
    await expectAllowed(service, route, { authorization: `bearer ${ADMIN_KEY}` }, 'admin key on a client route');
  }
  for (const route of ADMIN_ROUTES.filter((candidate) => candidate.method === 'GET')) {
    await expectAllowed(service, route, { authorization: `Bearer ${ADMIN_KEY}` }, 'admin key');
    await expectAllowed(service, route, { 'x-api-key': ADMIN_KEY }, 'admin key (x-api-key)');
  }
  for (const path of OPEN_ROUTES) assert.equal((await service.app.request(path)).status, 200, `${path} stays open`);
});

test('with only client keys, admin routes are disabled for everyone', async (t) => {
  const service = await startTestService(t, 'tiny-standin', { CLIENT_API_KEYS: CLIENT_A });
  for (const route of ADMIN_ROUTES) {
    for (const headers of [{}, { authorization: `Bearer ${CLIENT_A}` }, { authorization: `Bearer ${ADMIN_KEY}` }]) {
      await expectRefused(service, route, headers, 403, `admin disabled, ${JSON.stringify(headers)}`);
    }
  }
  await expectAllowed(service, CLIENT_ROUTES[0]!, { authorization: `Bearer ${CLIENT_A}` }, 'client key');
  await expectRefused(service, CLIENT_ROUTES[0]!, {}, 401, 'no key');
  for (const path of OPEN_ROUTES) assert.equal((await service.app.request(path)).status, 200, `${path} stays open`);
});

test('rate limit: the 4th quick request of a key gets 429 with retry-after; another key has its own bucket', async (t) => {
  const service = await startTestService(t, 'tiny-standin', {
    CLIENT_API_KEYS: `${CLIENT_A},${CLIENT_B}`,
    ADMIN_API_KEY: ADMIN_KEY,
    RATE_LIMIT_PER_SECOND: '2',
    RATE_LIMIT_BURST: '3',
  });
  // The limiter's clock is the test's: time moves only when the test says so.
  let now = 1_000_000;
  const app = createApp({ config: service.config, logger: silentLogger, services: () => service, now: () => now });
  const models = (key: string) => app.request('/v1/models', { headers: { authorization: `Bearer ${key}` } });
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await models(CLIENT_A)).status);
  const limited = await models(CLIENT_A);
  assert.deepEqual(statuses, [200, 200, 200, 429]);
  assert.equal(limited.status, 429);
  // The next token is 500 ms away; retry-after counts whole seconds.
  assert.equal(limited.headers.get('retry-after'), '1');
  assert.equal(((await limited.json()) as { error: { code: string } }).error.code, 'rate_limited');

  // Another key, and the admin key on the admin API, each start with a full bucket.
  for (let i = 0; i < 3; i++) assert.equal((await models(CLIENT_B)).status, 200);
  for (let i = 0; i < 3; i++) {
    assert.equal(
      (await app.request('/admin/exemplars?limit=1', { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status,
      200,
    );
  }
  assert.equal((await models(CLIENT_B)).status, 429);
  // Health probes are never limited.
  for (let i = 0; i < 5; i++) assert.equal((await app.request('/healthz')).status, 200);

  // The bucket refills at 2/s: after 250 ms half a token is not enough; after 500 ms one request fits, and only one.
  now += 250;
  assert.equal((await models(CLIENT_A)).status, 429);
  now += 250;
  assert.equal((await models(CLIENT_A)).status, 200);
  assert.equal((await models(CLIENT_A)).status, 429);
  // A long pause fills the bucket up to the burst, not beyond.
  now += 60_000;
  for (let i = 0; i < 3; i++) assert.equal((await models(CLIENT_A)).status, 200);
  assert.equal((await models(CLIENT_A)).status, 429);
});
