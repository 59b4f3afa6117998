import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  compareFigures,
  leaveOneOutAccuracy,
  leaveOneOutAfterAdding,
  leaveOneOutState,
  validationAccuracy,
  type BankVector,
} from '../../src/quality/regression-check.js';
import { INTENTS } from '../../src/routes-config/schemas.js';
import { mulberry32 } from '../../src/seeded-random.js';

const unit = (x: number, y: number) => {
  const norm = Math.hypot(x, y);
  return Float32Array.from([x / norm, y / norm]);
};
const row = (id: number, label: string, x: number, y: number): BankVector => ({ id, axis: 'intent', label, vector: unit(x, y) });

// Two clusters: math near the x axis, code near the y axis.
const bank = [
  row(1, 'math', 1, 0.1),
  row(2, 'math', 1, 0.2),
  row(3, 'math', 1, 0),
  row(4, 'code', 0.1, 1),
  row(5, 'code', 0.2, 1),
];
const nearest = { k: 1, aggregation: 'max' as const, threshold: 0.5 };

test('leaveOneOutAccuracy: each exemplar is classified by the others, never by itself', () => {
  assert.equal(leaveOneOutAccuracy('intent', bank, nearest), 1);
  // A code exemplar inside the math cluster is wrong itself, and becomes the nearest neighbour of two math rows: 3 of 6.
  assert.equal(leaveOneOutAccuracy('intent', [...bank, row(6, 'code', 1, 0.15)], nearest), 3 / 6);
  assert.equal(leaveOneOutAccuracy('tier', bank, nearest), 1, 'an axis with no rows has nothing to get wrong');
  // k = 3 mean: a lone code row among math rows is outvoted.
  assert.equal(
    leaveOneOutAccuracy('intent', [...bank, row(6, 'code', 1, 0.15)], { ...nearest, k: 3, aggregation: 'mean' }),
    5 / 6,
  );
});

test('validationAccuracy: the best label, with intent abstaining to general below its threshold', () => {
  const validation = [
    { axis: 'intent' as const, label: 'math', vector: unit(1, 0.05) },
    { axis: 'intent' as const, label: 'code', vector: unit(0, 1) },
    // Between the clusters: cosine at most 0.84 with any exemplar; with a threshold of 0.9 it is general.
    { axis: 'intent' as const, label: 'general', vector: unit(1, 1) },
  ];
  assert.equal(validationAccuracy('intent', bank, validation, { ...nearest, threshold: 0.9 }), 1);
  assert.equal(validationAccuracy('intent', bank, validation, nearest), 2 / 3);
});

test('compareFigures: a fall beyond the tolerance is a regression, one within it is not', () => {
  const figures = (leaveOneOut: number, validation: number | undefined) => ({
    leaveOneOut,
    validation,
    rows: 10,
    validationRows: 4,
  });
  const before = { tier: figures(0.9, 0.75), intent: figures(0.8, undefined) };
  const cases: [number, number | undefined, number, string[]][] = [
    [0.9, 0.75, 0, []],
    [0.895, 0.75, 0.005, []],
    [0.89, 0.75, 0.005, ['tier leave-one-out accuracy fell from 0.9000 to 0.8900']],
    [0.95, 0.5, 0.1, ['tier validation accuracy fell from 0.7500 to 0.5000']],
  ];
  for (const [loo, validation, tolerance, expected] of cases) {
    const verdict = compareFigures(before, { ...before, tier: figures(loo, validation) }, ['tier'], tolerance);
    assert.deepEqual(verdict.regressions, expected, `${loo} ${validation} ${tolerance}`);
    assert.deepEqual(verdict.leaveOneOut.tier, { before: 0.9, after: loo, rows: 10 });
    assert.equal(verdict.leaveOneOut.intent, undefined, 'only the axes asked for');
  }
});

test('leaveOneOutAfterAdding: inserting the new pairs gives what recomputing the whole bank gives', () => {
  const random = mulberry32(11);
  // Few dimensions, so neighbourhoods overlap and additions really move predictions.
  const randomRow = (id: number): BankVector => {
    const vector = Float32Array.from({ length: 6 }, () => random() - 0.5);
    const norm = Math.hypot(...vector);
    return { id, axis: 'intent', label: INTENTS[Math.floor(random() * 3)]!, vector: vector.map((value) => value / norm) };
  };
  const bank = Array.from({ length: 60 }, (_, i) => randomRow(i));
  for (const settings of [
    { k: 1, aggregation: 'max' as const, threshold: 0 },
    { k: 3, aggregation: 'mean' as const, threshold: 0 },
    { k: 2, aggregation: 'sum' as const, threshold: 0 },
  ]) {
    let state = leaveOneOutState('intent', bank, settings);
    let grown = [...bank];
    for (const size of [1, 3, 1]) {
      const added = Array.from({ length: size }, (_, i) => randomRow(1000 + grown.length + i));
      state = leaveOneOutAfterAdding(state, added);
      grown = [...grown, ...added];
      assert.equal(
        state.accuracy,
        leaveOneOutAccuracy('intent', grown, settings),
        `${settings.k} ${settings.aggregation} after ${grown.length}`,
      );
    }
  }
});
