import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startProxyStack, type ProxyStack } from '../support/proxy-stack.js';
import {
  assertCleanRejection,
  deepArrays,
  deepObjects,
  hostileValues,
  invalidUtf8Json,
  mutate,
  prng,
  sendRaw,
  type HostileRequest,
  type RawResponse,
} from '../support/hostile-requests.js';

/**
 * Garbage at every endpoint over real HTTP: each answer must be a 4xx JSON
 * error with a stable code (never a 5xx, never a stack trace), and the
 * service must keep routing after every batch.
 */

const ADMIN_KEY = 'hostile-admin-key-0123456789';
const AUTH = { authorization: `Bearer ${ADMIN_KEY}` };
const JSON_TYPE = { 'content-type': 'application/json' };
/** Just under MAX_BODY_BYTES (1 MiB): passes the body limit, fails every length limit. */
const HUGE = 'x'.repeat(900_000);
const OVER_LIMIT = `{"query":"${'y'.repeat(1_100_000)}"}`;
const SEED = 20_260_106;
const MUTATIONS_PER_ENDPOINT = 50;

interface JsonEndpoint {
  method: 'POST' | 'PATCH';
  path: string;
  valid: Record<string, unknown>;
  /** Fields whose absence must be refused. */
  required: string[];
}

const user = (content: unknown) => ({ role: 'user', content });

function send(stack: ProxyStack, request: HostileRequest): Promise<RawResponse> {
  return sendRaw(stack.url, request, AUTH);
}

const json = <T>(response: RawResponse) => JSON.parse(response.text) as T;

async function runBatch(stack: ProxyStack, requests: HostileRequest[]): Promise<Map<string, number>> {
  const codes = new Map<string, number>();
  const failures: string[] = [];
  for (const request of requests) {
    try {
      const { code } = assertCleanRejection(request, await send(stack, request));
      const key = code ?? 'accepted';
      codes.set(key, (codes.get(key) ?? 0) + 1);
    } catch (error) {
      failures.push((error as Error).message.split('\n')[0]!);
    }
  }
  assert.deepEqual(failures, [], `${failures.length} of ${requests.length} requests were not cleanly refused`);
  // The server is still serving: a normal decision and a ready probe.
  const normal = await send(stack, {
    name: 'normal',
    method: 'POST',
    path: '/v1/route',
    headers: JSON_TYPE,
    body: '{"query":"what are your opening hours?"}',
  });
  assert.equal(normal.status, 200, normal.text);
  assert.ok(typeof json<{ tier?: unknown }>(normal).tier === 'string');
  assert.equal((await send(stack, { name: 'readyz', method: 'GET', path: '/readyz' })).status, 200);
  // ... and the proxy still answers: no hostile request may have opened a provider's circuit.
  const chat = await send(stack, {
    name: 'normal chat',
    method: 'POST',
    path: '/v1/chat/completions',
    headers: JSON_TYPE,
    body: JSON.stringify({ model: 'auto', messages: [user('hello')] }),
  });
  assert.equal(chat.status, 200, chat.text);
  return codes;
}

/** The same garbage for every endpoint that takes a JSON body. */
function genericJsonCases(endpoint: JsonEndpoint): HostileRequest[] {
  const base = { method: endpoint.method, path: endpoint.path, headers: JSON_TYPE };
  const cases: HostileRequest[] = [
    { ...base, name: 'empty body', body: '', code: 'invalid_request' },
    { ...base, name: 'blank body', body: ' \n\t ', code: 'invalid_request' },
    { ...base, name: 'truncated', body: '{"a":', code: 'invalid_json' },
    { ...base, name: 'single quotes', body: "{'query':'hi'}", code: 'invalid_json' },
    { ...base, name: 'two documents', body: '{"a":1}{"b":2}', code: 'invalid_json' },
    { ...base, name: 'trailing comma', body: `${JSON.stringify(endpoint.valid).slice(0, -1)},}`, code: 'invalid_json' },
    { ...base, name: 'comment', body: `/* hi */${JSON.stringify(endpoint.valid)}`, code: 'invalid_json' },
    { ...base, name: 'NaN', body: 'NaN', code: 'invalid_json' },
    { ...base, name: 'null', body: 'null', code: 'invalid_request' },
    { ...base, name: 'true', body: 'true', code: 'invalid_request' },
    { ...base, name: 'number', body: '42', code: 'invalid_request' },
    { ...base, name: 'string', body: '"query"', code: 'invalid_request' },
    { ...base, name: 'array', body: `[${JSON.stringify(endpoint.valid)}]`, code: 'invalid_request' },
    { ...base, name: 'empty object', body: '{}', code: 'invalid_request' },
    { ...base, name: 'overflowing number', body: '{"a":1e400,"query":1e400}', code: 'invalid_request' },
    { ...base, name: '10k nested arrays', body: deepArrays(10_000), code: 'invalid_request' },
    { ...base, name: '10k nested objects', body: deepObjects(10_000), code: 'invalid_request' },
    { ...base, name: '100k nested arrays', body: deepArrays(100_000), code: 'invalid_request' },
    {
      ...base,
      name: '10k nested arrays in a field',
      body: `{"query":${deepArrays(10_000)},"messages":${deepArrays(10_000)}}`,
      code: 'invalid_request',
    },
    { ...base, name: 'invalid UTF-8 body', body: Buffer.from([0xff, 0xfe, 0xfd, 0x80, 0x81]), code: 'invalid_json' },
    {
      ...base,
      name: 'invalid UTF-8 in a string',
      body: invalidUtf8Json(JSON.stringify(endpoint.valid).slice(0, -1) + ',"zz":"', '"}'),
      code: 'invalid_json',
    },
    { ...base, name: 'over the body limit', body: OVER_LIMIT, code: 'payload_too_large' },
    { ...base, name: 'over the body limit, chunked', body: OVER_LIMIT, chunked: true, code: 'payload_too_large' },
    {
      ...base,
      name: 'form-encoded',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'query=hi&model=auto',
      code: 'invalid_json',
    },
    { ...base, name: 'plain text', headers: { 'content-type': 'text/plain' }, body: 'route this please', code: 'invalid_json' },
    {
      ...base,
      name: 'multipart',
      headers: { 'content-type': 'multipart/form-data; boundary=zz' },
      body: '--zz\r\nContent-Disposition: form-data; name="query"\r\n\r\nhi\r\n--zz--\r\n',
      code: 'invalid_json',
    },
    { ...base, name: 'xml', headers: { 'content-type': 'application/xml' }, body: '<query>hi</query>', code: 'invalid_json' },
    { ...base, name: 'no content type', headers: {}, body: '\u0000\u0001garbage', code: 'invalid_json' },
  ];
  // Every field of a valid body, one at a time: removed, then replaced by a hostile value.
  for (const field of Object.keys(endpoint.valid)) {
    const { [field]: _removed, ...without } = endpoint.valid;
    cases.push({ ...base, name: `missing ${field}`, body: JSON.stringify(without), mayPass: !endpoint.required.includes(field) });
    for (const value of hostileValues(HUGE)) {
      cases.push({
        ...base,
        name: `${field} = ${JSON.stringify(value)?.slice(0, 40)}`,
        body: JSON.stringify({ ...endpoint.valid, [field]: value }),
        // A short string can be a valid value of a string field (blank ones are checked one by one below).
        mayPass: typeof value === 'string' && value.length < 100,
      });
    }
  }
  return cases;
}

function fuzzCases(endpoint: JsonEndpoint, seed: number): HostileRequest[] {
  const random = prng(seed);
  return Array.from({ length: MUTATIONS_PER_ENDPOINT }, (_, i) => ({
    name: `mutation ${i} (seed ${seed})`,
    method: endpoint.method,
    path: endpoint.path,
    headers: JSON_TYPE,
    body: JSON.stringify(mutate(endpoint.valid, random)),
    mayPass: true,
  }));
}

test('every endpoint answers garbage with a 4xx JSON error with a stable code, and keeps serving', async (t) => {
  const stack = await startProxyStack(t, { env: { ADMIN_API_KEY: ADMIN_KEY } });
  const routed = json<{ decision_id: string }>(
    await send(stack, {
      name: 'seed decision',
      method: 'POST',
      path: '/v1/route',
      headers: JSON_TYPE,
      body: '{"query":"hello there"}',
    }),
  );
  const existing = stack.store.list({ limit: 2, offset: 0 }).items;
  const [first, second] = existing;
  assert.ok(first && second);

  const endpoints: JsonEndpoint[] = [
    {
      method: 'POST',
      path: '/v1/route',
      valid: { query: 'what is 2+2?', strategy: 'balanced', session_id: 's-1' },
      required: ['query'],
    },
    { method: 'POST', path: '/v1/route', valid: { messages: [user('hola')] }, required: ['messages'] },
    {
      method: 'POST',
      path: '/v1/route/batch',
      valid: { queries: ['hi', 'bye'], strategy: 'cost_optimized' },
      required: ['queries'],
    },
    {
      method: 'POST',
      path: '/v1/chat/completions',
      valid: { model: 'auto', messages: [user('hi')] },
      required: ['model', 'messages'],
    },
    {
      method: 'POST',
      path: '/v1/messages',
      valid: { model: 'auto', max_tokens: 32, messages: [user('hi')] },
      required: ['model', 'max_tokens', 'messages'],
    },
    {
      method: 'POST',
      path: '/v1/feedback',
      valid: { decision_id: routed.decision_id, rating: 4 },
      required: ['decision_id', 'rating'],
    },
    {
      method: 'POST',
      path: '/admin/exemplars',
      valid: { axis: 'intent', label: 'faq', text: 'hostile test exemplar', lang: 'en' },
      required: ['axis', 'label', 'text'],
    },
    { method: 'PATCH', path: `/admin/exemplars/${first.id}`, valid: { label: first.label, lang: first.lang }, required: [] },
  ];

  await t.test('generic garbage and wrong types at every JSON endpoint', async () => {
    for (const endpoint of endpoints) await runBatch(stack, genericJsonCases(endpoint));
  });

  await t.test('endpoint-specific garbage: empty messages, unknown models and strategies, limits', async () => {
    const post = (
      path: string,
      name: string,
      body: unknown,
      code?: string,
      headers: Record<string, string> = {},
    ): HostileRequest => ({
      name,
      method: 'POST',
      path,
      headers: { ...JSON_TYPE, ...headers },
      body: JSON.stringify(body),
      ...(code === undefined ? {} : { code }),
    });
    const chat = (name: string, body: Record<string, unknown>, code?: string, headers?: Record<string, string>) =>
      post('/v1/chat/completions', name, { model: 'auto', messages: [user('hi')], ...body }, code, headers);
    const anthropic = (name: string, body: Record<string, unknown>, code?: string) =>
      post('/v1/messages', name, { model: 'auto', max_tokens: 16, messages: [user('hi')], ...body }, code);
    const many = Array.from({ length: 1001 }, () => user('hi'));
    await runBatch(stack, [
      post('/v1/route', 'query and messages', { query: 'hi', messages: [user('hi')] }, 'invalid_request'),
      post('/v1/route', 'neither query nor messages', { strategy: 'balanced' }, 'invalid_request'),
      post('/v1/route', 'blank query', { query: '   ' }, 'invalid_request'),
      post('/v1/route', 'query too long', { query: 'q'.repeat(32_001) }, 'invalid_request'),
      post('/v1/route', 'empty messages', { messages: [] }, 'invalid_request'),
      post('/v1/route', 'only a system message', { messages: [{ role: 'system', content: 'be nice' }] }, 'invalid_request'),
      post('/v1/route', 'unknown role', { messages: [{ role: 'robot', content: 'beep' }] }, 'invalid_request'),
      post('/v1/route', 'message content a number', { messages: [user(42)] }, 'invalid_request'),
      post('/v1/route', 'content part without type', { messages: [user([{ text: 'hi' }])] }, 'invalid_request'),
      post(
        '/v1/route',
        'too many content parts',
        { messages: [user(Array.from({ length: 257 }, () => ({ type: 'text', text: 'a' })))] },
        'invalid_request',
      ),
      post('/v1/route', '1001 messages', { messages: many }, 'invalid_request'),
      post('/v1/route', 'unknown strategy', { query: 'hi', strategy: 'cheapest' }, 'invalid_request'),
      post('/v1/route', 'strategy in capitals', { query: 'hi', strategy: 'BALANCED' }, 'invalid_request'),
      post('/v1/route', 'unknown field', { query: 'hi', model: 'gpt-4o' }, 'invalid_request'),
      post('/v1/route', 'empty session id', { query: 'hi', session_id: '' }, 'invalid_request'),
      post('/v1/route', 'session id too long', { query: 'hi', session_id: 's'.repeat(257) }, 'invalid_request'),
      post('/v1/route/batch', 'no queries', { queries: [] }, 'invalid_request'),
      post('/v1/route/batch', 'too many queries', { queries: Array.from({ length: 65 }, (_, i) => `q${i}`) }, 'invalid_request'),
      post('/v1/route/batch', 'a blank query', { queries: ['hi', ' '] }, 'invalid_request'),
      post('/v1/route/batch', 'a number among queries', { queries: ['hi', 5] }, 'invalid_request'),
      post('/v1/route/batch', 'queries a string', { queries: 'hi' }, 'invalid_request'),
      post('/v1/route/batch', 'unknown strategy', { queries: ['hi'], strategy: 'fastest' }, 'invalid_request'),
      chat('unknown model', { model: 'gpt-9000' }, 'unknown_model'),
      chat('unknown model, huge name', { model: 'm'.repeat(100_000) }, 'unknown_model'),
      chat('empty model', { model: '' }, 'invalid_request'),
      chat('model a number', { model: 4 }, 'invalid_request'),
      chat('unknown strategy in the model', { model: 'auto:cheapest' }, 'unknown_strategy'),
      chat('unknown strategy header', {}, 'unknown_strategy', { 'x-router-strategy': 'yolo' }),
      chat('empty messages', { messages: [] }, 'invalid_request'),
      // Fields the router passes through untouched used to reach the provider SDK's recursive JSON.stringify: a 502 that counted against the provider's circuit breaker.
      ...['gpt-4o-mini', 'claude-3-5-haiku', 'auto'].flatMap((model) => [
        {
          ...chat(`10k nested arrays passed through to ${model}`, {}),
          body: `{"model":"${model}","messages":[${JSON.stringify(user('hi'))}],"metadata":${deepArrays(10_000)}}`,
          code: 'invalid_request',
        },
        {
          ...chat(`10k nested tool schema for ${model}, streaming`, {}),
          body: `{"model":"${model}","stream":true,"messages":[${JSON.stringify(user('hi'))}],"tools":[{"type":"function","function":{"name":"f","parameters":${deepObjects(10_000)}}}]}`,
          code: 'invalid_request',
        },
        {
          ...anthropic(`10k nested tool schema for ${model}`, {}),
          body: `{"model":"${model}","max_tokens":8,"messages":[${JSON.stringify(user('hi'))}],"tools":[{"name":"f","input_schema":${deepObjects(10_000)}}]}`,
          code: 'invalid_request',
        },
      ]),
      {
        ...chat('100k nested objects in a message', {}),
        body: `{"model":"auto","messages":[{"role":"user","content":"hi","extra":${deepObjects(100_000)}}]}`,
        code: 'invalid_request',
      },
      {
        ...post('/v1/route', '100k nested arrays in a message', {}),
        body: `{"messages":[{"role":"user","content":"hi","extra":${deepArrays(100_000)}}]}`,
        code: 'invalid_request',
      },
      {
        ...chat('a 40-level tool schema is still fine', {}),
        body: `{"model":"gpt-4o-mini","messages":[${JSON.stringify(user('hi'))}],"metadata":${deepObjects(40)}}`,
        mayPass: true,
      },
      chat('messages not an array', { messages: { role: 'user', content: 'hi' } }, 'invalid_request'),
      chat('message content a number', { messages: [user(7)] }, 'invalid_request'),
      chat('n out of range', { n: 17 }, 'invalid_request'),
      chat('stream a string', { stream: 'yes' }, 'invalid_request'),
      chat('stream options a number', { stream_options: 5 }, 'invalid_request'),
      chat('1001 messages', { messages: many }, 'invalid_request'),
      chat('content too long', { messages: [user('c'.repeat(32_001))] }, 'invalid_request'),
      anthropic('unknown model', { model: 'claude-99' }, 'unknown_model'),
      anthropic('unknown strategy in the model', { model: 'auto:nope' }, 'unknown_strategy'),
      anthropic('no max_tokens', { max_tokens: undefined }, 'invalid_request'),
      anthropic('max_tokens zero', { max_tokens: 0 }, 'invalid_request'),
      anthropic('max_tokens a string', { max_tokens: '10' }, 'invalid_request'),
      anthropic('system role in messages', { messages: [{ role: 'system', content: 'x' }] }, 'invalid_request'),
      anthropic('null content', { messages: [user(null)] }, 'invalid_request'),
      anthropic('empty messages', { messages: [] }, 'invalid_request'),
      anthropic('system a number', { system: 3 }, 'invalid_request'),
      post(
        '/v1/feedback',
        'correction of an unknown decision without text',
        { decision_id: 'nope', expected: { intent: 'faq' } },
        'not_found',
      ),
      post('/v1/feedback', 'neither rating nor correction', { decision_id: routed.decision_id }, 'invalid_request'),
      post('/v1/feedback', 'rating 0', { decision_id: routed.decision_id, rating: 0 }, 'invalid_request'),
      post('/v1/feedback', 'rating 6', { decision_id: routed.decision_id, rating: 6 }, 'invalid_request'),
      post('/v1/feedback', 'unknown tier', { decision_id: routed.decision_id, expected: { tier: 'huge' } }, 'invalid_request'),
      post(
        '/v1/feedback',
        'unknown intent',
        { decision_id: routed.decision_id, expected: { intent: 'gossip' } },
        'invalid_request',
      ),
      post('/v1/feedback', 'empty expected', { decision_id: routed.decision_id, expected: {} }, 'invalid_request'),
      post(
        '/v1/feedback',
        'comment too long',
        { decision_id: routed.decision_id, rating: 3, comment: 'c'.repeat(2001) },
        'invalid_request',
      ),
      post('/v1/feedback', 'decision id too long', { decision_id: 'd'.repeat(101), rating: 3 }, 'invalid_request'),
      post('/admin/exemplars', 'unknown axis', { axis: 'both', label: 'faq', text: 'x' }, 'invalid_request'),
      post('/admin/exemplars', 'label of the other axis', { axis: 'tier', label: 'faq', text: 'x' }, 'invalid_request'),
      post('/admin/exemplars', 'blank text', { axis: 'intent', label: 'faq', text: '  ' }, 'invalid_request'),
      post('/admin/exemplars', 'text too long', { axis: 'intent', label: 'faq', text: 't'.repeat(4001) }, 'invalid_request'),
      post(
        '/admin/exemplars',
        'bad language tag',
        { axis: 'intent', label: 'faq', text: 'x', lang: 'english' },
        'invalid_request',
      ),
      post('/admin/exemplars', 'duplicate text', { axis: first.axis, label: first.label, text: first.text }, 'conflict'),
    ]);
  });

  await t.test('admin ids, query parameters and import files', async () => {
    const req = (method: string, path: string, code?: string, extra: Partial<HostileRequest> = {}): HostileRequest => ({
      name: `${method} ${path.slice(0, 80)}`,
      method,
      path,
      ...(code === undefined ? {} : { code }),
      ...extra,
    });
    const patch = (id: string, code: string, body: unknown = { label: first.label }) =>
      req('PATCH', `/admin/exemplars/${id}`, code, { headers: JSON_TYPE, body: JSON.stringify(body) });
    const csv = (name: string, body: string | Uint8Array, code = 'invalid_request'): HostileRequest => ({
      name,
      method: 'POST',
      path: '/admin/exemplars/import',
      headers: { 'content-type': 'text/csv' },
      body,
      code,
    });
    const jsonl = (name: string, body: string | Uint8Array, code = 'invalid_request'): HostileRequest => ({
      name,
      method: 'POST',
      path: '/admin/exemplars/import',
      headers: { 'content-type': 'application/x-ndjson' },
      body,
      code,
    });
    const ids = [
      'abc',
      '-1',
      '0',
      '1.5',
      '1e999',
      'NaN',
      'Infinity',
      '0x7fffffff',
      '%ff',
      '%E0%A4%A',
      `${'9'.repeat(400)}`,
      encodeURIComponent('1; DROP TABLE exemplars'),
    ];
    const absurdLists = [
      'limit=-1',
      'limit=0',
      'limit=1001',
      'limit=abc',
      'limit=1e309',
      'limit=1.5',
      'offset=-5',
      'offset=abc',
      'offset=1e20',
      `offset=${'9'.repeat(400)}`,
      'axis=both',
      'lang=english',
      'q=',
      `q=${'q'.repeat(501)}`,
      'label=',
      'limit=%ff',
    ];
    const requests: HostileRequest[] = [
      ...ids.flatMap((id) => [
        patch(id, id === '0x7fffffff' ? 'not_found' : 'invalid_request'),
        req('DELETE', `/admin/exemplars/${id}`, id === '0x7fffffff' ? 'not_found' : 'invalid_request'),
        req('GET', `/admin/exemplars/${id}`, id === '0x7fffffff' ? 'not_found' : 'invalid_request'),
        req('POST', `/admin/feedback/${id}/promote`, 'not_found'),
        req('POST', `/admin/feedback/${id}/dismiss`, 'not_found'),
      ]),
      patch('999999', 'not_found'),
      req('DELETE', '/admin/exemplars/999999', 'not_found'),
      patch(String(first.id), 'invalid_request', {}),
      patch(String(first.id), 'invalid_request', { axis: 'tier' }),
      patch(String(first.id), 'invalid_request', { label: 'nope' }),
      patch(String(first.id), 'invalid_request', { text: 't'.repeat(4001) }),
      patch(String(first.id), 'invalid_request', { lang: '' }),
      ...(first.axis === second.axis ? [patch(String(first.id), 'conflict', { text: second.text })] : []),
      ...absurdLists.map((query) => req('GET', `/admin/exemplars?${query}`, 'invalid_request')),
      ...absurdLists.slice(0, 10).map((query) => req('GET', `/admin/feedback?${query}`, 'invalid_request')),
      req('GET', '/admin/feedback?status=closed', 'invalid_request'),
      req('GET', '/admin/feedback?corrections=maybe', 'invalid_request'),
      req('GET', '/admin/exemplars/export?format=xml', 'invalid_request'),
      req('GET', '/admin/exemplars/export?format=', 'invalid_request'),
      req('GET', '/v1/stats?since=yesterday', 'invalid_request'),
      req('GET', '/v1/stats?since=2026-13-45T99:00:00Z', 'invalid_request'),
      req('GET', '/v1/stats?since=%ff', 'invalid_request'),
      req('GET', `/v1/stats?since=${'2'.repeat(5000)}`, 'invalid_request'),
      req('GET', '/v1/stats?since=+275760-09-13T00:00:00Z', 'invalid_request'),
      req('GET', '/v1/models?limit=-1&x=%00', undefined, { mayPass: true }),
      req('GET', `/v1/route?${'a=1&'.repeat(2000)}`, 'not_found'),
      req('PUT', '/v1/route', 'not_found', { headers: JSON_TYPE, body: '{"query":"hi"}' }),
      req('DELETE', '/v1/chat/completions', 'not_found'),
      req('POST', `/v1/${'x'.repeat(5000)}`, 'not_found'),
      req('POST', `/admin/feedback/1/promote?lang=${encodeURIComponent('!!')}`, undefined),
      csv('empty', '', 'invalid_request'),
      csv('header only', 'text,label,axis\n'),
      csv('BOM only', '\uFEFF'),
      csv('unterminated quote', 'text,label,axis\n"never closed,faq,intent\n'),
      csv('too many fields', 'text,label,axis\nhi,faq,intent,en,extra\n'),
      csv('unknown label', 'text,label,axis\nhi,gossip,intent\n'),
      csv('unknown axis', 'text,label,axis\nhi,faq,both\n'),
      csv('missing column', 'text,label\nhi,faq\n'),
      csv('blank text', 'text,label,axis\n   ,faq,intent\n'),
      csv('text too long', `text,label,axis\n${'t'.repeat(4001)},faq,intent\n`),
      csv('bad language', 'text,label,axis,lang\nhi,faq,intent,english\n'),
      csv('conflicting duplicate', 'text,label,axis\nsame text,faq,intent\nsame text,sales,intent\n'),
      csv('invalid UTF-8', invalidUtf8Json('text,label,axis\n', ' broken,faq,intent\n'), 'invalid_request'),
      csv('NUL bytes', 'text,label,axis\n\u0000\u0000,faq,intent\nok,nope,intent\n'),
      csv('over the body limit', `text,label,axis\n${'a,faq,intent\n'.repeat(90_000)}`, 'payload_too_large'),
      jsonl('not JSON', '{"text":"hi","label":"faq","axis":"intent"}\nnot json\n'),
      jsonl('null line', 'null\n'),
      jsonl('array line', '[1,2,3]\n'),
      jsonl('10k nested line', `${deepArrays(10_000)}\n`),
      jsonl('wrong types', '{"text":5,"label":true,"axis":null}\n'),
      jsonl('unknown label', '{"text":"hi","label":"gossip","axis":"intent"}\n'),
      jsonl('invalid UTF-8', invalidUtf8Json('{"text":"', '","label":"faq","axis":"intent"}\n')),
      jsonl('blank lines only', '\n\n\n'),
    ];
    const codes = await runBatch(stack, requests);
    assert.equal(codes.get('accepted') ?? 0, 1, 'only /v1/models ignores unknown query parameters');
  });

  await t.test('promote refuses what is not an open correction', async () => {
    const feedback = async (body: unknown) =>
      json<{ feedback: { id: number } }>(
        await send(stack, {
          name: 'feedback',
          method: 'POST',
          path: '/v1/feedback',
          headers: JSON_TYPE,
          body: JSON.stringify(body),
        }),
      );
    const rating = await feedback({ decision_id: routed.decision_id, rating: 2 });
    // Prompts are not kept (LEDGER_STORE_PROMPTS is off), so the correction brings its query along.
    const correction = await feedback({
      decision_id: routed.decision_id,
      expected: { intent: 'smalltalk' },
      text: 'hello there, how are you?',
    });
    const promote = (id: number, query = '') => `/admin/feedback/${id}/promote${query}`;
    await runBatch(stack, [
      { name: 'promote a rating', method: 'POST', path: promote(rating.feedback.id), code: 'invalid_request' },
      {
        name: 'promote with a bad language',
        method: 'POST',
        path: promote(correction.feedback.id, '?lang=Klingon!'),
        code: 'invalid_request',
      },
    ]);
    assert.equal((await send(stack, { name: 'promote', method: 'POST', path: promote(correction.feedback.id) })).status, 200);
    await runBatch(stack, [{ name: 'promote twice', method: 'POST', path: promote(correction.feedback.id), code: 'conflict' }]);
  });

  await t.test(`seeded mutations of valid bodies (${MUTATIONS_PER_ENDPOINT} per endpoint) never get a 5xx`, async () => {
    for (const [index, endpoint] of endpoints.entries()) {
      const codes = await runBatch(stack, fuzzCases(endpoint, SEED + index));
      // The mutations are meant to break things: most of them must be refused.
      const refused = [...codes].filter(([code]) => code !== 'accepted').reduce((sum, [, n]) => sum + n, 0);
      assert.ok(
        refused >= MUTATIONS_PER_ENDPOINT / 3,
        `${endpoint.path}: only ${refused} refused: ${JSON.stringify([...codes])}`,
      );
    }
  });

  assert.deepEqual(
    stack.logLines.filter((line) => line.includes('"level":"error"')),
    [],
    'no request reached the unhandled-error path',
  );
});
