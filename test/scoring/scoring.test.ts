import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildExemplarIndex } from '../../src/scoring/exemplar-index.js';
import { scoreAxis } from '../../src/scoring/label-scores.js';

const unit = (...values: number[]) => {
  const vector = Float32Array.from(values);
  const norm = Math.hypot(...values);
  return vector.map((value) => value / norm);
};

// Two labels in 2-D: "a" near the x axis, "b" near the y axis.
const index = buildExemplarIndex(['a', 'b', 'c'], 2, [
  { id: 1, label: 'a', text: 'a1', vector: unit(1, 0) },
  { id: 2, label: 'a', text: 'a2', vector: unit(1, 1) },
  { id: 3, label: 'a', text: 'a3', vector: unit(0, 1) },
  { id: 4, label: 'b', text: 'b1', vector: unit(0.2, 1) },
  { id: 5, label: 'b', text: 'b2', vector: unit(0.1, 1) },
]);
const query = unit(1, 0);
const sim = (x: number, y: number) => unit(x, y)[0]!; // cosine with (1, 0)

test('the packed index keeps rows, labels and ids in order', () => {
  assert.equal(index.size, 5);
  assert.deepEqual([...index.labelOfRow], [0, 0, 0, 1, 1]);
  assert.deepEqual([...index.ids], [1, 2, 3, 4, 5]);
  assert.throws(() => buildExemplarIndex(['a'], 3, [{ id: 9, label: 'a', text: '', vector: unit(1, 0) }]), /2 dims, expected 3/);
  assert.throws(() => buildExemplarIndex(['a'], 2, [{ id: 9, label: 'z', text: '', vector: unit(1, 0) }]), /unknown label z/);
});

const cases: { name: string; k: number; aggregation: 'max' | 'mean' | 'sum'; a: number; b: number }[] = [
  { name: 'max is the nearest exemplar', k: 3, aggregation: 'max', a: 1, b: sim(0.2, 1) },
  { name: 'mean of the top 2', k: 2, aggregation: 'mean', a: (1 + sim(1, 1)) / 2, b: (sim(0.2, 1) + sim(0.1, 1)) / 2 },
  { name: 'sum of the top 2', k: 2, aggregation: 'sum', a: 1 + sim(1, 1), b: sim(0.2, 1) + sim(0.1, 1) },
  {
    name: 'k larger than a label uses what it has',
    k: 5,
    aggregation: 'mean',
    a: (1 + sim(1, 1) + 0) / 3,
    b: (sim(0.2, 1) + sim(0.1, 1)) / 2,
  },
];
for (const { name, k, aggregation, a, b } of cases) {
  test(`scoreAxis: ${name}`, () => {
    const scored = scoreAxis(index, query, { k, aggregation, topExemplars: 2 });
    assert.ok(Math.abs(scored.scores.a! - a) < 1e-6, `a: ${scored.scores.a} vs ${a}`);
    assert.ok(Math.abs(scored.scores.b! - b) < 1e-6, `b: ${scored.scores.b} vs ${b}`);
    assert.equal(scored.scores.c, undefined, 'a label without exemplars gets no score');
    assert.deepEqual(
      scored.ranked.map((entry) => entry.label),
      ['a', 'b'],
    );
    assert.ok(Math.abs(scored.margin - (a - b)) < 1e-6);
  });
}

test('scoreAxis: the top exemplars are the nearest rows over all labels, best first', () => {
  const scored = scoreAxis(index, unit(0, 1), { k: 1, aggregation: 'max', topExemplars: 3 });
  assert.deepEqual(
    scored.top.map((match) => match.id),
    [3, 5, 4],
  );
  assert.equal(scored.top[0]!.label, 'a');
  assert.ok(Math.abs(scored.top[0]!.similarity - 1) < 1e-6);
});

test('scoreAxis: an empty index scores nothing', () => {
  const empty = buildExemplarIndex(['a'], 2, []);
  const scored = scoreAxis(empty, query, { k: 3, aggregation: 'mean', topExemplars: 3 });
  assert.deepEqual(scored, { scores: {}, ranked: [], margin: 0, top: [] });
});

test('scoreAxis: centroid_weight blends the similarity to the label centroid with the k nearest', () => {
  // Label a's centroid is the normalised mean of (1,0), (1,1)/√2 and (0,1): the diagonal.
  const centroidA = sim(1, 1);
  const centroidB = sim(unit(0.2, 1)[0]! + unit(0.1, 1)[0]!, unit(0.2, 1)[1]! + unit(0.1, 1)[1]!);
  const nearestA = (1 + sim(1, 1)) / 2;
  const nearestB = (sim(0.2, 1) + sim(0.1, 1)) / 2;
  const scored = scoreAxis(index, query, { k: 2, aggregation: 'mean', topExemplars: 0, centroid_weight: 0.25 });
  assert.ok(Math.abs(scored.scores.a! - (0.25 * centroidA + 0.75 * nearestA)) < 1e-6, `a: ${scored.scores.a}`);
  assert.ok(Math.abs(scored.scores.b! - (0.25 * centroidB + 0.75 * nearestB)) < 1e-6, `b: ${scored.scores.b}`);
  const plain = scoreAxis(index, query, { k: 2, aggregation: 'mean', topExemplars: 0, centroid_weight: 0 });
  assert.ok(Math.abs(plain.scores.a! - nearestA) < 1e-6);
});

test('scoreAxis: label_offsets are added to a label score before ranking, so an offset can reorder the labels', () => {
  const plain = scoreAxis(index, unit(0.15, 1), { k: 1, aggregation: 'max', topExemplars: 0 });
  assert.equal(plain.ranked[0]!.label, 'b');
  const gap = plain.scores.b! - plain.scores.a!;
  assert.ok(gap > 0 && gap < 0.05, `gap ${gap}`);
  const leaning = scoreAxis(index, unit(0.15, 1), { k: 1, aggregation: 'max', topExemplars: 0, label_offsets: { a: 0.05 } });
  assert.ok(Math.abs(leaning.scores.a! - (plain.scores.a! + 0.05)) < 1e-9);
  assert.equal(leaning.scores.b, plain.scores.b);
  assert.equal(leaning.ranked[0]!.label, 'a');
  assert.ok(Math.abs(leaning.margin - (0.05 - gap)) < 1e-6);
});
