import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { estimateCost, roundUsd } from '../../src/cost/pricing.js';
import { completionText, estimateTokens, promptText, resolveUsage } from '../../src/cost/tokens.js';
import { PriceTableSchema, type PriceTable } from '../../src/routes-config/schemas.js';
import type { ChatCompletion } from '../../src/providers/types.js';

const PRICES = PriceTableSchema.parse(
  JSON.parse(readFileSync(new URL('../../routes-data/prices.json', import.meta.url), 'utf8')),
);

const TABLE: PriceTable = {
  currency: 'USD',
  unit: 'per_1m_tokens',
  as_of: '2025-06-01',
  models: {
    cheap: { input: 0.15, output: 0.6 },
    dear: { input: 3, output: 15 },
    free: { input: 0, output: 0 },
  },
};

describe('estimateCost', () => {
  const cases: { model: string; input: number; output: number; usd: number | undefined }[] = [
    { model: 'cheap', input: 1000, output: 500, usd: 0.00045 },
    { model: 'cheap', input: 1_000_000, output: 0, usd: 0.15 },
    { model: 'dear', input: 1_000_000, output: 1_000_000, usd: 18 },
    { model: 'dear', input: 1234, output: 567, usd: 0.012207 },
    { model: 'dear', input: 1, output: 0, usd: 0.000003 },
    { model: 'cheap', input: 0, output: 0, usd: 0 },
    { model: 'free', input: 5000, output: 5000, usd: 0 },
    { model: 'unknown', input: 10, output: 10, usd: undefined },
  ];
  for (const { model, input, output, usd } of cases) {
    it(`${model}: ${input} in + ${output} out = ${String(usd)} USD`, () => {
      assert.equal(estimateCost(TABLE, model, { inputTokens: input, outputTokens: output }), usd);
    });
  }

  it('prices from routes-data/prices.json', () => {
    assert.equal(estimateCost(PRICES, 'gpt-4o-mini', { inputTokens: 2000, outputTokens: 1000 }), 0.0009);
    assert.equal(estimateCost(PRICES, 'claude-sonnet-4', { inputTokens: 2000, outputTokens: 1000 }), 0.021);
  });

  it('rounding keeps float noise out', () => {
    assert.equal(0.1 + 0.2 === 0.3, false);
    assert.equal(roundUsd(0.1 + 0.2), 0.3);
  });
});

describe('estimateTokens', () => {
  const cases: [string, number][] = [
    ['', 0],
    ['abcd', 1],
    ['abcde', 2],
    ['Hello, world! How are you?', 7],
    ['日本語です', 2],
    ['😀😀😀😀', 1],
  ];
  for (const [text, tokens] of cases) {
    it(`${JSON.stringify(text)} -> ${tokens}`, () => assert.equal(estimateTokens(text), tokens));
  }
});

describe('resolveUsage', () => {
  it('takes the provider usage as is, not estimated', () => {
    assert.deepEqual(
      resolveUsage({ prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 }, { prompt: 'x', completion: 'y' }),
      {
        inputTokens: 12,
        outputTokens: 3,
        estimated: false,
      },
    );
  });

  it('estimates from the texts when usage is missing, and says so', () => {
    assert.deepEqual(resolveUsage(undefined, { prompt: 'a'.repeat(40), completion: 'b'.repeat(9) }), {
      inputTokens: 10,
      outputTokens: 3,
      estimated: true,
    });
    assert.equal(resolveUsage(null, { prompt: '', completion: '' }).estimated, true);
  });
});

describe('promptText and completionText', () => {
  it('collect message text, tool call arguments and tool definitions', () => {
    const text = promptText({
      model: 'auto',
      messages: [
        { role: 'system', content: 'sys' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'part' },
            { type: 'image_url', image_url: { url: 'https://x/y.png' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
        },
        { role: 'tool', tool_call_id: 'c', content: 'result' },
      ],
      tools: [{ type: 'function', function: { name: 'f' } }],
    });
    assert.equal(text, 'sys\npart\nf\n{"a":1}\nresult\n[{"type":"function","function":{"name":"f"}}]');
  });

  it('an answer with text and a tool call', () => {
    const completion: ChatCompletion = {
      id: 'c',
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [
        {
          index: 0,
          finish_reason: 'tool_calls',
          logprobs: null,
          message: {
            role: 'assistant',
            content: 'ok',
            refusal: null,
            tool_calls: [{ id: 't', type: 'function', function: { name: 'g', arguments: '{}' } }],
          },
        },
      ],
    };
    assert.equal(completionText(completion), 'ok\ng\n{}');
  });
});
