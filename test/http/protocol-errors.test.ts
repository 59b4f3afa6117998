import assert from 'node:assert/strict';
import { test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { createApp } from '../../src/app.js';
import { silentLogger } from '../../src/logger.js';
import { testConfig } from '../support/env.js';
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
const KEYS = {
  ok: 'key-ok-000001',
  limited: 'key-limited-01',
  invalid: 'key-invalid-01',
  upstream: 'key-upstream-1',
  // The stored-response endpoints: one key that creates, and one per endpoint for its 404 then its 429.
  creator: 'key-creator-01',
  retrieve: 'key-retrieve-1',
  remove: 'key-delete-001',
  items: 'key-items-0001',
  paging: 'key-paging-001',
};
const ENV = {
  CLIENT_API_KEYS: Object.values(KEYS)
    .filter((key) => key !== KEYS.invalid)
    .join(','),
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

type ErrorCase = 'unauthorized' | 'tooLarge' | 'invalid' | 'rateLimited' | 'upstream';

/** Our answer for each case, whichever protocol carries it. */
const EXPECTED: Record<ErrorCase, Expected> = {
  unauthorized: { status: 401, code: 'unauthorized', message: MESSAGES.unauthorized },
  tooLarge: { status: 413, code: 'payload_too_large', message: MESSAGES.tooLarge },
  invalid: { status: 400, code: 'invalid_request', message: /./ },
  rateLimited: { status: 429, code: 'rate_limited', message: MESSAGES.rateLimited },
  upstream: { status: 502, code: 'upstream_error', message: MESSAGES.upstream },
};

type ErrorClass<E> = new (...args: never[]) => E;

async function rejection(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => assert.fail('the call should have failed'),
    (caught: unknown) => caught,
  );
}

interface SdkUnderTest {
  title: string;
  provider: 'openai' | 'anthropic';
  /** What our validation message names for a request without messages (or input items). */
  invalidMessage: RegExp;
  /** A chat request on the protocol's endpoint; no messages at all when `content` is undefined. */
  call(stack: ProxyStack, key: string, content: string | undefined): Promise<unknown>;
  /** Asserts the SDK raised its own typed error for the case, carrying our message and code. */
  expect(call: Promise<unknown>, errorCase: ErrorCase): Promise<void>;
}

const OPENAI_ERRORS: Record<ErrorCase, [ErrorClass<InstanceType<typeof OpenAI.APIError>>, string]> = {
  unauthorized: [OpenAI.AuthenticationError, 'authentication_error'],
  // OpenAI's SDK has no class of its own for 413: its base APIError is what it raises.
  tooLarge: [OpenAI.APIError, 'invalid_request_error'],
  invalid: [OpenAI.BadRequestError, 'invalid_request_error'],
  rateLimited: [OpenAI.RateLimitError, 'rate_limit_error'],
  upstream: [OpenAI.InternalServerError, 'api_error'],
};

const ANTHROPIC_ERRORS: Record<ErrorCase, [ErrorClass<InstanceType<typeof Anthropic.APIError>>, string]> = {
  unauthorized: [Anthropic.AuthenticationError, 'authentication_error'],
  tooLarge: [Anthropic.ContentTooLargeError, 'request_too_large'],
  invalid: [Anthropic.BadRequestError, 'invalid_request_error'],
  rateLimited: [Anthropic.RateLimitError, 'rate_limit_error'],
  upstream: [Anthropic.InternalServerError, 'api_error'],
};

/** Asserts the OpenAI SDK raised `type` for our answer: its OpenAI error type, our code and our message. */
async function expectOpenAiError(
  call: Promise<unknown>,
  [type, openAiType]: [ErrorClass<InstanceType<typeof OpenAI.APIError>>, string],
  expected: Expected,
): Promise<void> {
  const error = await rejection(call);
  assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
  assert.equal(error.status, expected.status);
  assert.equal(error.type, openAiType, 'the OpenAI error type, which the house shape lacks');
  assert.equal(error.code, expected.code);
  assertMessage(error.message.replace(/^\d{3} /, ''), expected.message);
}

const SDKS: SdkUnderTest[] = [
  {
    title: 'OpenAI SDK on /v1/chat/completions',
    provider: 'openai',
    invalidMessage: /messages/,
    call: (stack, key, content) =>
      openai(stack, key).chat.completions.create({
        model: 'gpt-4o-mini',
        messages: content === undefined ? [] : [{ role: 'user', content }],
      }),
    expect: (call, errorCase) => expectOpenAiError(call, OPENAI_ERRORS[errorCase], EXPECTED[errorCase]),
  },
  {
    title: 'OpenAI SDK on /v1/responses',
    provider: 'openai',
    invalidMessage: /input/,
    call: (stack, key, content) =>
      openai(stack, key).responses.create({ model: 'gpt-4o-mini', input: content === undefined ? [] : content }),
    expect: (call, errorCase) => expectOpenAiError(call, OPENAI_ERRORS[errorCase], EXPECTED[errorCase]),
  },
  {
    title: 'Anthropic SDK on /v1/messages',
    provider: 'anthropic',
    invalidMessage: /messages/,
    call: (stack, key, content) =>
      anthropic(stack, key).messages.create({
        model: 'claude-sonnet-4',
        max_tokens: 50,
        messages: content === undefined ? [] : [{ role: 'user', content }],
      }),
    async expect(call, errorCase) {
      const [type, anthropicType] = ANTHROPIC_ERRORS[errorCase];
      const expected = EXPECTED[errorCase];
      const error = await rejection(call);
      assert.ok(error instanceof type, `${errorCase}: expected ${type.name}, got ${String(error)}`);
      assert.equal(error.status, expected.status);
      assert.equal(error.type, anthropicType, 'the Anthropic error type, which the house shape lacks');
      assert.equal((error.error as { type?: unknown }).type, 'error', 'the Anthropic envelope');
      assert.equal((error.error as { error?: { code?: unknown } }).error?.code, expected.code);
      assertMessage(error.apiMessage, expected.message);
    },
  },
];

for (const sdk of SDKS) {
  test(`${sdk.title}: 401, 413, 400, 429 and upstream 502 are its typed errors`, async (t) => {
    const stack = await startProxyStack(t, { providers: [sdk.provider], env: ENV });
    await sdk.expect(sdk.call(stack, KEYS.invalid, 'hello there'), 'unauthorized');
    await sdk.expect(sdk.call(stack, KEYS.invalid, OVERSIZED), 'tooLarge');
    // The limited key's one token goes to a request refused by validation, which the limiter counts like any other.
    const invalid = sdk.call(stack, KEYS.limited, undefined);
    await sdk.expect(
      invalid.catch((error: unknown) => {
        assert.match((error as Error).message, sdk.invalidMessage, 'our validation message names the field');
        throw error;
      }),
      'invalid',
    );
    // The rate limiter is middleware: before one onError it answered SDK clients in the house shape.
    await sdk.expect(sdk.call(stack, KEYS.limited, 'hello there'), 'rateLimited');
    stack.upstream.fail({ type: 'status', status: 500, message: 'the fake upstream broke' });
    await sdk.expect(sdk.call(stack, KEYS.upstream, 'hello there'), 'upstream');
    assert.equal(stack.upstream.requests.length, 1, 'only the upstream case reached the upstream');
  });
}

test('OpenAI SDK on /v1/models: a 401 from auth is its AuthenticationError', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai'], env: ENV });
  await SDKS[0]!.expect(openai(stack, KEYS.invalid).models.list(), 'unauthorized');
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

/** Our 404 for a stored response that is not there (unknown, deleted, or another key's). */
const notFound = (id: string): Expected => ({
  status: 404,
  code: 'response_not_found',
  message: `Response with id '${id}' not found: the router only keeps responses it answered with store not false, for RESPONSES_TTL_SECONDS, for the API key that created them`,
});
const OPENAI_NOT_FOUND: [ErrorClass<InstanceType<typeof OpenAI.APIError>>, string] = [OpenAI.NotFoundError, 'not_found_error'];

test('OpenAI SDK on the stored responses (retrieve, delete, inputItems.list): 401, 404, 400 and 429 are its typed errors', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai'], env: ENV });
  const created = await openai(stack, KEYS.creator).responses.create({ model: 'gpt-4o-mini', input: 'name three rivers' });
  const missing = 'resp_0000000000000000000000000000000000000000000000';

  // Auth is middleware: before one onError its 401 reached the SDK in the house shape, as a bare APIError.
  const stranger = openai(stack, KEYS.invalid);
  for (const call of [
    () => stranger.responses.retrieve(created.id),
    () => stranger.responses.delete(created.id),
    () => stranger.responses.inputItems.list(created.id),
  ]) {
    await expectOpenAiError(call(), OPENAI_ERRORS.unauthorized, EXPECTED.unauthorized);
  }

  // Each endpoint's one token goes to a 404 from the handler (another key's response looks like no response at all),
  // and its second call meets the rate limiter.
  const retrieve = openai(stack, KEYS.retrieve);
  await expectOpenAiError(retrieve.responses.retrieve(created.id), OPENAI_NOT_FOUND, notFound(created.id));
  await expectOpenAiError(retrieve.responses.retrieve(created.id), OPENAI_ERRORS.rateLimited, EXPECTED.rateLimited);
  const remove = openai(stack, KEYS.remove);
  await expectOpenAiError(remove.responses.delete(missing), OPENAI_NOT_FOUND, notFound(missing));
  await expectOpenAiError(remove.responses.delete(missing), OPENAI_ERRORS.rateLimited, EXPECTED.rateLimited);
  const items = openai(stack, KEYS.items);
  await expectOpenAiError(items.responses.inputItems.list(missing), OPENAI_NOT_FOUND, notFound(missing));
  await expectOpenAiError(items.responses.inputItems.list(missing), OPENAI_ERRORS.rateLimited, EXPECTED.rateLimited);
  // Validation of the query string (the handler's zod check) is a BadRequestError naming the parameter.
  await expectOpenAiError(
    openai(stack, KEYS.paging).responses.inputItems.list(created.id, { limit: 1000 }),
    OPENAI_ERRORS.invalid,
    {
      status: 400,
      code: 'invalid_request',
      message: /^limit: /,
    },
  );

  assert.equal(stack.upstream.requests.length, 1, 'only the create reached the upstream');
});

test('not ready: each SDK raises its typed 503 from the readiness middleware, on every endpoint it calls', async () => {
  const app = createApp({ config: testConfig({ CLIENT_API_KEYS: KEYS.ok }), logger: silentLogger, services: () => undefined });
  // The SDKs send their requests straight into the app: no port, the same onError.
  const fetch = async (input: string | URL | Request, init?: RequestInit) => app.request(input, init);
  const notReady: Expected = {
    status: 503,
    code: 'not_ready',
    message: 'the router is still loading its embedder and exemplars; retry shortly',
  };
  const client = new OpenAI({ apiKey: KEYS.ok, baseURL: 'http://router.test/v1', maxRetries: 0, fetch });
  const openAiNotReady: [ErrorClass<InstanceType<typeof OpenAI.APIError>>, string] = [OpenAI.InternalServerError, 'api_error'];
  for (const call of [
    () => client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] }),
    () => client.responses.create({ model: 'auto', input: 'hello' }),
    () => client.responses.retrieve('resp_1'),
    () => client.responses.delete('resp_1'),
    () => client.responses.inputItems.list('resp_1'),
    () => client.models.list(),
  ]) {
    await expectOpenAiError(call(), openAiNotReady, notReady);
  }
  const claude = new Anthropic({ apiKey: KEYS.ok, baseURL: 'http://router.test', maxRetries: 0, fetch });
  const error = await rejection(
    claude.messages.create({ model: 'claude-sonnet-4', max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] }),
  );
  assert.ok(error instanceof Anthropic.InternalServerError, String(error));
  assert.equal(error.status, 503);
  assert.equal(error.type, 'overloaded_error');
  assert.equal(error.apiMessage, notReady.message);
});
