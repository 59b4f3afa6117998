import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import { loadRoutesData } from '../../src/routes-config/load-routes-data.js';
import { ROUTES_DATA_DIR } from '../support/env.js';
import { startProxyStack } from '../support/proxy-stack.js';

const prices = loadRoutesData(ROUTES_DATA_DIR).prices.models;
const cost = (model: string, usage: { input: number; output: number }) =>
  (usage.input * prices[model]!.input + usage.output * prices[model]!.output) / 1_000_000;

function client(url: string) {
  return new OpenAI({ apiKey: 'router-client-key', baseURL: `${url}/v1`, maxRetries: 0 });
}

const weatherTool = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};

type Json = Record<string, unknown>;

test('responses.create with model auto goes to an OpenAI model through its Responses API, under our id, priced and recorded', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai'] });
  const query = 'write a haiku about the sea';
  const [first] = await stack.candidatesFor(query);
  const { data, response } = await client(stack.url)
    .responses.create({ model: 'auto', instructions: 'Be brief.', input: query, temperature: 0.3, max_output_tokens: 80 })
    .withResponse();
  assert.equal(data.object, 'response');
  assert.equal(data.status, 'completed');
  assert.match(data.id, /^resp_[0-9a-f]{32}$/, 'our id, not the upstream one');
  assert.equal(data.model, first!.provider_model);
  assert.match(data.output_text, new RegExp(`Answer from ${first!.provider_model}: ${query}`));
  assert.equal(response.headers.get('x-router-model'), first!.model);
  assert.equal(response.headers.get('x-router-routed'), 'true');

  const sent = stack.upstream.requests.at(-1)!;
  assert.equal(sent.api, 'responses', 'an OpenAI model gets the Responses API, untranslated');
  const body = sent.body as Json;
  assert.equal(body.model, first!.provider_model);
  assert.equal(body.instructions, 'Be brief.');
  assert.equal(body.temperature, 0.3);
  assert.equal(body.max_output_tokens, 80);
  assert.equal(body.store, false, 'the router keeps the state; the upstream is asked not to');
  assert.deepEqual(body.input, [{ role: 'user', content: query }]);
  assert.equal(data.usage?.input_tokens, sent.usage!.input);
  assert.equal(data.usage?.output_tokens, sent.usage!.output);

  const row = stack.proxy.services.ledger.get(response.headers.get('x-router-decision-id')!)!;
  assert.equal(row.endpoint, '/v1/responses');
  assert.equal(row.model, first!.model);
  assert.equal(row.input_tokens, sent.usage!.input);
  assert.ok(Math.abs((row.cost_usd as number) - cost(first!.model, sent.usage!)) < 1e-12);
  assert.equal(Number(response.headers.get('x-router-cost-usd')), row.cost_usd);
});

test('responses.create to an Anthropic model: instructions, max_output_tokens, temperature, images and usage translate both ways', async (t) => {
  const stack = await startProxyStack(t, { providers: ['anthropic'] });
  const data = await client(stack.url).responses.create({
    model: 'claude-sonnet-4',
    instructions: 'Answer in one line.',
    max_output_tokens: 120,
    temperature: 0.5,
    input: [
      {
        role: 'user',
        content: [
          { type: 'input_text', text: 'what is in this picture?' },
          { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'auto' },
        ],
      },
    ],
  });
  const sent = stack.upstream.requests.at(-1)!;
  assert.equal(sent.api, 'anthropic');
  const body = sent.body as {
    system: unknown;
    max_tokens: number;
    temperature: number;
    messages: { role: string; content: Json[] }[];
  };
  assert.equal(body.system, 'Answer in one line.');
  assert.equal(body.max_tokens, 120);
  assert.equal(body.temperature, 0.5);
  assert.deepEqual(body.messages[0]!.content[1], {
    type: 'image',
    source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' },
  });
  assert.equal(data.model, 'claude-sonnet-4-20250514');
  assert.equal(data.status, 'completed');
  assert.match(data.output_text, /what is in this picture\?/);
  assert.equal(data.output[0]!.type, 'message');
  assert.equal(data.usage?.input_tokens, sent.usage!.input);
  assert.equal(data.usage?.output_tokens, sent.usage!.output);
});

test('a tool loop over previous_response_id: function call out, function_call_output in, on both upstream kinds', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai', 'anthropic'] });
  const openai = client(stack.url);
  for (const model of ['gpt-4o', 'claude-sonnet-4']) {
    const first = await openai.responses.create({ model, input: 'what is the weather in Lima?', tools: [weatherTool] });
    const call = first.output.find((item) => item.type === 'function_call');
    assert.ok(call && call.type === 'function_call', `${model}: a function_call item`);
    assert.equal(call.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.arguments), { city: 'what is the weather in Lima?' });

    const second = await openai.responses.create({
      model,
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: '18 degrees and cloudy' }],
      tools: [weatherTool],
    });
    assert.equal(second.previous_response_id, first.id);
    assert.match(
      second.output_text,
      /using the tool result: 18 degrees and cloudy/,
      `${model}: the tool output reached the model`,
    );
    const sent = stack.upstream.requests.at(-1)!;
    if (model === 'gpt-4o') {
      assert.equal(sent.api, 'responses');
      const input = (sent.body as { input: Json[]; previous_response_id?: unknown }).input;
      assert.equal((sent.body as Json).previous_response_id, undefined, 'our id never goes upstream');
      assert.deepEqual(
        input.map((item) => item.type ?? item.role),
        ['user', 'function_call', 'function_call_output'],
        'the stored conversation is expanded into input',
      );
    } else {
      assert.equal(sent.api, 'anthropic');
      const messages = (sent.body as { messages: { role: string; content: Json[] }[] }).messages;
      assert.deepEqual(
        messages.map((message) => [message.role, message.content.map((block) => block.type).join(',')]),
        [
          ['user', 'text'],
          ['assistant', 'text,tool_use'],
          ['user', 'tool_result'],
        ],
      );
    }
  }
});

test('responses.stream: the event sequence assembles in the SDK, for an OpenAI and an Anthropic upstream', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai', 'anthropic'] });
  for (const model of ['gpt-4o-mini', 'claude-3-5-haiku']) {
    const stream = client(stack.url).responses.stream({ model, input: 'tell me a short story about a fox' });
    const types: string[] = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    const final = await stream.finalResponse();
    assert.equal(types[0], 'response.created', model);
    assert.equal(types.at(-1), 'response.completed', model);
    assert.ok(types.filter((type) => type === 'response.output_text.delta').length > 2, `${model}: text arrives in pieces`);
    for (const type of [
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.done',
      'response.output_item.done',
    ]) {
      assert.ok(types.includes(type), `${model}: ${type}`);
    }
    assert.match(text, /fox/);
    assert.equal(final.output_text, text);
    assert.match(final.id, /^resp_/);
    const sent = stack.upstream.requests.at(-1)!;
    assert.equal(sent.api, model === 'gpt-4o-mini' ? 'responses' : 'anthropic');
    assert.equal(final.usage?.output_tokens, sent.usage!.output);
  }
});

test('a streamed tool call on a translated upstream becomes a function_call item with its argument deltas', async (t) => {
  const stack = await startProxyStack(t, { providers: ['anthropic'] });
  const stream = client(stack.url).responses.stream({
    model: 'claude-sonnet-4',
    input: 'weather in Quito',
    tools: [weatherTool],
  });
  let argumentDeltas = 0;
  stream.on('response.function_call_arguments.delta', () => argumentDeltas++);
  const final = await stream.finalResponse();
  const call = final.output.find((item) => item.type === 'function_call');
  assert.ok(call && call.type === 'function_call');
  assert.equal(call.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.arguments), { city: 'weather in Quito' });
  assert.ok(argumentDeltas > 1);
});

test('previous_response_id: unknown ids and store:false answers are refused with a stable code in the OpenAI shape', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai'] });
  const openai = client(stack.url);
  const refused = (error: unknown) => {
    assert.ok(error instanceof OpenAI.BadRequestError);
    assert.equal(error.code, 'previous_response_not_found');
    assert.equal(error.param, 'previous_response_id');
    assert.equal(error.type, 'invalid_request_error');
    return true;
  };
  const before = stack.upstream.requests.length;
  await assert.rejects(openai.responses.create({ model: 'auto', previous_response_id: 'resp_nope', input: 'go on' }), refused);
  assert.equal(stack.upstream.requests.length, before, 'refused before any upstream call');

  const unstored = await openai.responses.create({ model: 'auto', input: 'hello', store: false });
  assert.equal((unstored as unknown as Json).store, false, 'store is echoed as the client sent it');
  await assert.rejects(
    openai.responses.create({ model: 'auto', previous_response_id: unstored.id, input: 'and then?' }),
    refused,
  );
  const count = stack.store.db.prepare('SELECT count(*) AS n FROM responses').get() as { n: number };
  assert.equal(count.n, 0, 'store:false stores nothing');

  const stored = await openai.responses.create({ model: 'auto', input: 'hello' });
  const follow = await openai.responses.create({ model: 'auto', previous_response_id: stored.id, input: 'and then?' });
  assert.equal(follow.previous_response_id, stored.id);
  const input = (stack.upstream.requests.at(-1)!.body as { input: Json[] }).input;
  assert.deepEqual(
    input.map((item) => item.role),
    ['user', 'assistant', 'user'],
  );
});

test('stored responses expire after RESPONSES_TTL_SECONDS', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai'], env: { RESPONSES_TTL_SECONDS: '60' } });
  const openai = client(stack.url);
  const stored = await openai.responses.create({ model: 'auto', input: 'hello' });
  stack.store.db.prepare('UPDATE responses SET expires_at = expires_at - 61000').run();
  await assert.rejects(
    openai.responses.create({ model: 'auto', previous_response_id: stored.id, input: 'more' }),
    (error: unknown) => error instanceof OpenAI.BadRequestError && error.code === 'previous_response_not_found',
  );
});

test('fallback, upstream errors and a failing stream on /v1/responses', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai', 'anthropic'] });
  const openai = client(stack.url);
  const query = 'explain the difference between TCP and UDP in detail';
  const candidates = await stack.candidatesFor(query);
  assert.ok(candidates.length >= 2);
  stack.upstream.fail({ type: 'status', status: 500 });
  const { data, response } = await openai.responses.create({ model: 'auto', input: query }).withResponse();
  assert.equal(response.headers.get('x-router-attempts'), '2');
  assert.equal(response.headers.get('x-router-model'), candidates[1]!.model);
  assert.equal(data.model, candidates[1]!.provider_model);

  stack.upstream.fail({ type: 'status', status: 400, message: 'Invalid value for input' });
  await assert.rejects(
    openai.responses.create({ model: 'gpt-4o', input: 'hi' }),
    (error: unknown) =>
      error instanceof OpenAI.BadRequestError && error.code === 'upstream_error' && /Invalid value for input/.test(error.message),
  );

  await assert.rejects(
    openai.responses.create({ model: 'gpt-9', input: 'hi' }),
    (error: unknown) => error instanceof OpenAI.BadRequestError && error.code === 'unknown_model',
  );

  stack.upstream.fail({ type: 'stream_cut', afterEvents: 4 });
  const raw = await fetch(`${stack.url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o', input: 'tell me about foxes', stream: true }),
  });
  assert.equal(raw.status, 200);
  const frames = (await raw.text()).split('\n\n').filter(Boolean);
  assert.match(frames[0]!, /^event: response\.created\n/);
  const last = frames.at(-1)!;
  assert.match(last, /^event: response\.failed\n/);
  const failed = JSON.parse(last.split('\ndata: ')[1]!) as { response: { status: string; id: string; error: { code: string } } };
  assert.equal(failed.response.status, 'failed');
  assert.match(failed.response.id, /^resp_/);
  assert.equal(failed.response.error.code, 'server_error');
  const row = stack.proxy.services.ledger.get(raw.headers.get('x-router-decision-id')!)!;
  assert.equal(row.error_code, 'stream_failed');
});

test('an OpenAI-compatible upstream without the Responses API gets chat completions', async (t) => {
  const stack = await startProxyStack(t, { providers: ['gemini'] });
  const data = await client(stack.url).responses.create({
    model: 'gemini-1.5-flash',
    input: 'hello there',
    max_output_tokens: 50,
  });
  const sent = stack.upstream.requests.at(-1)!;
  assert.equal(sent.api, 'openai');
  assert.equal((sent.body as Json).max_completion_tokens, 50);
  assert.match(data.output_text, /hello there/);
});

test('malformed Responses requests are 400s in the OpenAI shape, never a 500, and reach no upstream', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai', 'anthropic'] });
  const cases: [string, unknown][] = [
    ['empty input', { model: 'auto', input: [] }],
    ['content not text or parts', { model: 'auto', input: [{ role: 'user', content: 5 }] }],
    ['a part that is not an object', { model: 'auto', input: [{ role: 'user', content: [5] }] }],
    ['null content', { model: 'auto', input: [{ role: 'user', content: null }] }],
    ['a file part', { model: 'auto', input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'file_1' }] }] }],
    ['an image by file id', { model: 'auto', input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file_1' }] }] }],
    ['an item reference', { model: 'auto', input: [{ type: 'item_reference', id: 'msg_1' }] }],
    ['a tool output that is a number', { model: 'auto', input: [{ type: 'function_call_output', call_id: 'c', output: 7 }] }],
    ['a malformed function call', { model: 'auto', input: [{ type: 'function_call', call_id: 5, name: null, arguments: {} }] }],
    ['tools not a list', { model: 'auto', input: 'hi', tools: 'x' }],
    ['background', { model: 'auto', input: 'hi', background: true }],
    ['conversation', { model: 'auto', input: 'hi', conversation: 'conv_1' }],
  ];
  for (const [name, body] of cases) {
    const response = await fetch(`${stack.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 400, name);
    const error = ((await response.json()) as { error: { type: string; code: string } }).error;
    assert.equal(error.type, 'invalid_request_error', name);
    assert.equal(error.code, 'invalid_request', name);
  }
  assert.equal(stack.upstream.requests.length, 0);
});
