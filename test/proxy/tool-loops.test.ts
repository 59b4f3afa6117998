import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { postJson } from '../support/test-router.js';
import { startProxyStack } from '../support/proxy-stack.js';

function client(url: string) {
  return new OpenAI({ apiKey: 'router-client-key', baseURL: `${url}/v1`, maxRetries: 0 });
}

const LEDGER =
  'Design a multi-region payments ledger: double-entry accounts, exactly-once settlement across three regions, idempotent transfers, reconciliation with the card networks, and a migration plan from our single Postgres instance without downtime.';

const readSchema = {
  type: 'function' as const,
  function: {
    name: 'read_schema',
    description: 'Reads a database schema',
    parameters: { type: 'object', properties: { db: { type: 'string' } } },
  },
};

test("the issue's example: 'thanks, continue' after a tool call stays on the complex tier, without a session id", async (t) => {
  // USE-lite, the real offline embedder: the tiny stand-in has no sense of difficulty.
  const stack = await startProxyStack(t, { providers: ['openai', 'anthropic'], embedder: 'use-lite' });
  const openai = client(stack.url);
  const first = await openai.chat.completions
    .create({ model: 'auto', messages: [{ role: 'user', content: LEDGER }] })
    .withResponse();
  assert.equal(first.response.headers.get('x-router-tier'), 'complex', 'the first turn is complex on its own');

  const alone = (await (await postJson(stack.app, '/v1/route', { query: 'thanks, continue' })).json()) as { tier: string };
  assert.equal(alone.tier, 'simple', 'on its own words the follow-up is simple: the test would catch a drop');

  const messages: ChatCompletionMessageParam[] = [
    { role: 'user', content: LEDGER },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'read_schema', arguments: '{"db":"payments"}' } }],
    },
    {
      role: 'tool',
      tool_call_id: 'call_1',
      content: 'tables: accounts(id, owner, currency), transfers(id, from_id, to_id, amount)',
    },
    { role: 'assistant', content: 'Part one: the ledger model and the regional write path.' },
    { role: 'user', content: 'thanks, continue' },
  ];
  const followUp = await openai.chat.completions.create({ model: 'auto', messages, tools: [readSchema] }).withResponse();
  assert.equal(followUp.response.headers.get('x-router-tier'), 'complex');
  assert.equal(followUp.response.headers.get('x-router-model'), first.response.headers.get('x-router-model'));

  const evidence = (await (await postJson(stack.app, '/v1/route', { messages })).json()) as {
    tier: string;
    adjustments: string[];
  };
  assert.equal(evidence.tier, 'complex');
  assert.ok(
    evidence.adjustments.includes('short follow-up (2 words) routed as the user turn 1 back'),
    evidence.adjustments.join('; '),
  );
});

test('every step of a tool loop goes to the model that served its first step, even when that was a fallback', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai', 'anthropic'] });
  const openai = client(stack.url);
  const question = 'look up the payments schema and tell me which tables hold balances';
  const [planned, fallback] = await stack.candidatesFor(question);
  assert.ok(planned && fallback && planned.model !== fallback.model);

  stack.upstream.fail({ type: 'status', status: 503 });
  const step1 = await openai.chat.completions
    .create({ model: 'auto', messages: [{ role: 'user', content: question }], tools: [readSchema] })
    .withResponse();
  assert.equal(step1.response.headers.get('x-router-model'), fallback.model, 'the first step was served by the fallback');
  const call = step1.data.choices[0]!.message.tool_calls![0]!;
  assert.equal(call.type, 'function');

  const loop: ChatCompletionMessageParam[] = [
    { role: 'user', content: question },
    { role: 'assistant', content: null, tool_calls: [call] },
    { role: 'tool', tool_call_id: call.id, content: 'tables: accounts, balances, transfers' },
  ];
  const step2 = await openai.chat.completions.create({ model: 'auto', messages: loop, tools: [readSchema] }).withResponse();
  assert.equal(step2.response.headers.get('x-router-model'), fallback.model, 'step 2 stays on the model of step 1');
  assert.equal(step2.response.headers.get('x-router-attempts'), '1');

  const evidence = (await (await postJson(stack.app, '/v1/route', { messages: loop })).json()) as {
    model: string;
    adjustments: string[];
  };
  assert.equal(evidence.model, fallback.model);
  assert.ok(
    evidence.adjustments.some((step) => /^turn [0-9a-f]{16} continues on /.test(step)),
    evidence.adjustments.join('; '),
  );

  // A new question in the same conversation is a new turn, routed on its own.
  const nextTurn = await openai.chat.completions
    .create({
      model: 'auto',
      messages: [...loop, { role: 'assistant', content: 'balances' }, { role: 'user', content: question }],
    })
    .withResponse();
  assert.equal(nextTurn.response.headers.get('x-router-model'), planned.model);
});

test('a Responses tool loop over previous_response_id stays on its first model too', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai', 'anthropic'] });
  const openai = client(stack.url);
  const question = 'look up the payments schema and tell me which tables hold balances';
  const [, fallback] = await stack.candidatesFor(question);
  const tool = {
    type: 'function' as const,
    name: 'read_schema',
    parameters: { type: 'object', properties: { db: { type: 'string' } } },
    strict: false,
  };
  stack.upstream.fail({ type: 'status', status: 503 });
  const step1 = await openai.responses.create({ model: 'auto', input: question, tools: [tool] }).withResponse();
  assert.equal(step1.response.headers.get('x-router-model'), fallback!.model);
  const call = step1.data.output.find((item) => item.type === 'function_call');
  assert.ok(call && call.type === 'function_call');
  const step2 = await openai.responses
    .create({
      model: 'auto',
      previous_response_id: step1.data.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: 'balances' }],
      tools: [tool],
    })
    .withResponse();
  assert.equal(step2.response.headers.get('x-router-model'), fallback!.model);
  assert.match(step2.data.output_text, /using the tool result: balances/);
});
