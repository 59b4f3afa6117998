/** What each adapter actually sends, as the fake upstream recorded it. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createAnthropicProvider } from '../../src/providers/anthropic-provider.js';
import { createOpenAIProvider } from '../../src/providers/openai-provider.js';
import { ProviderError, type ChatRequest, type ProviderCallOptions } from '../../src/providers/types.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { drain } from './chunks.js';

const API_KEY = 'sk-test-wire-1234abcd5678';
const call = (model: string): ProviderCallOptions => ({ model, signal: new AbortController().signal, timeoutMs: 2000 });

let fake: FakeUpstream;
beforeEach(async () => {
  fake = await startFakeUpstream({ apiKey: API_KEY });
});
afterEach(() => fake.close());

function body(index = 0): Record<string, unknown> {
  return fake.requests[index]?.body as Record<string, unknown>;
}

describe('openai adapter on the wire', () => {
  it('passes the request through with the provider model name, tools and parameters intact', async () => {
    const provider = createOpenAIProvider({ apiKey: API_KEY, baseURL: fake.openaiBaseURL });
    const request: ChatRequest = {
      model: 'auto',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      temperature: 1.4,
      response_format: { type: 'json_object' },
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
      tool_choice: 'none',
      user: 'u-1',
      n: 1,
    };
    await provider.complete(request, call('gpt-test'));
    assert.deepEqual(body(), { ...request, model: 'gpt-test', stream: false });
  });

  it('drops stream_options on a non-streaming call (OpenAI rejects it there)', async () => {
    const provider = createOpenAIProvider({ apiKey: API_KEY, baseURL: fake.openaiBaseURL });
    await provider.complete(
      { model: 'auto', messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } },
      call('gpt-test'),
    );
    assert.equal(body()['stream'], false);
    assert.equal('stream_options' in body(), false);
  });

  it('always asks a stream for the usage chunk, keeping other stream options', async () => {
    const provider = createOpenAIProvider({ apiKey: API_KEY, baseURL: fake.openaiBaseURL });
    await drain(
      provider.stream(
        { model: 'auto', messages: [{ role: 'user', content: 'Hi' }], stream_options: { include_obfuscation: false } },
        call('gpt-test'),
      ),
    );
    assert.deepEqual(body()['stream_options'], { include_obfuscation: false, include_usage: true });
  });

  it('sends no OpenAI account headers taken from process.env to a configured base URL', async () => {
    const saved = { org: process.env['OPENAI_ORG_ID'], project: process.env['OPENAI_PROJECT_ID'] };
    process.env['OPENAI_ORG_ID'] = 'org-should-not-leak';
    process.env['OPENAI_PROJECT_ID'] = 'proj-should-not-leak';
    try {
      const provider = createOpenAIProvider({ apiKey: API_KEY, baseURL: fake.openaiBaseURL });
      await provider.complete({ model: 'auto', messages: [{ role: 'user', content: 'Hi' }] }, call('gpt-test'));
      const headers = fake.requests[0]?.headers ?? {};
      assert.equal(headers['openai-organization'], undefined);
      assert.equal(headers['openai-project'], undefined);
      assert.equal(headers['authorization'], '[redacted]');
    } finally {
      for (const [name, value] of [
        ['OPENAI_ORG_ID', saved.org],
        ['OPENAI_PROJECT_ID', saved.project],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});

describe('anthropic adapter on the wire', () => {
  it('sends a Messages request: system on top, max_tokens default, tool turns translated', async () => {
    const provider = createAnthropicProvider({ apiKey: API_KEY, baseURL: fake.anthropicBaseURL });
    await provider.complete(
      {
        model: 'auto',
        temperature: 1.5,
        stop: 'END',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Weather?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'w', arguments: '{"c":"Oslo"}' } }],
          },
          { role: 'tool', tool_call_id: 'call_1', content: 'cold' },
        ],
        tools: [
          { type: 'function', function: { name: 'w', parameters: { type: 'object', properties: { c: { type: 'string' } } } } },
        ],
      },
      call('claude-test'),
    );
    assert.equal(fake.requests[0]?.path, '/v1/messages');
    assert.ok(fake.requests[0]?.headers['anthropic-version']);
    assert.deepEqual(body(), {
      model: 'claude-test',
      max_tokens: 4096,
      stream: false,
      system: 'Be brief.',
      temperature: 1,
      stop_sequences: ['END'],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'w', input: { c: 'Oslo' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'cold' }] },
      ],
      tools: [{ name: 'w', input_schema: { type: 'object', properties: { c: { type: 'string' } } } }],
    });
  });

  it('a request Anthropic cannot take fails before any upstream call', async () => {
    const provider = createAnthropicProvider({ apiKey: API_KEY, baseURL: fake.anthropicBaseURL });
    await assert.rejects(
      provider.complete({ model: 'auto', n: 3, messages: [{ role: 'user', content: 'Hi' }] }, call('claude-test')),
      {
        name: 'ProviderError',
        status: 400,
      },
    );
    assert.equal(fake.requests.length, 0);
  });

  it('an in-stream overloaded error becomes a retryable server error (status from its type)', async () => {
    const provider = createAnthropicProvider({ apiKey: API_KEY, baseURL: fake.anthropicBaseURL });
    fake.fail({ type: 'stream_error', afterEvents: 2 });
    const { error } = await drain(
      provider.stream({ model: 'auto', messages: [{ role: 'user', content: 'Hi' }] }, call('claude-test')),
    );
    assert.ok(error instanceof ProviderError);
    assert.deepEqual([error.kind, error.status, error.retryable], ['server', 529, true]);
  });

  it('pins `created` with an injected clock', async () => {
    const provider = createAnthropicProvider({ apiKey: API_KEY, baseURL: fake.anthropicBaseURL, now: () => 1_234_567 });
    const completion = await provider.complete(
      { model: 'auto', messages: [{ role: 'user', content: 'Hi' }] },
      call('claude-test'),
    );
    assert.equal(completion.created, 1_234_567);
  });
});
