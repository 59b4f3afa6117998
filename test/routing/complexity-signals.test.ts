import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimateWordPieces, measureComplexity, strongNeed } from '../../src/routing/complexity-signals.js';

test('estimateWordPieces: short words are one piece, long words and numbers split, punctuation counts', () => {
  assert.equal(estimateWordPieces(''), 0);
  assert.equal(estimateWordPieces('hi there'), 2);
  assert.equal(estimateWordPieces('hi!'), 2);
  assert.equal(estimateWordPieces('internationalization'), 4);
  assert.equal(estimateWordPieces('123456'), 2);
});

test('measureComplexity: a terse greeting measures low, a demanding multi-part request high', () => {
  const greeting = measureComplexity('hola, ¿qué tal?');
  const design = measureComplexity(
    'Design a distributed rate limiter for a multi-region API. It must handle 1M requests per second, ' +
      'explain the trade-offs between token bucket and sliding window, and provide a step-by-step rollout plan?\n' +
      '1. data model\n2. failure modes\n3. testing',
  );
  for (const name of ['pieces', 'asks', 'constraints', 'demanding'] as const) {
    assert.ok(design[name] > greeting[name], `${name}: ${design[name]} vs ${greeting[name]}`);
  }
  assert.equal(greeting.code, 0);
  assert.ok(measureComplexity('```js\nconst x = f();\n```\nwhy does this fail?').code >= 1);
  assert.ok(measureComplexity('Prove that \\sum_{i=1}^n i = n(n+1)/2').math >= 1);
  assert.equal(measureComplexity('Which is a mammal?\nA) shark\nB) whale\nC) frog').choices, 3);
  assert.ok(measureComplexity('Analiza esta estrategia de mercado y compara con competidores').demanding >= 2);
});

test('strongNeed: a logistic of the weighted signals and the kNN difficulty', () => {
  const signals = measureComplexity('Design and analyze a scalable architecture');
  const model = { bias: -1, knn_weight: 2, weights: { demanding: 0.5 } };
  const z = -1 + 2 * 0.1 + 0.5 * signals.demanding;
  assert.ok(Math.abs(strongNeed(model, signals, 0.1) - 1 / (1 + Math.exp(-z))) < 1e-12);
  assert.equal(strongNeed({ bias: 0, knn_weight: 0, weights: {} }, signals, 0.3), 0.5);
});
