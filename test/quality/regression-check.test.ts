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
import { INTENT_EXEMPLAR_LABELS, INTENTS } from '../../src/routes-config/schemas.js';
import { buildExemplarIndex } from '../../src/scoring/exemplar-index.js';
import { scoreAxis } from '../../src/scoring/label-scores.js';
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

// Every way the service scores a label (scoring/label-scores.ts), as calibrations set it.
const methods = [
  { k: 1, aggregation: 'max' as const, threshold: 0 },
  { k: 3, aggregation: 'mean' as const, threshold: 0 },
  { k: 2, aggregation: 'sum' as const, threshold: 0 },
  { k: 5, aggregation: 'mean' as const, threshold: 0, vote_tau: 0.05 },
  { k: 3, aggregation: 'mean' as const, threshold: 0, centroid_weight: 0.75 },
  { k: 5, aggregation: 'mean' as const, threshold: 0, vote_tau: 0.1, centroid_weight: 0.5 },
  { k: 3, aggregation: 'mean' as const, threshold: 0, label_offsets: { code: 0.05, general: -0.03 } },
];

/** A bank in few dimensions, so neighbourhoods overlap and the methods disagree; `general` exemplars included. */
function randomBank(seed: number, size: number) {
  const random = mulberry32(seed);
  const labels = ['math', 'code', 'faq', 'general'] as const;
  const randomRow = (id: number): BankVector => {
    const vector = Float32Array.from({ length: 6 }, () => random() - 0.5);
    const norm = Math.hypot(...vector);
    return {
      id,
      axis: 'intent',
      label: labels[Math.floor(random() * labels.length)]!,
      vector: vector.map((value) => value / norm),
    };
  };
  return { bank: Array.from({ length: size }, (_, i) => randomRow(i)), randomRow };
}

/** What the router's scorer ranks first for row `r` against the bank without it. */
function serviceLabelWithout(bank: readonly BankVector[], r: number, settings: (typeof methods)[number]): string | undefined {
  const others = bank.filter((_, i) => i !== r).map((row) => ({ ...row, text: '' }));
  const index = buildExemplarIndex(INTENT_EXEMPLAR_LABELS, 6, others, { coarseMinRows: 0 });
  return scoreAxis(index, bank[r]!.vector, { ...settings, topExemplars: 0 }).ranked[0]?.label;
}

test('leaveOneOutState: each row gets the label the service scores for it against the bank without it, for every method', () => {
  const { bank } = randomBank(5, 70);
  const predictions = methods.map((settings) => {
    const state = leaveOneOutState('intent', bank, settings);
    const labels = Array.from(state.predicted, (label) => state.index.labels[label]);
    const expected = bank.map((_, r) => serviceLabelWithout(bank, r, settings));
    assert.deepEqual(labels, expected, JSON.stringify(settings));
    const correct = bank.filter((row, r) => expected[r] === row.label).length;
    assert.equal(state.accuracy, correct / bank.length, JSON.stringify(settings));
    return labels.join();
  });
  // The methods really decide differently on this bank (else the test could not tell them apart): the vote, the
  // centroid blend and the offsets each give some row another label than the plain top-k mean.
  const topKMean = predictions[1]!;
  for (const other of [3, 4, 5, 6]) assert.notEqual(predictions[other], topKMean, JSON.stringify(methods[other]));
});

test('the vote decides, not the top-k mean, when the settings say vote (a bank where the two disagree)', () => {
  // Cosines with the query at angle 0: code 0.99 (one row), math 0.9 (two rows), code 0.5 (two rows).
  const at = (id: number, label: string, cosine: number, side: 1 | -1): BankVector => {
    const angle = side * Math.acos(cosine);
    return row(id, label, Math.cos(angle), Math.sin(angle));
  };
  const bank = [
    at(1, 'code', 0.99, 1),
    at(2, 'math', 0.9, 1),
    at(3, 'math', 0.9, -1),
    at(4, 'code', 0.5, 1),
    at(5, 'code', 0.5, -1),
  ];
  const validation = [{ axis: 'intent' as const, label: 'math', vector: unit(1, 0) }];
  const mean = { k: 3, aggregation: 'mean' as const, threshold: 0 };
  // Top-3 mean: math 0.9 against code (0.99 + 0.5 + 0.5) / 3 = 0.66.
  assert.equal(validationAccuracy('intent', bank, validation, mean), 1);
  // Vote over the 3 nearest, weights exp((cos - 1) / 0.05): code 0.82 x 0.99 against math 2 x 0.135 x 0.9.
  assert.equal(validationAccuracy('intent', bank, validation, { ...mean, vote_tau: 0.05 }), 0);
});

test('validationAccuracy: intent decided as decideRoute does, general exemplars under their own threshold included', () => {
  const bank = [
    row(1, 'math', 1, 0),
    row(2, 'math', 1, 0.1),
    row(3, 'general', 1, 0.3),
    row(4, 'general', 1, 0.35),
    row(5, 'code', 0.1, 1),
    row(6, 'code', 0.2, 1),
  ];
  // Top-2 means for this query: general ~0.999, math ~0.974, code ~0.45.
  const validation = [{ axis: 'intent' as const, label: 'math', vector: unit(1, 0.28) }];
  const settings = { k: 2, aggregation: 'mean' as const, threshold: 0.5 };
  assert.equal(validationAccuracy('intent', bank, validation, settings), 0, 'the general exemplars win: general');
  // General's own threshold above its score: the best product intent competes on its own threshold, and math wins.
  const claim = { ...settings, label_thresholds: { general: 1 } };
  assert.equal(validationAccuracy('intent', bank, validation, claim), 1);
  // ... unless it leads the label after it (code, by ~0.52) by less than the minimum margin.
  assert.equal(validationAccuracy('intent', bank, validation, { ...claim, min_margin: 0.6 }), 0);
  assert.equal(validationAccuracy('intent', bank, validation, { ...claim, min_margin: 0.4 }), 1);
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
  for (const settings of methods) {
    let state = leaveOneOutState('intent', bank, settings);
    let grown = [...bank];
    for (const size of [1, 3, 1]) {
      const added = Array.from({ length: size }, (_, i) => randomRow(1000 + grown.length + i));
      state = leaveOneOutAfterAdding(state, added);
      grown = [...grown, ...added];
      const rebuilt = leaveOneOutState('intent', grown, settings);
      const name = `${JSON.stringify(settings)} after ${grown.length}`;
      assert.deepEqual(state.predicted, rebuilt.predicted, name);
      assert.equal(state.accuracy, rebuilt.accuracy, name);
    }
  }
});
