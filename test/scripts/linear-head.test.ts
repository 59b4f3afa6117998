import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../../src/seeded-random.js';
import { fitLinearHead, headLogits, type HeadTraining } from '../../scripts/quality/linear-head.js';
import { axisFeatures, bankAxis, exemplarWeights, softmaxOf } from '../../scripts/quality/loso-scoring.js';

/** A small bank of noisy unit vectors around one direction per class; some classes overlap so the fit is not trivial. */
function tinyBank(seed: number, rows: number, dim: number, classes: number) {
  const next = mulberry32(seed);
  const centres = Array.from({ length: classes }, () => Array.from({ length: dim }, () => next() - 0.5));
  const inputs = new Float32Array(rows * dim);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    // Unequal class sizes, so the balanced weighting differs from the plain one.
    const c = r % (classes + 1) === classes ? 0 : r % (classes + 1);
    labels[r] = c;
    const v = centres[c]!.map((x) => x + 0.6 * (next() - 0.5));
    const n = Math.hypot(...v);
    v.forEach((x, d) => (inputs[r * dim + d] = x / n));
  }
  return { inputs, labels, dim, classes };
}

/** The gradient of the training objective written out plainly (probabilities by softmaxOf), independent of the fit's code. */
function objectiveGradient(t: HeadTraining, weights: Float64Array, bias: Float64Array): number[] {
  const rows = t.labels.length;
  const counts = Array.from({ length: t.classes }, (_, c) => t.labels.filter((l) => l === c).length);
  const present = counts.filter((n) => n > 0).length;
  const grad = Array.from({ length: t.classes * t.dim + t.classes }, () => 0);
  for (let r = 0; r < rows; r++) {
    const x = Array.from(t.inputs.subarray(r * t.dim, (r + 1) * t.dim));
    const logits = Array.from({ length: t.classes }, (_, c) =>
      x.reduce((sum, v, d) => sum + v * weights[c * t.dim + d]!, bias[c]!),
    );
    const p = softmaxOf(logits, 1);
    const w = t.balanced ? 1 / (present * counts[t.labels[r]!]!) : 1 / rows;
    for (let c = 0; c < t.classes; c++) {
      const g = w * (p[c]! - (c === t.labels[r] ? 1 : 0));
      x.forEach((v, d) => (grad[c * t.dim + d]! += g * v));
      grad[t.classes * t.dim + c]! += g;
    }
  }
  for (let i = 0; i < t.classes * t.dim; i++) grad[i]! += t.lambda * weights[i]!;
  return grad;
}

test('the L-BFGS fit reaches the optimum of the regularised softmax loss (its gradient vanishes)', () => {
  for (const [lambda, balanced] of [
    [1e-2, false],
    [1e-3, true],
  ] as const) {
    const training: HeadTraining = { ...tinyBank(7, 90, 6, 4), lambda, balanced };
    const head = fitLinearHead(training);
    const grad = objectiveGradient(training, head.weights, head.bias);
    const norm = Math.hypot(...grad);
    assert.ok(norm < 1e-4, `gradient norm ${norm} at lambda ${lambda}, balanced ${balanced}`);
    // And it learnt something: most training rows go to their own class.
    let right = 0;
    for (let r = 0; r < training.labels.length; r++) {
      const logits = headLogits(head, training.inputs.subarray(r * training.dim, (r + 1) * training.dim));
      if (logits.indexOf(Math.max(...logits)) === training.labels[r]) right++;
    }
    assert.ok(right / training.labels.length > 0.8, `training accuracy ${right / training.labels.length}`);
  }
});

test('the fit is deterministic: the same bank gives the same weights', () => {
  const training: HeadTraining = { ...tinyBank(3, 60, 5, 3), lambda: 1e-3, balanced: false };
  assert.deepEqual(fitLinearHead(training), fitLinearHead(training));
});

test('a stronger penalty gives smaller weights', () => {
  const bank = tinyBank(11, 80, 6, 3);
  const size = (lambda: number) => Math.hypot(...fitLinearHead({ ...bank, lambda, balanced: false }).weights);
  assert.ok(size(1e-1) < size(1e-3));
});

test('per-exemplar weights: an exemplar among the other label votes less than one among its own', () => {
  const v = (x: number, y: number) => {
    const n = Math.hypot(x, y);
    return Float32Array.from([x / n, y / n]);
  };
  // Label a around (1, 0), label b around (0, 1); the last "a" row sits in b's region.
  const rows = [
    ...[0, 0.05, 0.1, -0.05].map((y) => ({ label: 'a', vector: v(1, y) })),
    ...[0, 0.05, 0.1, -0.05].map((x) => ({ label: 'b', vector: v(x, 1) })),
    { label: 'a', vector: v(0.02, 1) },
  ];
  const bank = bankAxis(['a', 'b'], rows);
  const self = bank.vectors.map((vector, r) => axisFeatures(bank, vector, r));
  // The row itself is left out of its own features.
  assert.equal(self[0]!.topRow[0]!.includes(0), false);
  const weights = exemplarWeights(bank, self, 3, 0.05, 0);
  assert.ok(weights[8]! < 0.5, `misplaced exemplar weight ${weights[8]}`);
  assert.ok(weights[0]! > 0.9, `typical exemplar weight ${weights[0]}`);
  const floored = exemplarWeights(bank, self, 3, 0.05, 0.5);
  assert.ok(floored[8]! >= 0.5 && floored[8]! < 0.75);
});
