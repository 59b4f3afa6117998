import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTierAnswer } from '../../src/cascade/tier-cascade.js';

test('parseTierAnswer: exactly one tier word, case and surrounding punctuation aside; anything else is no answer', () => {
  const cases: [string, string | undefined][] = [
    ['simple', 'simple'],
    ['Complex', 'complex'],
    [' MEDIUM.\n', 'medium'],
    ['"complex"', 'complex'],
    ['**simple**', 'simple'],
    ['', undefined],
    ['hard', undefined],
    ['medium or complex', undefined],
    ['The answer is complex', undefined],
    ['complexity', undefined],
    ['simple-ish', undefined],
    ['Answer from gpt-4o-m', undefined],
  ];
  for (const [text, expected] of cases) assert.equal(parseTierAnswer(text), expected, JSON.stringify(text));
});
