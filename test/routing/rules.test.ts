import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadRoutesData } from '../../src/routes-config/load-routes-data.js';
import { RuleSchema } from '../../src/routes-config/schemas.js';
import { compileRules, countWords, matchRules } from '../../src/routing/rules.js';
import { ROUTES_DATA_DIR } from '../support/env.js';

const rules = compileRules(loadRoutesData(ROUTES_DATA_DIR).rules);
const hits = (text: string) => matchRules(rules, text).map((hit) => hit.id);

test('the shipped rules fire where they should and nowhere else', () => {
  const cases: [string, string[]][] = [
    ['hi', ['greeting-en']],
    ['Hello there!', ['greeting-en']],
    ['thanks so much', ['greeting-en']],
    ['hi, can you help me migrate my postgres cluster to a new region?', []],
    ['hola', ['greeting-es']],
    ['Hola, ¿qué tal?', ['greeting-es']],
    ['buenos días', ['greeting-es']],
    // No rule decides by language: Spanish text that is not a bare greeting or a price question is left to the embeddings.
    ['hola, necesito cancelar mi pedido 4411', []],
    ['¿Cuánto cuesta el plan anual?', ['price-question-es']],
    ['Cuánto cuesta el plan pro?', ['price-question-es']],
    ['escribe una función en python que ordene una lista', []],
    ['resuelve 3x + 2 = 11', []],
    ['¿Quién pintó el Guernica?', []],
    ['¿Tienes novia?', []],
    ['me voy a dormir, hasta mañana', []],
    ['Explica cómo funciona la fotosíntesis', []],
    ['tengo un error al iniciar sesión, me sale código 500', []],
    ['Analiza esta estrategia de mercado y compara con competidores', []],
    ['how do I reset my password?', []],
    ['tell me about Los Angeles', []],
    ['Write a function to find the nth octagonal number.', ['write-function']],
    ['def add(a, b):\n    """Return the sum of a and b."""', ['docstring-task', 'code-signature']],
    ['Question: Which gas do plants take in? Answer:', ['exam-question']],
    ['Which is a mammal?\nA) shark\nB) whale\nC) frog\nD) trout', ['exam-question']],
    [`${'word '.repeat(20)}`, ['multi-sentence-request']],
    [`${'word '.repeat(19)}`, []],
    ['why does this fail?\n```js\nconst x = await f()\n```', ['code-fence']],
    ['Traceback (most recent call last):\n  File "a.py", line 3', ['stack-trace']],
    ['I get TypeError: undefined is not a function', ['stack-trace']],
    ['what is a type error in general?', []],
    [`${'word '.repeat(150)}`, ['long-request', 'multi-sentence-request']],
    [`${'word '.repeat(149)}`, ['multi-sentence-request']],
  ];
  for (const [text, expected] of cases) assert.deepEqual(hits(text), expected, JSON.stringify(text.slice(0, 40)));
});

test('countWords counts whitespace-separated words', () => {
  assert.equal(countWords(''), 0);
  assert.equal(countWords('  one two\tthree\nfour '), 4);
});

test('the rule schema rejects rules that could never work', () => {
  const bad = [
    { id: 'x', description: 'd', pattern: '(', set: { intent: 'code' } },
    { id: 'x', description: 'd', set: { intent: 'code' } },
    { id: 'x', description: 'd', pattern: 'a', set: {} },
    { id: 'x', description: 'd', pattern: 'a', set: { intent: 'cooking' } },
    { id: 'Bad Id', description: 'd', pattern: 'a', set: { intent: 'code' } },
    { id: 'x', description: 'd', pattern: 'a', flags: 'g', set: { intent: 'code' } },
  ];
  for (const rule of bad) assert.equal(RuleSchema.safeParse(rule).success, false, JSON.stringify(rule));
});
