import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import type { ResponseItem } from 'openai/resources/responses/responses';
import { startProxyStack } from '../support/proxy-stack.js';

function client(url: string, apiKey = 'router-client-key') {
  return new OpenAI({ apiKey, baseURL: `${url}/v1`, maxRetries: 0 });
}

const notFound = (id: string) => (error: unknown) => {
  assert.ok(error instanceof OpenAI.NotFoundError, String(error));
  assert.equal(error.code, 'response_not_found');
  assert.equal(error.type, 'not_found_error');
  assert.match(error.message, new RegExp(`'${id}' not found`));
  return true;
};

/** A message item's text, whichever content shape it has. */
function text(item: ResponseItem): string {
  assert.equal(item.type, 'message');
  if (item.type !== 'message') return '';
  return item.content.map((part) => ('text' in part ? part.text : '')).join('');
}

test('responses.retrieve reads back a stored response, created or streamed, exactly as it was answered', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai', 'anthropic'] });
  const openai = client(stack.url);
  const created = await openai.responses.create({ model: 'auto', instructions: 'Be brief.', input: 'name three rivers' });
  assert.deepEqual(await openai.responses.retrieve(created.id), created);

  const stream = openai.responses.stream({ model: 'claude-3-5-haiku', input: 'tell me about foxes' });
  const streamed = await stream.finalResponse();
  const read = await openai.responses.retrieve(streamed.id);
  assert.equal(read.id, streamed.id);
  assert.equal(read.output_text, streamed.output_text);
  assert.equal(read.status, 'completed');
  assert.equal(read.usage?.output_tokens, streamed.usage?.output_tokens);

  const calls = stack.upstream.requests.length;
  await openai.responses.retrieve(created.id);
  assert.equal(stack.upstream.requests.length, calls, 'reading back never calls an upstream');
});

test('inputItems.list: the conversation a response came from, newest first by default, paged by item id', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai'] });
  const openai = client(stack.url);
  const first = await openai.responses.create({ model: 'gpt-4o', input: 'my name is Ada' });
  const second = await openai.responses.create({
    model: 'gpt-4o',
    previous_response_id: first.id,
    input: [{ role: 'user', content: [{ type: 'input_text', text: 'what is my name?' }] }],
  });

  const page = await openai.responses.inputItems.list(second.id);
  assert.equal(page.data.length, 3, "the first turn, its answer and this turn's input; not this response's output");
  assert.deepEqual(
    page.data.map((item) => (item.type === 'message' ? item.role : item.type)),
    ['user', 'assistant', 'user'],
  );
  assert.deepEqual(page.data.map(text), ['what is my name?', first.output_text, 'my name is Ada']);
  assert.equal(page.data[0]!.type === 'message' && page.data[0]!.content[0]!.type, 'input_text');
  assert.equal(page.data[1]!.type === 'message' && page.data[1]!.content[0]!.type, 'output_text');
  assert.equal(new Set(page.data.map((item) => item.id)).size, 3, 'every item has an id of its own');

  // Pages of one, ascending, followed through the SDK's own cursor handling.
  const ascending: string[] = [];
  for await (const item of openai.responses.inputItems.list(second.id, { order: 'asc', limit: 1 })) ascending.push(text(item));
  assert.deepEqual(ascending, ['my name is Ada', first.output_text, 'what is my name?']);
  const onePage = await openai.responses.inputItems.list(second.id, { order: 'asc', limit: 2 });
  assert.equal(onePage.has_more, true);
  const rest = await openai.responses.inputItems.list(second.id, { order: 'asc', limit: 2, after: onePage.data[1]!.id });
  assert.deepEqual(rest.data.map(text), ['what is my name?']);
  assert.equal(rest.has_more, false);
  // The ids are the same on every read, so a cursor from one call works in the next.
  assert.deepEqual(
    (await openai.responses.inputItems.list(second.id)).data.map((item) => item.id),
    page.data.map((item) => item.id),
  );

  await assert.rejects(
    openai.responses.inputItems.list(second.id, { after: 'msg_not_there' }),
    (error: unknown) => error instanceof OpenAI.BadRequestError && error.param === 'after',
  );
  for (const query of ['limit=0', 'limit=101', 'order=sideways']) {
    const response = await fetch(`${stack.url}/v1/responses/${second.id}/input_items?${query}`);
    assert.equal(response.status, 400, query);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'invalid_request', query);
  }
});

test('a tool loop reads back as its function_call and function_call_output items', async (t) => {
  const stack = await startProxyStack(t, { providers: ['anthropic'] });
  const openai = client(stack.url);
  const tools = [
    {
      type: 'function' as const,
      name: 'get_weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      strict: false,
    },
  ];
  const first = await openai.responses.create({ model: 'claude-sonnet-4', input: 'weather in Lima', tools });
  const call = first.output.find((item) => item.type === 'function_call');
  assert.ok(call && call.type === 'function_call');
  const second = await openai.responses.create({
    model: 'claude-sonnet-4',
    previous_response_id: first.id,
    input: [{ type: 'function_call_output', call_id: call.call_id, output: '18 degrees' }],
    tools,
  });
  const items = (await openai.responses.inputItems.list(second.id, { order: 'asc' })).data;
  const kinds = items.map((item) => item.type);
  assert.equal(kinds[0], 'message');
  assert.ok(kinds.includes('function_call'));
  assert.equal(kinds.at(-1), 'function_call_output');
  const output = items.at(-1)!;
  assert.ok(output.type === 'function_call_output');
  assert.equal(output.call_id, call.call_id);
  assert.equal(output.output, '18 degrees');
});

test('responses.delete removes a stored response: it can no longer be read, listed or continued', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai'] });
  const openai = client(stack.url);
  const kept = await openai.responses.create({ model: 'auto', input: 'keep me' });
  const gone = await openai.responses.create({ model: 'auto', input: 'forget me' });
  const response = await openai.responses.delete(gone.id).asResponse();
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { id: gone.id, object: 'response', deleted: true });

  await assert.rejects(openai.responses.retrieve(gone.id), notFound(gone.id));
  await assert.rejects(openai.responses.inputItems.list(gone.id), notFound(gone.id));
  await assert.rejects(openai.responses.delete(gone.id), notFound(gone.id), 'a second delete finds nothing');
  await assert.rejects(
    openai.responses.create({ model: 'auto', previous_response_id: gone.id, input: 'go on' }),
    (error: unknown) => error instanceof OpenAI.BadRequestError && error.code === 'previous_response_not_found',
  );
  assert.equal((await openai.responses.retrieve(kept.id)).id, kept.id, 'only the one asked for is deleted');
});

test('unknown, store:false and expired ids are 404s with one stable code', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai'], env: { RESPONSES_TTL_SECONDS: '60' } });
  const openai = client(stack.url);
  await assert.rejects(openai.responses.retrieve('resp_unknown'), notFound('resp_unknown'));
  await assert.rejects(openai.responses.delete('resp_unknown'), notFound('resp_unknown'));

  const unstored = await openai.responses.create({ model: 'auto', input: 'hello', store: false });
  await assert.rejects(openai.responses.retrieve(unstored.id), notFound(unstored.id));

  const stored = await openai.responses.create({ model: 'auto', input: 'hello' });
  assert.equal((await openai.responses.retrieve(stored.id)).id, stored.id);
  stack.store.db.prepare('UPDATE responses SET expires_at = expires_at - 61000').run();
  await assert.rejects(openai.responses.retrieve(stored.id), notFound(stored.id));
  await assert.rejects(openai.responses.inputItems.list(stored.id), notFound(stored.id));
  await assert.rejects(openai.responses.delete(stored.id), notFound(stored.id));

  const streamBack = await fetch(`${stack.url}/v1/responses/${stored.id}?stream=true`);
  assert.equal(streamBack.status, 400, 'streaming a stored response back is refused, not ignored');
});

test("another API key cannot read, list, delete or continue a key's stored responses; no key at all is refused", async (t) => {
  const stack = await startProxyStack(t, {
    providers: ['openai'],
    env: { CLIENT_API_KEYS: 'key-alice-0001,key-bob-0002' },
  });
  const alice = client(stack.url, 'key-alice-0001');
  const bob = client(stack.url, 'key-bob-0002');
  const mine = await alice.responses.create({ model: 'auto', input: 'my secret plan' });

  await assert.rejects(bob.responses.retrieve(mine.id), notFound(mine.id));
  await assert.rejects(bob.responses.inputItems.list(mine.id), notFound(mine.id));
  await assert.rejects(bob.responses.delete(mine.id), notFound(mine.id));
  await assert.rejects(
    bob.responses.create({ model: 'auto', previous_response_id: mine.id, input: 'tell me the plan' }),
    (error: unknown) => error instanceof OpenAI.BadRequestError && error.code === 'previous_response_not_found',
  );
  await assert.rejects(
    client(stack.url, 'key-mallory-9999').responses.retrieve(mine.id),
    (error: unknown) => error instanceof OpenAI.AuthenticationError,
  );
  const anonymous = await fetch(`${stack.url}/v1/responses/${mine.id}`);
  assert.equal(anonymous.status, 401);

  // Bob's attempts changed nothing for Alice.
  assert.equal((await alice.responses.retrieve(mine.id)).output_text, mine.output_text);
  const next = await alice.responses.create({ model: 'auto', previous_response_id: mine.id, input: 'and then?' });
  assert.equal(next.previous_response_id, mine.id);
  await alice.responses.delete(mine.id);
  await assert.rejects(alice.responses.retrieve(mine.id), notFound(mine.id));
});

/** What migration 7 leaves a response stored before it: the row, without an owner. */
function dropOwner(stack: { store: { db: { prepare(sql: string): { run(...params: unknown[]): unknown } } } }, id: string) {
  stack.store.db.prepare('UPDATE responses SET owner = NULL WHERE id = ?').run(id);
}

test("after an upgrade, responses stored before ownership are the admin key's to use; a client key is told why it cannot", async (t) => {
  const adminKey = 'admin-key-0123456789abcdef';
  const stack = await startProxyStack(t, {
    providers: ['openai'],
    env: { CLIENT_API_KEYS: 'key-alice-0001,key-bob-0002', ADMIN_API_KEY: adminKey },
  });
  const alice = client(stack.url, 'key-alice-0001');
  const admin = client(stack.url, adminKey);
  const legacy = await alice.responses.create({ model: 'auto', input: 'my name is Ada' });
  const other = await alice.responses.create({ model: 'auto', input: 'a later one' });
  dropOwner(stack, legacy.id);

  // Nobody can tell which key stored it, so no client key may take it: not even the one that did.
  const predates = /stored without an owner .*only the admin key/;
  await assert.rejects(alice.responses.retrieve(legacy.id), (error: unknown) => {
    assert.ok(notFound(legacy.id)(error));
    assert.match((error as Error).message, predates);
    return true;
  });
  await assert.rejects(alice.responses.delete(legacy.id), notFound(legacy.id));
  await assert.rejects(
    alice.responses.create({ model: 'auto', previous_response_id: legacy.id, input: 'what is my name?' }),
    (error: unknown) =>
      error instanceof OpenAI.BadRequestError && error.code === 'previous_response_not_found' && predates.test(error.message),
  );
  // Another key's response still says nothing more than an unknown id.
  const bob = client(stack.url, 'key-bob-0002');
  await assert.rejects(bob.responses.retrieve(other.id), (error: unknown) => {
    assert.ok(notFound(other.id)(error));
    assert.doesNotMatch((error as Error).message, /owner \(/);
    return true;
  });
  await assert.rejects(admin.responses.retrieve(other.id), notFound(other.id), "the admin key reads no key's own responses");

  // The admin key reads, continues and deletes it.
  assert.equal((await admin.responses.retrieve(legacy.id)).output_text, legacy.output_text);
  assert.equal((await admin.responses.inputItems.list(legacy.id)).data.length, 1);
  const next = await admin.responses.create({ model: 'auto', previous_response_id: legacy.id, input: 'what is my name?' });
  assert.equal(next.previous_response_id, legacy.id);
  const sent = stack.upstream.requests.at(-1)!.body as { input: unknown[] };
  assert.equal(sent.input.length, 3, 'the stored conversation went upstream');
  await assert.rejects(alice.responses.retrieve(next.id), notFound(next.id), "the continuation is the admin key's");
  await admin.responses.delete(legacy.id);
  await assert.rejects(admin.responses.retrieve(legacy.id), notFound(legacy.id));
});

test('without client keys, a response stored before ownership is continued and read by any caller, whatever key its SDK sends', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai'] });
  const first = client(stack.url, 'sdk-placeholder-1');
  const legacy = await first.responses.create({ model: 'auto', input: 'my name is Ada' });
  dropOwner(stack, legacy.id);

  const later = client(stack.url, 'sdk-placeholder-2');
  assert.equal((await later.responses.retrieve(legacy.id)).id, legacy.id);
  const next = await later.responses.create({ model: 'auto', previous_response_id: legacy.id, input: 'what is my name?' });
  assert.equal(next.previous_response_id, legacy.id);
  const keyless = await fetch(`${stack.url}/v1/responses/${legacy.id}`);
  assert.equal(keyless.status, 200);
  // A key's own responses stay its own, as before.
  await assert.rejects(
    later.responses.retrieve((await first.responses.create({ model: 'auto', input: 'mine' })).id),
    (error: unknown) => error instanceof OpenAI.NotFoundError,
  );
  await later.responses.delete(legacy.id);
  await assert.rejects(first.responses.retrieve(legacy.id), notFound(legacy.id));
});
