import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitLabelThresholds, inFitHalf, predictIntent } from '../../src/quality/calibration.js';
import { classificationReport, quantile, rocAuc } from '../../src/quality/classification.js';
import { tierDifficulty } from '../../src/quality/difficulty.js';
import {
  cheapestReaching,
  evaluateAssignment,
  oracleAssignment,
  paretoFront,
  randomMix,
  randomShareFor,
  sweepDifficulty,
} from '../../src/quality/outcomes.js';
import { kMeansMedoids, perLabelQuotas } from '../../src/quality/select-subset.js';
import { assessBank, misplacedAmong } from '../../src/quality/bank-health.js';
import { mulberry32 } from '../../src/seeded-random.js';

const near = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} vs ${expected}`);

test('classificationReport: accuracy, per-class P/R/F1, macro-F1 over gold labels, confusion', () => {
  const pairs = [
    ['a', 'a'],
    ['a', 'a'],
    ['a', 'b'],
    ['b', 'b'],
    ['b', 'general'],
  ].map(([gold, predicted]) => ({ gold: gold!, predicted: predicted! }));
  const report = classificationReport(pairs, ['a', 'b', 'general']);
  near(report.accuracy, 3 / 5, 'accuracy');
  const a = report.perClass.find((c) => c.label === 'a')!;
  const b = report.perClass.find((c) => c.label === 'b')!;
  near(a.precision, 1, 'a precision');
  near(a.recall, 2 / 3, 'a recall');
  near(a.f1, 0.8, 'a f1');
  near(b.precision, 1 / 2, 'b precision');
  near(b.recall, 1 / 2, 'b recall');
  near(report.macroF1, (0.8 + 0.5) / 2, 'macro-F1 ignores labels that are never gold');
  assert.deepEqual(report.labels, ['a', 'b', 'general']);
  assert.deepEqual(report.confusion, [
    [2, 1, 0],
    [0, 1, 1],
    [0, 0, 0],
  ]);
});

const aucCases: { name: string; scored: { score: number; positive: boolean }[]; auc: number }[] = [
  {
    name: 'perfect',
    scored: [
      { score: 1, positive: true },
      { score: 0, positive: false },
    ],
    auc: 1,
  },
  {
    name: 'inverted',
    scored: [
      { score: 0, positive: true },
      { score: 1, positive: false },
    ],
    auc: 0,
  },
  {
    name: 'ties count half',
    scored: [
      { score: 1, positive: true },
      { score: 1, positive: false },
    ],
    auc: 0.5,
  },
  {
    name: 'mixed',
    scored: [
      { score: 0.9, positive: true },
      { score: 0.4, positive: true },
      { score: 0.5, positive: false },
      { score: 0.1, positive: false },
    ],
    auc: 3 / 4,
  },
];
for (const { name, scored, auc } of aucCases) test(`rocAuc: ${name}`, () => near(rocAuc(scored), auc, name));

test('quantile interpolates; tierDifficulty is complex minus the best cheaper tier', () => {
  near(quantile([1, 2, 3, 4], 0.5), 2.5, 'median');
  near(quantile([5], 0.95), 5, 'single');
  near(tierDifficulty({ scores: { simple: 0.2, complex: 0.7 } }), 0.5, 'no medium: complex minus simple');
  near(tierDifficulty({ scores: { simple: 0.2, medium: 0.6, complex: 0.7 } }), 0.1, 'medium is the nearer rival');
  near(tierDifficulty({ scores: { simple: 0.5, medium: 0.3, complex: 0.4 } }), -0.1, 'negative when a cheaper tier leads');
  near(tierDifficulty({ scores: {} }), 0, 'empty');
});

test('predictIntent mirrors decideRoute: rules first, then the label threshold, else general', () => {
  const settings = { threshold: 0.5, label_thresholds: { faq: 0.7 } };
  assert.equal(predictIntent({ best: 'faq', score: 0.9, ruleIntent: 'code' }, settings), 'code');
  assert.equal(predictIntent({ best: 'faq', score: 0.65, ruleIntent: undefined }, settings), 'general');
  assert.equal(predictIntent({ best: 'sales', score: 0.65, ruleIntent: undefined }, settings), 'sales');
  assert.equal(predictIntent({ best: undefined, score: -1, ruleIntent: undefined }, settings), 'general');
});

test('fitLabelThresholds raises only the label whose threshold helps', () => {
  // Objective peaks when b's threshold is 0.6 and a's stays at the global 0.3.
  const objective = (t: Record<string, number>) => -Math.abs((t.b ?? 0.3) - 0.6) - Math.abs((t.a ?? 0.3) - 0.3);
  const fit = fitLabelThresholds(['a', 'b'], 0.3, [0.3, 0.4, 0.5, 0.6, 0.7], objective);
  assert.deepEqual(fit.labelThresholds, { b: 0.6 });
  near(fit.value, 0, 'value');
  assert.equal(inFitHalf('some text'), inFitHalf('some text'), 'the split is deterministic');
});

const rows = [
  { text: 'easy', quality: { weak: 1, strong: 1 }, cost: { weak: 1, strong: 10 } },
  { text: 'hard', quality: { weak: 0, strong: 1 }, cost: { weak: 1, strong: 10 } },
  { text: 'hopeless', quality: { weak: 0, strong: 0 }, cost: { weak: 1, strong: 10 } },
  { text: 'easy2', quality: { weak: 1, strong: 1 }, cost: { weak: 1, strong: 10 } },
];

test('outcomes: assignments, random mixes, the oracle and the 95% point', () => {
  const strong = evaluateAssignment(
    rows,
    rows.map(() => 'strong'),
    'strong',
  );
  near(strong.quality, 3 / 4, 'strong quality');
  near(strong.cost, 10, 'strong cost');
  const random = randomMix(rows, { weak: 0.5, strong: 0.5 });
  near(random.quality, 0.5 * 0.5 + 0.5 * 0.75, 'random quality');
  near(random.cost, 5.5, 'random cost');
  assert.deepEqual(oracleAssignment(rows, ['weak', 'strong']), ['weak', 'strong', 'weak', 'weak']);
  // A difficulty score that ranks "hard" first: 25% strong calls already reach the strong model's quality.
  const sweep = sweepDifficulty(rows, [0, 3, 1, 0], ['weak', 'strong'], 0.25);
  const best = cheapestReaching(sweep, 0.95 * strong.quality)!;
  near(best.shares.strong ?? 0, 0.25, 'strong share at 95%');
  near(best.cost, (3 * 1 + 10) / 4, 'cost at 95%');
  near(randomShareFor(0.95 * 0.75, 0.5, 0.75)!, (0.7125 - 0.5) / 0.25, 'random share');
  assert.equal(randomShareFor(0.9, 0.5, 0.75), undefined, 'unreachable');
  assert.deepEqual(
    paretoFront([
      { label: 'x', quality: 0.5, cost: 1, shares: {} },
      { label: 'y', quality: 0.4, cost: 2, shares: {} },
      { label: 'z', quality: 0.6, cost: 3, shares: {} },
    ]).map((p) => p.label),
    ['x', 'z'],
  );
});

const unit = (...values: number[]) => {
  const norm = Math.hypot(...values);
  return Float32Array.from(values.map((v) => v / norm));
};

test('k-means medoids: one typical row per cluster, never an outlier over a cluster', () => {
  // Two tight clusters of four and one stray row; two picks must be one member of each cluster.
  const vectors = [
    unit(1, 0),
    unit(1, 0.05),
    unit(1, -0.05),
    unit(1, 0.02),
    unit(0, 1),
    unit(0.05, 1),
    unit(-0.05, 1),
    unit(0.02, 1),
    unit(-1, -1),
  ];
  const picked = kMeansMedoids(vectors, 2, { seed: 7 }).sort((a, b) => a - b);
  assert.equal(picked.length, 2);
  assert.ok(picked[0]! <= 3 && picked[1]! >= 4 && picked[1]! <= 7, `one medoid per cluster, got ${picked.join(', ')}`);
  // The medoid is the member nearest its cluster's centroid, not the first seed or an edge row.
  assert.deepEqual(kMeansMedoids([unit(1, 0.2), unit(1, 0.1), unit(1, 0.01), unit(1, -0.1), unit(1, -0.2)], 1, { seed: 5 }), [2]);
  assert.deepEqual(kMeansMedoids(vectors, 20), [0, 1, 2, 3, 4, 5, 6, 7, 8], 'fewer rows than asked: all of them');
  assert.deepEqual(kMeansMedoids(vectors, 3, { seed: 3 }), kMeansMedoids(vectors, 3, { seed: 3 }), 'deterministic');
  assert.deepEqual(kMeansMedoids([unit(1, 0), unit(1, 0), unit(1, 0)], 2), [0], 'duplicates collapse to one cluster');
});

test('per-label quotas split evenly and hand on what a small label cannot use', () => {
  assert.deepEqual(perLabelQuotas({ a: 900, b: 90, c: 10 }, 100), { a: 45, b: 45, c: 10 });
  assert.deepEqual(perLabelQuotas({ a: 3, b: 2 }, 10), { a: 3, b: 2 });
  assert.deepEqual(perLabelQuotas({ a: 50, b: 50, c: 50 }, 10), { a: 4, b: 3, c: 3 });
  assert.deepEqual(perLabelQuotas({ a: 0, b: 5 }, 3), { a: 0, b: 3 });
});

test('assessBank: leave-one-out, misplaced exemplars and near-duplicates', () => {
  const bank = [
    { id: 1, label: 'x', text: 'x1', vector: unit(1, 0) },
    { id: 2, label: 'x', text: 'x2', vector: unit(1, 0.1) },
    { id: 3, label: 'y', text: 'y1', vector: unit(0, 1) },
    { id: 4, label: 'y', text: 'y2', vector: unit(0.1, 1) },
    { id: 5, label: 'y', text: 'stray', vector: unit(1, 0.3) },
  ];
  const health = assessBank(bank, { k: 1, duplicateAbove: 0.99 });
  assert.deepEqual(
    health.misplaced.map((m) => [m.id, m.closerTo]),
    [[5, 'x']],
  );
  near(health.looAccuracy, 4 / 5, 'LOO accuracy');
  assert.deepEqual(health.confusedPairs, [{ label: 'y', predicted: 'x', count: 1 }]);
  assert.deepEqual(
    health.nearDuplicates.map((d) => [d.a.id, d.b.id]),
    [
      [1, 2],
      [3, 4],
    ],
  );
  assert.equal(health.labels.find((l) => l.label === 'x')!.looAccuracy, 1);
});

test('misplacedAmong: the same leave-one-out verdicts as assessBank, for the chosen rows only', () => {
  // Four labels around four centres, spread wide enough that a fair share of rows sits closer to another label.
  const random = mulberry32(7);
  const dim = 16;
  const centres = ['a', 'b', 'c', 'd'].map((label) => ({ label, centre: Array.from({ length: dim }, () => random() - 0.5) }));
  const bank = Array.from({ length: 240 }, (_, id) => {
    const { label, centre } = centres[id % centres.length]!;
    const raw = centre.map((value) => value + (random() - 0.5) * 2);
    const norm = Math.hypot(...raw);
    return { id, label, text: `row ${id}`, vector: Float32Array.from(raw, (value) => value / norm) };
  });
  const whole = assessBank(bank, { k: 3, duplicateAbove: 0.99 }).misplaced;
  assert.ok(whole.length >= 10 && whole.length < bank.length / 2, `${whole.length} misplaced rows to compare`);
  const chosen = new Set(bank.filter((row) => row.id % 3 === 0).map((row) => row.id));
  const byId = (rows: { id: number }[]) => [...rows].sort((x, y) => x.id - y.id);
  assert.deepEqual(byId(misplacedAmong(bank, chosen, 3)), byId(whole.filter((row) => chosen.has(row.id))));
  assert.deepEqual(misplacedAmong(bank, new Set(), 3), []);
});
