/** OpenAI chat request -> Anthropic Messages request, table by table. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_MAX_TOKENS,
  parseToolArguments,
  toAnthropicRequest,
  type AnthropicRequest,
} from '../../src/providers/anthropic-request.js';
import { ProviderError, type ChatRequest } from '../../src/providers/types.js';

const MODEL = 'claude-test';
const PNG_DATA = 'iVBORw0KGgo=';

function translate(request: Partial<ChatRequest> & Pick<ChatRequest, 'messages'>): AnthropicRequest {
  return toAnthropicRequest({ model: 'auto', ...request }, MODEL);
}

const TOOLS: ChatRequest['tools'] = [
  {
    type: 'function',
    function: {
      name: 'lookup',
      description: 'Look a thing up',
      parameters: { type: 'object', properties: { q: { type: 'string' } } },
    },
  },
];

const ANTHROPIC_TOOLS: AnthropicRequest['tools'] = [
  { name: 'lookup', description: 'Look a thing up', input_schema: { type: 'object', properties: { q: { type: 'string' } } } },
];

describe('toAnthropicRequest: messages', () => {
  const cases: { name: string; messages: ChatRequest['messages']; system?: string; expected: AnthropicRequest['messages'] }[] = [
    {
      name: 'system and developer messages move to `system`; a user string becomes a text block',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in English.' }] },
        { role: 'user', content: 'Hi' },
      ],
      system: 'You are terse.\n\nAnswer in English.',
      expected: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
    },
    {
      name: 'multi-turn keeps the order of turns',
      messages: [
        { role: 'user', content: 'One' },
        { role: 'assistant', content: 'Two' },
        { role: 'user', content: 'Three' },
      ],
      expected: [
        { role: 'user', content: [{ type: 'text', text: 'One' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Two' }] },
        { role: 'user', content: [{ type: 'text', text: 'Three' }] },
      ],
    },
    {
      name: 'consecutive same-role messages merge into one turn',
      messages: [
        { role: 'user', content: 'First' },
        { role: 'user', content: [{ type: 'text', text: 'Second' }] },
        { role: 'assistant', content: 'Reply' },
        { role: 'assistant', content: 'More' },
      ],
      expected: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'First' },
            { type: 'text', text: 'Second' },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Reply' },
            { type: 'text', text: 'More' },
          ],
        },
      ],
    },
    {
      name: 'assistant tool_calls become tool_use blocks; tool messages become tool_result blocks in one user turn, before new text',
      messages: [
        { role: 'user', content: 'Look up a and b' },
        {
          role: 'assistant',
          content: 'Looking.',
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'lookup', arguments: '{"q":"a"}' } },
            { id: 'call_b', type: 'function', function: { name: 'lookup', arguments: '{"q":"b"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_a', content: 'A!' },
        { role: 'tool', tool_call_id: 'call_b', content: [{ type: 'text', text: 'B!' }] },
        { role: 'user', content: 'Thanks' },
      ],
      expected: [
        { role: 'user', content: [{ type: 'text', text: 'Look up a and b' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Looking.' },
            { type: 'tool_use', id: 'call_a', name: 'lookup', input: { q: 'a' } },
            { type: 'tool_use', id: 'call_b', name: 'lookup', input: { q: 'b' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_a', content: 'A!' },
            { type: 'tool_result', tool_use_id: 'call_b', content: [{ type: 'text', text: 'B!' }] },
            { type: 'text', text: 'Thanks' },
          ],
        },
      ],
    },
    {
      name: 'an assistant message with only tool calls and null content has no text block',
      messages: [
        { role: 'user', content: 'Go' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'lookup', arguments: '' } }],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'done' },
      ],
      expected: [
        { role: 'user', content: [{ type: 'text', text: 'Go' }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'c1', name: 'lookup', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'c1', content: 'done' }] },
      ],
    },
    {
      name: 'empty text (rejected by Anthropic) is dropped, and so is a turn left empty',
      messages: [
        { role: 'user', content: 'Q' },
        { role: 'assistant', content: '' },
        {
          role: 'user',
          content: [
            { type: 'text', text: '' },
            { type: 'text', text: 'Again' },
          ],
        },
      ],
      expected: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Q' },
            { type: 'text', text: 'Again' },
          ],
        },
      ],
    },
    {
      name: 'images: a data URL becomes a base64 source, an http URL a url source',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_DATA}` } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
          ],
        },
      ],
      expected: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_DATA } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
          ],
        },
      ],
    },
  ];

  for (const testCase of cases) {
    it(testCase.name, () => {
      const result = translate({ messages: testCase.messages });
      assert.deepEqual(result.messages, testCase.expected);
      assert.equal(result.system, testCase.system);
    });
  }
});

describe('toAnthropicRequest: parameters', () => {
  const user: ChatRequest['messages'] = [{ role: 'user', content: 'Hi' }];
  const cases: { name: string; request: Partial<ChatRequest>; expected: Partial<AnthropicRequest> }[] = [
    { name: 'max_tokens defaults to 4096 (required by Anthropic)', request: {}, expected: { max_tokens: DEFAULT_MAX_TOKENS } },
    { name: 'max_tokens passes through', request: { max_tokens: 300 }, expected: { max_tokens: 300 } },
    {
      name: 'max_completion_tokens wins over max_tokens',
      request: { max_tokens: 300, max_completion_tokens: 200 },
      expected: { max_tokens: 200 },
    },
    {
      name: 'temperature and top_p pass through',
      request: { temperature: 0.3, top_p: 0.9 },
      expected: { temperature: 0.3, top_p: 0.9 },
    },
    { name: 'temperature above Anthropic range is clamped to 1', request: { temperature: 1.7 }, expected: { temperature: 1 } },
    { name: 'a stop string becomes stop_sequences', request: { stop: 'END' }, expected: { stop_sequences: ['END'] } },
    {
      name: 'a stop array becomes stop_sequences',
      request: { stop: ['END', '###'] },
      expected: { stop_sequences: ['END', '###'] },
    },
    { name: 'user becomes metadata.user_id', request: { user: 'user-42' }, expected: { metadata: { user_id: 'user-42' } } },
    {
      name: 'tools become input_schema tools',
      request: { tools: TOOLS },
      expected: { tools: ANTHROPIC_TOOLS },
    },
    {
      name: "tool_choice 'auto'",
      request: { tools: TOOLS, tool_choice: 'auto' },
      expected: { tools: ANTHROPIC_TOOLS, tool_choice: { type: 'auto' } },
    },
    {
      name: "tool_choice 'none'",
      request: { tools: TOOLS, tool_choice: 'none' },
      expected: { tools: ANTHROPIC_TOOLS, tool_choice: { type: 'none' } },
    },
    {
      name: "tool_choice 'required' becomes 'any'",
      request: { tools: TOOLS, tool_choice: 'required' },
      expected: { tools: ANTHROPIC_TOOLS, tool_choice: { type: 'any' } },
    },
    {
      name: 'a named tool_choice becomes type tool',
      request: { tools: TOOLS, tool_choice: { type: 'function', function: { name: 'lookup' } } },
      expected: { tools: ANTHROPIC_TOOLS, tool_choice: { type: 'tool', name: 'lookup' } },
    },
    {
      name: 'parallel_tool_calls false disables parallel tool use',
      request: { tools: TOOLS, parallel_tool_calls: false },
      expected: { tools: ANTHROPIC_TOOLS, tool_choice: { type: 'auto', disable_parallel_tool_use: true } },
    },
    {
      name: 'sampling knobs Anthropic lacks (seed, penalties) are dropped',
      request: { seed: 7, presence_penalty: 0.5, frequency_penalty: 0.5, logprobs: true },
      expected: {},
    },
  ];

  for (const testCase of cases) {
    it(testCase.name, () => {
      const result = translate({ messages: user, ...testCase.request });
      const base: AnthropicRequest = {
        model: MODEL,
        max_tokens: DEFAULT_MAX_TOKENS,
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      };
      assert.deepEqual(result, { ...base, ...testCase.expected });
    });
  }

  it('response_format json_object adds a JSON instruction to the system prompt', () => {
    const result = translate({
      messages: [{ role: 'system', content: 'Sys.' }, ...user],
      response_format: { type: 'json_object' },
    });
    assert.equal(result.system, 'Sys.\n\nRespond with a single valid JSON object and nothing else.');
  });

  it('response_format json_schema puts the schema in the note', () => {
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } } };
    const result = translate({
      messages: user,
      response_format: { type: 'json_schema', json_schema: { name: 'verdict', schema } },
    });
    assert.equal(
      result.system,
      `Respond with a single valid JSON value that matches the JSON Schema "verdict" and nothing else.\n${JSON.stringify(schema)}`,
    );
  });
});

describe('toAnthropicRequest: refusals', () => {
  const cases: { name: string; request: Partial<ChatRequest> & Pick<ChatRequest, 'messages'>; message: RegExp }[] = [
    { name: 'n > 1', request: { messages: [{ role: 'user', content: 'Hi' }], n: 2 }, message: /n > 1/ },
    {
      name: 'an image type Anthropic cannot read',
      request: {
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,AAAA' } }] }],
      },
      message: /image\/bmp/,
    },
    {
      name: 'an image URL that is neither data: nor http(s)',
      request: { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://example.com/a.png' } }] }] },
      message: /data: URL or an http\(s\) URL/,
    },
    {
      name: 'audio input parts',
      request: { messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }] },
      message: /input_audio/,
    },
  ];
  for (const testCase of cases) {
    it(`${testCase.name} is a non-retryable 400`, () => {
      assert.throws(
        () => translate(testCase.request),
        (error: unknown) =>
          error instanceof ProviderError && error.status === 400 && !error.retryable && testCase.message.test(error.message),
      );
    });
  }
});

describe('parseToolArguments', () => {
  const cases: { raw: string; expected: Record<string, unknown> }[] = [
    { raw: '{"q":"a","n":1}', expected: { q: 'a', n: 1 } },
    { raw: '', expected: {} },
    { raw: '   ', expected: {} },
    { raw: '{"q":"a"', expected: { arguments: '{"q":"a"' } },
    { raw: '[1,2]', expected: { arguments: '[1,2]' } },
    { raw: 'null', expected: { arguments: 'null' } },
  ];
  for (const { raw, expected } of cases) {
    it(`${JSON.stringify(raw)} -> ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(parseToolArguments(raw), expected);
    });
  }
});
