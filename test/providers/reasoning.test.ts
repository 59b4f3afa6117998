import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clampEffort, reasoningToSend, thinkingRefusal, type ThinkingContext } from '../../src/providers/reasoning.js';
import { DEFAULT_EFFORTS, type Effort } from '../../src/routes-config/schemas.js';

test('clampEffort: an effort a model does not take becomes the nearest one it does, rounding up between steps', () => {
  const gpt5 = DEFAULT_EFFORTS.openai;
  const gpt51: Effort[] = ['none', 'low', 'medium', 'high'];
  const claude = DEFAULT_EFFORTS.anthropic;
  const cases: [Effort, readonly Effort[], Effort][] = [
    ['high', gpt5, 'high'],
    ['xhigh', gpt5, 'high'],
    ['max', gpt5, 'high'],
    ['none', gpt5, 'minimal'],
    ['minimal', gpt51, 'low'],
    ['none', gpt51, 'none'],
    ['none', claude, 'low'],
    ['minimal', claude, 'low'],
    ['max', claude, 'max'],
    ['medium', ['low', 'high'], 'high'],
  ];
  for (const [asked, accepted, expected] of cases)
    assert.equal(clampEffort(asked, accepted), expected, `${asked} on ${accepted.join(',')}`);
});

test("reasoningToSend: the client's effort and thinking where the model takes them, else the table's, and says whose", () => {
  const efforts = DEFAULT_EFFORTS.openai;
  assert.deepEqual(reasoningToSend({ effort: 'max' }, { takesEffort: true, efforts, effort: 'low' }), {
    takesEffort: true,
    effort: { value: 'high', source: 'client', requested: 'max' },
  });
  assert.deepEqual(reasoningToSend({}, { takesEffort: true, efforts, effort: 'low' }), {
    takesEffort: true,
    effort: { value: 'low', source: 'table' },
  });
  assert.deepEqual(reasoningToSend({ effort: 'high' }, undefined), { takesEffort: false }, 'a model without reasoning');
  assert.deepEqual(reasoningToSend({ effort: 'turbo' }, { takesEffort: true, efforts }), { takesEffort: true });
  const thinking = { type: 'enabled' as const, budget_tokens: 3000 };
  assert.deepEqual(reasoningToSend({ thinking }, { takesThinking: true, thinkingBudget: 2048 }).thinking, {
    config: thinking,
    source: 'client',
  });
  assert.deepEqual(reasoningToSend({ thinking }, { thinkingBudget: 2048, takesThinking: false }).thinking, {
    config: { type: 'enabled', budget_tokens: 2048 },
    source: 'table',
  });
  assert.equal(reasoningToSend({ thinking }, { takesEffort: true, efforts }).thinking, undefined);
});

test('thinkingRefusal: a step after a tool call, and manual thinking with a forced tool', () => {
  const enabled = { type: 'enabled' as const, budget_tokens: 2048 };
  const call = { id: 'c1', type: 'function' as const, function: { name: 'f', arguments: '{}' } };
  const afterTool: ThinkingContext = {
    messages: [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'tool', tool_call_id: 'c1', content: 'r' },
      { role: 'user', content: 'and?' },
    ],
  };
  assert.equal(thinkingRefusal(afterTool, enabled), 'a step after a tool call');
  assert.equal(thinkingRefusal(afterTool, { type: 'adaptive' }), 'a step after a tool call');
  assert.equal(thinkingRefusal(afterTool, { type: 'disabled' }), undefined);
  const answered: ThinkingContext = {
    messages: [...afterTool.messages.slice(0, 3), { role: 'assistant', content: 'done' }, { role: 'user', content: 'next' }],
  };
  assert.equal(thinkingRefusal(answered, enabled), undefined, 'a new turn after the tool loop ended');
  const plain: ThinkingContext = { messages: [{ role: 'user', content: 'q' }] };
  assert.equal(thinkingRefusal({ ...plain, tool_choice: 'required' }, enabled), 'a forced tool_choice');
  assert.equal(thinkingRefusal({ ...plain, tool_choice: { type: 'function', name: 'f' } }, enabled), 'a forced tool_choice');
  assert.equal(thinkingRefusal({ ...plain, tool_choice: 'required' }, { type: 'adaptive' }), undefined);
  assert.equal(thinkingRefusal({ ...plain, tool_choice: 'auto' }, enabled), undefined);
});
