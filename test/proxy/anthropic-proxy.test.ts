import assert from 'node:assert/strict';
import { test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { startProxyStack } from '../support/proxy-stack.js';

function client(url: string) {
  return new Anthropic({ apiKey: 'router-client-key', baseURL: url, maxRetries: 0 });
}

test('Anthropic SDK against /v1/messages with model auto, served by an OpenAI-kind provider', async (t) => {
  const stack = await startProxyStack(t, { providers: ['openai'] });
  const query = 'what is the capital of peru';
  const [first] = await stack.candidatesFor(query);
  const { data, response } = await client(stack.url)
    .messages.create({
      model: 'auto',
      max_tokens: 200,
      system: 'Answer in one line.',
      messages: [{ role: 'user', content: query }],
    })
    .withResponse();
  assert.equal(data.type, 'message');
  assert.equal(data.role, 'assistant');
  assert.equal(data.model, first!.provider_model);
  assert.equal(data.stop_reason, 'end_turn');
  const block = data.content[0]!;
  assert.ok(block.type === 'text' && block.text.includes(query));
  const sent = stack.upstream.requests.at(-1)!;
  assert.equal(sent.api, 'openai');
  const messages = (sent.body as { messages: { role: string; content: unknown }[] }).messages;
  assert.deepEqual(messages[0], { role: 'system', content: 'Answer in one line.' }, 'the system prompt became a system message');
  assert.equal(data.usage.input_tokens, sent.usage!.input);
  assert.equal(data.usage.output_tokens, sent.usage!.output);
  assert.equal(response.headers.get('x-router-model'), first!.model);
});

test('Anthropic SDK streaming through the router: the event sequence assembles into a final message', async (t) => {
  const stack = await startProxyStack(t, { providers: ['anthropic'] });
  const stream = client(stack.url).messages.stream({
    model: 'auto',
    max_tokens: 200,
    messages: [{ role: 'user', content: 'hi there, how are you today?' }],
  });
  const events: string[] = [];
  stream.on('streamEvent', (event) => events.push(event.type));
  const message = await stream.finalMessage();
  assert.equal(events[0], 'message_start');
  assert.equal(events.at(-1), 'message_stop');
  assert.ok(events.includes('content_block_delta'));
  const block = message.content[0]!;
  assert.ok(block.type === 'text' && /how are you today/.test(block.text));
  assert.equal(message.usage.output_tokens, stack.upstream.requests.at(-1)!.usage!.output);
});

test('Anthropic-shaped errors: unknown model, bad body, upstream 400', async (t) => {
  const stack = await startProxyStack(t, { providers: ['anthropic'] });
  await assert.rejects(
    client(stack.url).messages.create({ model: 'claude-9', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    (error: unknown) => {
      assert.ok(error instanceof Anthropic.BadRequestError);
      assert.match(error.message, /claude-9.{0,4} is not configured/);
      return true;
    },
  );
  const raw = await fetch(`${stack.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"model":"auto","messages":[]}',
  });
  assert.equal(raw.status, 400);
  const body = (await raw.json()) as { type: string; error: { type: string; message: string; code: string } };
  assert.equal(body.type, 'error');
  assert.equal(body.error.type, 'invalid_request_error');
  assert.match(body.error.message, /max_tokens/);
  stack.upstream.fail({ type: 'status', status: 400, message: 'prompt is too long' });
  await assert.rejects(
    client(stack.url).messages.create({ model: 'claude-sonnet-4', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    (error: unknown) => error instanceof Anthropic.BadRequestError && /prompt is too long/.test(error.message),
  );
});
