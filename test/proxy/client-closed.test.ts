import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startProxyStack, type ProxyStack } from '../support/proxy-stack.js';

/**
 * Waits for something that happens after the client has gone (the ledger row, the upstream's close), checking
 * between turns of the event loop. Not a timing assertion: the bound only turns a hang into a failure.
 */
async function eventually<T>(what: string, read: () => T | undefined): Promise<T> {
  for (let tries = 0; tries < 500; tries++) {
    const value = read();
    if (value !== undefined) return value;
    await sleep(10);
  }
  assert.fail(`never happened: ${what}`);
}

/** The client reads the first event, then goes away; the upstream has more to send, after a pause. */
async function leaveMidStream(stack: ProxyStack, endpoint: string, open: (signal: AbortSignal) => Promise<Response>) {
  stack.upstream.fail({ type: 'stream_stall', afterEvents: 3, ms: 600_000 });
  const controller = new AbortController();
  const response = await open(controller.signal);
  assert.equal(response.status, 200);
  const reader = response.body!.getReader();
  const first = await reader.read();
  assert.equal(first.done, false, 'the stream had started');
  controller.abort();
  await reader.cancel().catch(() => undefined);

  const decisionId = response.headers.get('x-router-decision-id')!;
  const row = await eventually('the ledger row', () => stack.proxy.services.ledger.get(decisionId));
  assert.equal(row.status, 'client_closed', endpoint);
  assert.equal(row.error_code, 'client_closed', `${endpoint}: before this change, stream_failed`);
  assert.equal(row.http_status, 200);
  const upstream = stack.upstream.requests.at(-1)!;
  await eventually('the upstream request aborted', () => (upstream.clientClosed ? true : undefined));
}

test('a client that leaves a stream is recorded as client_closed, not as an upstream failure, and the upstream call is aborted', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai', 'anthropic'] });
  const post = (path: string, body: unknown) => (signal: AbortSignal) =>
    fetch(`${stack.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer k', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(body),
      signal,
    });
  const messages = [{ role: 'user', content: 'tell me about the moon in detail' }];
  await leaveMidStream(stack, 'chat', post('/v1/chat/completions', { model: 'gpt-4o-mini', stream: true, messages }));
  await leaveMidStream(
    stack,
    'messages',
    post('/v1/messages', { model: 'claude-sonnet-4', max_tokens: 200, stream: true, messages }),
  );
  await leaveMidStream(stack, 'responses', post('/v1/responses', { model: 'gpt-4o', stream: true, input: 'the moon' }));

  const scrape = await (await stack.app.request('/metrics')).text();
  for (const endpoint of ['/v1/chat/completions', '/v1/messages', '/v1/responses'])
    assert.ok(
      scrape.includes(
        `router_proxied_requests_total{endpoint="${endpoint}",status="client_closed",error_code="client_closed"} 1`,
      ),
      endpoint,
    );
  assert.ok(!scrape.includes('error_code="stream_failed"'));
  const stats = stack.proxy.services.ledger.stats(undefined);
  assert.equal(stats.requests, 3);
  assert.equal(stats.errors, 0, 'a client that left is not an error of the router or an upstream');
});

test('an upstream that fails mid-stream is still stream_failed, counted as an error, for SDK clients of either API', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai', 'anthropic'] });
  stack.upstream.fail({ type: 'stream_cut', afterEvents: 2 });
  const { data, response } = await new OpenAI({ apiKey: 'k', baseURL: `${stack.url}/v1`, maxRetries: 0 }).chat.completions
    .create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'tell me about the moon' }] })
    .withResponse();
  await assert.rejects(async () => {
    for await (const _chunk of data);
  }, /upstream stream failed/);
  const row = await eventually('the ledger row', () =>
    stack.proxy.services.ledger.get(response.headers.get('x-router-decision-id')!),
  );
  assert.equal(row.status, 'error');
  assert.equal(row.error_code, 'stream_failed');

  stack.upstream.fail({ type: 'stream_cut', afterEvents: 3 });
  const stream = new Anthropic({ apiKey: 'k', baseURL: stack.url, maxRetries: 0 }).messages.stream({
    model: 'claude-sonnet-4',
    max_tokens: 200,
    messages: [{ role: 'user', content: 'tell me about the moon' }],
  });
  await assert.rejects(stream.finalMessage());
  const scrape = await (await stack.app.request('/metrics')).text();
  assert.ok(
    scrape.includes('router_proxied_requests_total{endpoint="/v1/messages",status="error",error_code="stream_failed"} 1'),
  );
  assert.equal(stack.proxy.services.ledger.stats(undefined).errors, 2);
});
