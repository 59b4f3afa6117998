import assert from 'node:assert/strict';
import { test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startProxyStack, type ProxyStack } from '../support/proxy-stack.js';

/**
 * Every class of error a client can get — from auth, the body limit and the
 * rate limiter (middleware), validation (the handler) and the upstream (the
 * proxy) — reaches each official SDK as that SDK's typed error, carrying our
 * message and our stable code. The house shape would reach an SDK as an error
 * without its `type`, which these tests would catch.
 */

const MAX_BODY_BYTES = 20_000;
const OVERSIZED = 'x'.repeat(MAX_BODY_BYTES + 1000);

/** One key per case: each bucket holds one token and refills once per 1000 s, so only a second call on one key is refused. */
const KEYS = { ok: 'key-ok-000001', limited: 'key-limited-01', invalid: 'key-invalid-01', upstream: 'key-upstream-1' };
const ENV = {
  CLIENT_API_KEYS: [KEYS.ok, KEYS.limited, KEYS.upstream].join(','),
  RATE_LIMIT_PER_SECOND: '0.001',
  RATE_LIMIT_BURST: '1',
  MAX_BODY_BYTES: String(MAX_BODY_BYTES),
};

const MESSAGES = {
  unauthorized: 'the API key is not valid for this router',
  tooLarge: `request body is larger than ${MAX_BODY_BYTES} bytes (MAX_BODY_BYTES)`,
  rateLimited: /^rate limit of 0\.001 requests\/s exceeded; retry after \d+ s$/,
  upstream: /^every candidate failed: /,
};

interface Expected {
  status: number;
  code: string;
  message: string | RegExp;
}

function assertMessage(actual: string | null | undefined, expected: string | RegExp): void {
  if (typeof expected === 'string') assert.equal(actual, expected);
  else assert.match(actual ?? '', expected);
}

function openai(stack: ProxyStack, key: string) {
  return new OpenAI({ apiKey: key, baseURL: `${stack.url}/v1`, maxRetries: 0 });
}

function anthropic(stack: ProxyStack, key: string) {
  return new Anthropic({ apiKey: key, baseURL: stack.url, maxRetries: 0 });
}

async function expectOpenAiError<E extends InstanceType<typeof OpenAI.APIError>>(
  call: Promise<unknown>,
  type: new (...args: never[]) => E,
  openAiType: string,
  expected: Expected,
) {
  const error = await call.then(
    () => assert.fail('the call should have failed'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
  assert.equal(error.status, expected.status);
  assert.equal(error.type, openAiType, 'the OpenAI error type, which the house shape lacks');
  assert.equal(error.code, expected.code);
  assertMessage(error.message.replace(/^\d{3} /, ''), expected.message);
}

async function expectAnthropicError<E extends InstanceType<typeof Anthropic.APIError>>(
  call: Promise<unknown>,
  type: new (...args: never[]) => E,
  anthropicType: string,
  expected: Expected,
) {
  const error = await call.then(
    () => assert.fail('the call should have failed'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
  assert.equal(error.status, expected.status);
  assert.equal(error.type, anthropicType, 'the Anthropic error type, which the house shape lacks');
  assert.equal((error.error as { type?: unknown }).type, 'error', 'the Anthropic envelope');
  assert.equal((error.error as { error?: { code?: unknown } }).error?.code, expected.code);
  assertMessage(error.apiMessage, expected.message);
}

test('OpenAI SDK on /v1/chat/completions and /v1/models: 401, 413, 400, 429 and upstream 502 are its typed errors', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai'], env: ENV });
  const ask = (key: string, content = 'hello there') =>
    openai(stack, key).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });

  await expectOpenAiError(ask(KEYS.invalid), OpenAI.AuthenticationError, 'authentication_error', {
    status: 401,
    code: 'unauthorized',
    message: MESSAGES.unauthorized,
  });
  await expectOpenAiError(openai(stack, KEYS.invalid).models.list(), OpenAI.AuthenticationError, 'authentication_error', {
    status: 401,
    code: 'unauthorized',
    message: MESSAGES.unauthorized,
  });
  // OpenAI's SDK has no class of its own for 413: its base APIError is what it raises.
  await expectOpenAiError(ask(KEYS.invalid, OVERSIZED), OpenAI.APIError, 'invalid_request_error', {
    status: 413,
    code: 'payload_too_large',
    message: MESSAGES.tooLarge,
  });
  // The limited key's one token goes to a request refused by validation, which the limiter counts like any other.
  await expectOpenAiError(
    openai(stack, KEYS.limited).chat.completions.create({ model: 'gpt-4o-mini', messages: [] }),
    OpenAI.BadRequestError,
    'invalid_request_error',
    { status: 400, code: 'invalid_request', message: /messages/ },
  );
  await expectOpenAiError(ask(KEYS.limited), OpenAI.RateLimitError, 'rate_limit_error', {
    status: 429,
    code: 'rate_limited',
    message: MESSAGES.rateLimited,
  });

  stack.upstream.fail({ type: 'status', status: 500, message: 'the fake upstream broke' });
  await expectOpenAiError(ask(KEYS.upstream), OpenAI.InternalServerError, 'api_error', {
    status: 502,
    code: 'upstream_error',
    message: MESSAGES.upstream,
  });
  assert.equal(stack.upstream.requests.length, 1, 'only the upstream case reached the upstream');
});

test('Anthropic SDK on /v1/messages: 401, 413, 400, 429 and upstream 502 are its typed errors', async (t) => {
  const stack = await startProxyStack(t, { providers: ['anthropic'], env: ENV });
  const ask = (key: string, content = 'hello there') =>
    anthropic(stack, key).messages.create({ model: 'claude-sonnet-4', max_tokens: 50, messages: [{ role: 'user', content }] });

  await expectAnthropicError(ask(KEYS.invalid), Anthropic.AuthenticationError, 'authentication_error', {
    status: 401,
    code: 'unauthorized',
    message: MESSAGES.unauthorized,
  });
  await expectAnthropicError(ask(KEYS.invalid, OVERSIZED), Anthropic.ContentTooLargeError, 'request_too_large', {
    status: 413,
    code: 'payload_too_large',
    message: MESSAGES.tooLarge,
  });
  await expectAnthropicError(
    anthropic(stack, KEYS.limited).messages.create({ model: 'claude-sonnet-4', max_tokens: 50, messages: [] }),
    Anthropic.BadRequestError,
    'invalid_request_error',
    { status: 400, code: 'invalid_request', message: /messages/ },
  );
  // The rate limiter is middleware: before one onError it answered Anthropic clients in the house shape.
  await expectAnthropicError(ask(KEYS.limited), Anthropic.RateLimitError, 'rate_limit_error', {
    status: 429,
    code: 'rate_limited',
    message: MESSAGES.rateLimited,
  });

  stack.upstream.fail({ type: 'status', status: 500, message: 'the fake upstream broke' });
  await expectAnthropicError(ask(KEYS.upstream), Anthropic.InternalServerError, 'api_error', {
    status: 502,
    code: 'upstream_error',
    message: MESSAGES.upstream,
  });
  assert.equal(stack.upstream.requests.length, 1, 'only the upstream case reached the upstream');
});

test('the house endpoints keep the house shape for the same middleware errors', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai'], env: ENV });
  const response = await fetch(`${stack.url}/v1/route`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.invalid}` },
    body: JSON.stringify({ query: 'hello' }),
  });
  assert.equal(response.status, 401);
  assert.deepEqual(await response.json(), { error: { code: 'unauthorized', message: MESSAGES.unauthorized } });
});
