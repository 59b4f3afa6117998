import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startProxyStack, type ProxyStack } from '../support/proxy-stack.js';

/**
 * A proxied call that fails after the router decided (every candidate failed) still says what was decided: the
 * decision id that finds its ledger row, the tier and intent, and how many upstream calls were made. A request refused
 * before any decision carries none of them, so a client never reads a decision that was not made.
 */

const KEY = 'key-failed-decision-1';
const ENV = { CLIENT_API_KEYS: KEY };

const ENDPOINTS: { path: string; provider: 'openai' | 'anthropic'; body: (content: string | undefined) => unknown }[] = [
  {
    path: '/v1/chat/completions',
    provider: 'openai',
    body: (content) => ({ model: 'auto', messages: content === undefined ? [] : [{ role: 'user', content }] }),
  },
  {
    path: '/v1/messages',
    provider: 'anthropic',
    body: (content) => ({
      model: 'auto',
      max_tokens: 50,
      messages: content === undefined ? [] : [{ role: 'user', content }],
    }),
  },
  { path: '/v1/responses', provider: 'openai', body: (content) => ({ model: 'auto', input: content ?? [] }) },
];

function post(stack: ProxyStack, path: string, body: unknown): Promise<Response> {
  return fetch(`${stack.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, 'x-api-key': KEY },
    body: JSON.stringify(body),
  });
}

for (const endpoint of ENDPOINTS) {
  test(`${endpoint.path}: an upstream failure after the decision carries the decision headers`, async (t) => {
    const stack = await startProxyStack(t, { providers: [endpoint.provider], env: ENV });
    stack.upstream.fail(
      { type: 'status', status: 500, message: 'the fake upstream broke' },
      { type: 'status', status: 500, message: 'the fake upstream broke' },
      { type: 'status', status: 500, message: 'the fake upstream broke' },
      { type: 'status', status: 500, message: 'the fake upstream broke' },
    );
    const failed = await post(stack, endpoint.path, endpoint.body('write a haiku about the sea'));
    assert.equal(failed.status, 502);
    const decisionId = failed.headers.get('x-router-decision-id');
    assert.ok(decisionId, 'the decision id is on the failed answer');
    assert.equal(decisionId, failed.headers.get('x-request-id'), 'the decision id is the request id, as on a success');
    assert.equal(failed.headers.get('x-router-routed'), 'true');
    assert.match(failed.headers.get('x-router-tier') ?? '', /^(simple|medium|complex)$/);
    assert.ok(failed.headers.get('x-router-intent'), 'the intent is on the failed answer');
    assert.equal(
      failed.headers.get('x-router-attempts'),
      String(stack.upstream.requests.length),
      'every upstream call counted, none invented',
    );
    assert.ok(stack.upstream.requests.length >= 1);
    assert.equal(failed.headers.get('x-router-model'), null, 'no model answered, so none is named');

    const invalid = await post(stack, endpoint.path, endpoint.body(undefined));
    assert.equal(invalid.status, 400);
    assert.ok(invalid.headers.get('x-request-id'));
    assert.equal(invalid.headers.get('x-router-decision-id'), null, 'refused before routing: no decision to name');
  });
}
