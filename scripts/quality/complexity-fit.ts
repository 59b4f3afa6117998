import {
  SIGNAL_NAMES,
  strongNeed,
  type ComplexityModel,
  type ComplexitySignals,
  type SignalName,
} from '../../src/routing/complexity-signals.js';

/** One outcome row as the fit sees it: its signals, the tier kNN difficulty, whether it needed the strong model, and its family. */
export interface StrongNeedExample {
  signals: ComplexitySignals;
  knn: number;
  positive: boolean;
  family: string;
}

/** Which inputs a fitted model may use: the comparison table fits each subset separately. */
export interface FeatureSet {
  name: string;
  knn: boolean;
  signals: readonly SignalName[];
}

export const FEATURE_SETS: FeatureSet[] = [
  { name: 'tier kNN difficulty only', knn: true, signals: [] },
  { name: 'signals only', knn: false, signals: SIGNAL_NAMES },
  { name: 'kNN + word pieces', knn: true, signals: ['pieces'] },
  { name: 'kNN + all signals', knn: true, signals: SIGNAL_NAMES },
];

/**
 * L2-regularised logistic regression by full-batch gradient descent on
 * standardised inputs, each family weighted equally (MMLU has thousands of
 * rows, MT-Bench 160: without this the fit would be MMLU's alone). Returns the
 * weights on the raw inputs, as the service applies them.
 */
export function fitStrongNeed(
  examples: readonly StrongNeedExample[],
  features: FeatureSet,
  options: { l2?: number; iterations?: number } = {},
): Omit<ComplexityModel, 'threshold'> {
  const columns = [
    ...(features.knn ? [(e: StrongNeedExample) => e.knn] : []),
    ...features.signals.map((name) => (e: StrongNeedExample) => e.signals[name]),
  ];
  const n = examples.length;
  const m = columns.length;
  const x = examples.map((e) => columns.map((col) => col(e)));
  const mean = Array.from({ length: m }, (_, j) => x.reduce((s, row) => s + row[j]!, 0) / Math.max(1, n));
  const sd = Array.from(
    { length: m },
    (_, j) => Math.sqrt(x.reduce((s, row) => s + (row[j]! - mean[j]!) ** 2, 0) / Math.max(1, n)) || 1,
  );
  const z = x.map((row) => row.map((v, j) => (v - mean[j]!) / sd[j]!));
  const familySize = new Map<string, number>();
  for (const e of examples) familySize.set(e.family, (familySize.get(e.family) ?? 0) + 1);
  const weightOf = examples.map((e) => 1 / (familySize.size * familySize.get(e.family)!));
  const w = new Float64Array(m);
  let b = 0;
  const l2 = options.l2 ?? 1e-3;
  const rate = 0.5;
  for (let iteration = 0; iteration < (options.iterations ?? 400); iteration++) {
    const grad = new Float64Array(m);
    let gradB = 0;
    for (let i = 0; i < n; i++) {
      let s = b;
      for (let j = 0; j < m; j++) s += w[j]! * z[i]![j]!;
      const err = (1 / (1 + Math.exp(-s)) - (examples[i]!.positive ? 1 : 0)) * weightOf[i]!;
      for (let j = 0; j < m; j++) grad[j]! += err * z[i]![j]!;
      gradB += err;
    }
    for (let j = 0; j < m; j++) w[j]! -= rate * (grad[j]! + l2 * w[j]!);
    b -= rate * gradB;
  }
  // Back to raw inputs: w_raw = w / sd, bias = b - sum(w * mean / sd).
  const raw = Array.from(w, (wj, j) => wj / sd[j]!);
  const bias = b - raw.reduce((s, wj, j) => s + wj * mean[j]!, 0);
  const round = (v: number) => Math.round(v * 1e5) / 1e5;
  let at = 0;
  const knnWeight = features.knn ? raw[at++]! : 0;
  const weights: Partial<Record<SignalName, number>> = {};
  for (const name of features.signals) weights[name] = round(raw[at++]!);
  return { bias: round(bias), knn_weight: round(knnWeight), weights };
}

export const probabilityOf = (model: Omit<ComplexityModel, 'threshold'>, e: Pick<StrongNeedExample, 'signals' | 'knn'>) =>
  strongNeed(model, e.signals, e.knn);
