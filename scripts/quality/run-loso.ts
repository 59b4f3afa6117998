import { createHash } from 'node:crypto';
import { classificationReport, formatConfusion, rocAuc, type ClassificationReport } from '../../src/quality/classification.js';
import { tierDifficulty } from '../../src/quality/difficulty.js';
import { cheapestReaching, evaluateAssignment, randomShareFor, sweepDifficulty } from '../../src/quality/outcomes.js';
import { decideRoute } from '../../src/routing/decide.js';
import { compileRules, matchRules, type RuleHit } from '../../src/routing/rules.js';
import { measureComplexity, type ComplexitySignals } from '../../src/routing/complexity-signals.js';
import { resolveScoring } from '../../src/routing/scoring-settings.js';
import {
  GENERAL_INTENT,
  TIERS,
  type AxisScoring,
  type CalibrationFile,
  type ComplexityModel,
  type ScoringSettings,
  type Tier,
} from '../../src/routes-config/schemas.js';
import type { AxisScores } from '../../src/scoring/label-scores.js';
import { FEATURE_SETS, fitStrongNeed, probabilityOf, type FeatureSet, type StrongNeedExample } from './complexity-fit.js';
import { intentFamilies, needsStrong, outcomeFamilies, tierFamilies, type OutcomeSource } from './dev-sources.js';
import { progress, type EvalRouter } from './eval-router.js';
import { HEAD_SPECS, HEAD_TEMPERATURES, fitLinearHead, headLogits, headSpecName, type HeadSpec } from './linear-head.js';
import {
  INTENT_CLASSES,
  METHOD_GRID,
  axisFeatures,
  bankAxis,
  exemplarWeights,
  fitIntentThresholds,
  methodName,
  predictIntentIndex,
  rankScores,
  scoreWith,
  type AxisFeatures,
  type BankAxis,
  type IntentThresholds,
  type Method,
} from './loso-scoring.js';

/**
 * Leave-one-source-out evaluation (issue 15). For every source family of the
 * dev data, everything fitted on data — the intent scoring method and its
 * thresholds, the tier k, the rules' misfire check, the complexity model and
 * its threshold — is fitted on the other families and scored on the held-out
 * one. The same fit on all families gives the in-sample figures printed beside.
 *
 * Decisions go through decideRoute, the service's own decision, with the
 * scores the fitted method gives; the similarities come from the exemplar
 * bank the service seeds, embedded by the same (cached) embedder.
 */

interface Item {
  text: string;
  family: string;
  intent: AxisFeatures;
  tier: AxisFeatures;
  signals: ComplexitySignals;
  hits: RuleHit[];
  /** The intent features against the bank without its general exemplars: abstention alone, for the comparison. */
  intentAbstain: AxisFeatures;
}

/** How a fold's intent scoring is configured; the comparison table fits each configuration on its own. */
export interface IntentConfig {
  name: string;
  kinds: Method['kind'][];
  maxOnly?: boolean;
  perLabel: boolean;
  margin: boolean;
  /** Score against the bank without its general exemplars, so `general` comes only from abstention. */
  abstainOnly?: boolean;
  /** Weighted kNN with per-exemplar weights learned on the bank (absent: every exemplar votes alike). */
  exemplarWeights?: boolean;
  /** Linear heads: which inputs they are trained on ('any': chosen per fold). */
  headInputs?: HeadSpec['inputs'] | 'any';
}

export const INTENT_CONFIGS: IntentConfig[] = [
  { name: 'top-k mean, one threshold', kinds: ['topk'], perLabel: false, margin: false },
  { name: 'top-k mean + per-label thresholds', kinds: ['topk'], perLabel: true, margin: false },
  { name: 'top-k mean + per-label + margin abstention', kinds: ['topk'], perLabel: true, margin: true },
  { name: 'centroid blend, one threshold', kinds: ['centroid-blend'], perLabel: false, margin: false },
  { name: 'centroid blend + per-label', kinds: ['centroid-blend'], perLabel: true, margin: false },
  { name: 'centroid blend + margin abstention', kinds: ['centroid-blend'], perLabel: false, margin: true },
  { name: 'centroid blend + per-label + margin', kinds: ['centroid-blend'], perLabel: true, margin: true },
  { name: 'weighted kNN, one threshold', kinds: ['weighted-knn'], perLabel: false, margin: false },
  { name: 'weighted kNN + per-label', kinds: ['weighted-knn'], perLabel: true, margin: false },
  { name: 'any method + per-label + margin', kinds: ['topk', 'centroid-blend', 'weighted-knn'], perLabel: true, margin: true },
  {
    name: 'top-k mean + per-label + margin, abstention alone',
    kinds: ['topk'],
    perLabel: true,
    margin: true,
    abstainOnly: true,
  },
  {
    name: 'weighted kNN + per-label, abstention alone',
    kinds: ['weighted-knn'],
    perLabel: true,
    margin: false,
    abstainOnly: true,
  },
  {
    name: 'centroid blend, one threshold, abstention alone',
    kinds: ['centroid-blend'],
    perLabel: false,
    margin: false,
    abstainOnly: true,
  },
  {
    name: 'centroid blend + per-label, abstention alone',
    kinds: ['centroid-blend'],
    perLabel: true,
    margin: false,
    abstainOnly: true,
  },
  {
    name: 'weighted vote + exemplar weights + per-label',
    kinds: ['weighted-knn'],
    perLabel: true,
    margin: false,
    exemplarWeights: true,
  },
  { name: 'linear head, one threshold', kinds: ['linear-head'], perLabel: false, margin: false, headInputs: 'embedding' },
  { name: 'linear head + per-label', kinds: ['linear-head'], perLabel: true, margin: false, headInputs: 'embedding' },
  {
    name: 'linear head (emb + vote scores) + per-label',
    kinds: ['linear-head'],
    perLabel: true,
    margin: false,
    headInputs: 'embedding+scores',
  },
  { name: 'linear head (vote scores) + per-label', kinds: ['linear-head'], perLabel: true, margin: false, headInputs: 'scores' },
  {
    name: 'linear head, inputs chosen per fold + per-label',
    kinds: ['linear-head'],
    perLabel: true,
    margin: false,
    headInputs: 'any',
  },
];

/**
 * How a fold's tier scoring is configured: the settings grids the fit may choose from. The centroid weight is the
 * service's `centroid_weight` on the tier axis; the complex offset its `label_offsets.complex` (added to the complex
 * score before the tiers are ranked, a lean towards the tier whose miss costs most).
 */
export interface TierConfig {
  name: string;
  centroidWeights: number[];
  complexOffsets: number[];
  /** Linear heads trained on the tier bank instead of the kNN scores: which inputs they are trained on ('any': chosen per fold). */
  heads?: HeadSpec['inputs'] | 'any';
}

export const TIER_CONFIGS: TierConfig[] = [
  { name: 'top-k mean', centroidWeights: [0], complexOffsets: [0] },
  { name: 'centroid blend', centroidWeights: [0, 0.25, 0.5, 0.75], complexOffsets: [0] },
  { name: 'top-k mean + complex offset', centroidWeights: [0], complexOffsets: [0, 0.01, 0.02, 0.03, 0.04, 0.05] },
  {
    name: 'centroid blend + complex offset',
    centroidWeights: [0, 0.25, 0.5, 0.75],
    complexOffsets: [0, 0.01, 0.02, 0.03, 0.04, 0.05],
  },
  { name: 'linear head', centroidWeights: [0], complexOffsets: [0], heads: 'embedding' },
  { name: 'linear head (emb + top-5 scores)', centroidWeights: [0], complexOffsets: [0], heads: 'embedding+scores' },
  { name: 'linear head (top-5 scores)', centroidWeights: [0], complexOffsets: [0], heads: 'scores' },
  { name: 'linear head, inputs chosen per fold', centroidWeights: [0], complexOffsets: [0], heads: 'any' },
  { name: 'linear head + complex offset', centroidWeights: [0], complexOffsets: [0, 0.05, 0.1, 0.15], heads: 'embedding' },
];

export interface TierFit {
  k: number;
  aggregation: 'mean' | 'max';
  centroidWeight: number;
  complexOffset: number;
  /** A linear head's probabilities replace the kNN scores (index into the tier heads, its temperature). */
  head?: { index: number; name: string; temperature: number } | undefined;
}

export function tierFitName(tier: TierFit): string {
  if (tier.head)
    return `linear head ${tier.head.name}${tier.head.temperature !== 1 ? `, T ${tier.head.temperature}` : ''}${tier.complexOffset > 0 ? `, complex +${tier.complexOffset}` : ''}`;
  const nearest = tier.aggregation === 'max' ? 'top-1 max' : `top-${tier.k} mean`;
  return (
    (tier.centroidWeight > 0 ? `centroid ${tier.centroidWeight} + ${nearest}` : nearest) +
    (tier.complexOffset > 0 ? `, complex +${tier.complexOffset}` : '')
  );
}

export interface FoldFit {
  intent: { method: Method; thresholds: IntentThresholds; abstainOnly: boolean };
  tier: TierFit;
  disabledRules: string[];
  complexity: ComplexityModel | undefined;
}

const K_GRID = [1, 2, 3, 5, 7, 10];

export interface LosoOptions {
  evaldataDir: string;
  intentCap: number;
  mmluCap: number;
  /** Intent configuration the service ships (index into INTENT_CONFIGS). */
  shippedConfig: number;
  /** Tier configuration the service ships (index into TIER_CONFIGS). */
  shippedTierConfig: number;
  /** The complexity model the service would use; undefined: the tier comes from the kNN scores alone. */
  features: FeatureSet | undefined;
  compare: boolean;
  /** Only the tier scoring table of the comparisons (cheaper than all of them). */
  compareTier: boolean;
}

export async function runLoso(
  router: EvalRouter,
  options: LosoOptions,
): Promise<{ text: string; report: Record<string, unknown>; fullFit: FoldFit; data: CalibrationFile['data'] }> {
  const { routesData } = router;
  const embedder = router.embedder;
  const base = resolveScoring({ ...routesData, calibrations: [] }, embedder).settings;
  const bankRows = router.store.vectorRows(embedder.id);
  // General exemplars, when the bank has them, are a label like the others (INTENT_CLASSES ends with general).
  const intentBank = bankAxis(
    INTENT_CLASSES,
    bankRows.filter((row) => row.axis === 'intent'),
  );
  const intentBankAbstain = bankAxis(
    INTENT_CLASSES,
    bankRows.filter((row) => row.axis === 'intent' && row.label !== GENERAL_INTENT),
  );
  const tierBank = bankAxis(
    TIERS,
    bankRows.filter((row) => row.axis === 'tier'),
  );
  const rules = compileRules(routesData.rules);

  // Learned on the bank alone (our own sentences): per-exemplar weights and linear heads. A bank row's scores are
  // computed against the rest of the bank (leave-one-out), as a query's are against all of it.
  const started = Date.now();
  const selfFeatures = (bank: BankAxis) => bank.vectors.map((v, r) => axisFeatures(bank, v, r));
  const intentSelf = selfFeatures(intentBank);
  const tierSelf = selfFeatures(tierBank);
  const selfSeconds = (Date.now() - started) / 1000;
  const INTENT_SCORE_INPUT: Method = { kind: 'weighted-knn', k: 20, tau: 0.05 };
  const TIER_SCORE_INPUT: Method = { kind: 'topk', k: 5, aggregation: 'mean' };
  const headInput = (spec: HeadSpec, vector: Float32Array, features: AxisFeatures, scoreInput: Method): ArrayLike<number> => {
    if (spec.inputs === 'embedding') return vector;
    const scores = scoreWith(scoreInput, features);
    if (spec.inputs === 'scores') return scores;
    const out = new Float32Array(vector.length + scores.length);
    out.set(vector);
    out.set(scores, vector.length);
    return out;
  };
  const fitTimes: string[] = [];
  const trainHeads = (bank: BankAxis, self: readonly AxisFeatures[], scoreInput: Method) =>
    HEAD_SPECS.map((spec) => {
      const fitStarted = Date.now();
      const first = headInput(spec, bank.vectors[0]!, self[0]!, scoreInput);
      const dim = first.length;
      const inputs = new Float32Array(bank.vectors.length * dim);
      bank.vectors.forEach((v, r) => inputs.set(headInput(spec, v, self[r]!, scoreInput), r * dim));
      const head = fitLinearHead({
        inputs,
        dim,
        labels: bank.labelOf,
        classes: bank.labels.length,
        lambda: spec.lambda,
        balanced: spec.balanced,
      });
      fitTimes.push(`${bank.vectors.length}x${dim} ${headSpecName(spec)}: ${Date.now() - fitStarted} ms`);
      return { spec, head };
    });
  const intentHeads = trainHeads(intentBank, intentSelf, INTENT_SCORE_INPUT);
  const tierHeads = trainHeads(tierBank, tierSelf, TIER_SCORE_INPUT);
  const weightGrid = [0, 0.5].map((floor) => ({
    name: `LOO k10 tau0.05 floor ${floor}`,
    byRow: exemplarWeights(intentBank, intentSelf, 10, 0.05, floor),
  }));
  console.error(
    `bank-learned scorings in ${((Date.now() - started) / 1000).toFixed(1)} s (leave-one-out scores of the bank ${selfSeconds.toFixed(1)} s); head fits: ${fitTimes.join('; ')}`,
  );
  const withHeads = (
    features: AxisFeatures,
    vector: Float32Array,
    heads: readonly { spec: HeadSpec; head: ReturnType<typeof fitLinearHead> }[],
    scoreInput: Method,
  ): AxisFeatures => ({
    ...features,
    heads: heads.map(({ spec, head }) => headLogits(head, headInput(spec, vector, features, scoreInput))),
  });

  const intentRows = intentFamilies(options.evaldataDir, options.intentCap);
  const tierRows = tierFamilies(options.evaldataDir);
  const outcomes = outcomeFamilies(options.evaldataDir, options.mmluCap);
  const texts = [
    ...intentRows.map((r) => r.text),
    ...tierRows.map((r) => r.text),
    ...outcomes.flatMap((o) => o.rows.map((r) => r.text.trim())),
  ];
  await embedder.warm(texts, progress(`embedding ${embedder.id} (cached after the first run)`));
  const itemsOf = async (rows: readonly { text: string; family: string }[]): Promise<Item[]> => {
    const vectors = await embedder.embed(rows.map((r) => r.text.trim()));
    return rows.map((row, i) => ({
      text: row.text,
      family: row.family,
      intent: withHeads(axisFeatures(intentBank, vectors[i]!), vectors[i]!, intentHeads, INTENT_SCORE_INPUT),
      intentAbstain: axisFeatures(intentBankAbstain, vectors[i]!),
      tier: withHeads(axisFeatures(tierBank, vectors[i]!), vectors[i]!, tierHeads, TIER_SCORE_INPUT),
      signals: measureComplexity(row.text),
      hits: matchRules(rules, row.text.trim()),
    }));
  };
  const intentItems = await itemsOf(intentRows);
  const tierItems = await itemsOf(tierRows);
  const outcomeItems = await Promise.all(outcomes.map((o) => itemsOf(o.rows.map((r) => ({ text: r.text, family: o.family })))));

  const intentGold = Int32Array.from(intentRows.map((r) => INTENT_CLASSES.indexOf(r.label)));
  const families = [...new Set([...intentRows, ...tierRows].map((r) => r.family).concat(outcomes.map((o) => o.family)))];

  // Per method, the scores of every intent row, computed once.
  const methods: Method[] = [
    ...METHOD_GRID,
    ...weightGrid.flatMap((weights) =>
      [10, 20].flatMap((k) => [0.02, 0.05].map((tau): Method => ({ kind: 'weighted-knn', k, tau, weights }))),
    ),
    ...intentHeads.flatMap(({ spec }, head) =>
      HEAD_TEMPERATURES.map((temperature): Method => ({
        kind: 'linear-head',
        head,
        spec,
        name: headSpecName(spec),
        temperature,
      })),
    ),
  ];
  const featuresOf = (item: Item, abstainOnly: boolean | undefined) => (abstainOnly ? item.intentAbstain : item.intent);
  // The bank-learned scorings belong to the whole bank (its rows, its heads): not scored against the bank without general.
  const bankLearned = (m: Method) => m.kind === 'linear-head' || (m.kind === 'weighted-knn' && m.weights !== undefined);
  const intentScoresByMethod = (abstainOnly: boolean) =>
    methods.map((m) =>
      abstainOnly && bankLearned(m) ? [] : intentItems.map((item) => rankScores(scoreWith(m, featuresOf(item, abstainOnly)))),
    );
  const intentScores = { region: intentScoresByMethod(false), abstain: intentScoresByMethod(true) };

  const ruleIntentOf = (hits: RuleHit[], disabled: ReadonlySet<string>) => {
    const hit = hits.find((h) => h.set.intent !== undefined && !disabled.has(h.id));
    return hit ? INTENT_CLASSES.indexOf(hit.set.intent!) : -1;
  };

  /** A rule that sets something is kept in a fold only if it is right on at least 90% of the training rows it fires on. */
  const misfiringRules = (train: (family: string) => boolean): string[] => {
    const out: string[] = [];
    for (const { rule } of rules) {
      let fired = 0;
      let wrong = 0;
      intentItems.forEach((item, i) => {
        if (!train(item.family) || rule.set.intent === undefined || !item.hits.some((h) => h.id === rule.id)) return;
        fired++;
        if (intentRows[i]!.label !== rule.set.intent) wrong++;
      });
      tierItems.forEach((item, i) => {
        if (!train(item.family) || !item.hits.some((h) => h.id === rule.id)) return;
        const gold = tierRows[i]!.label as Tier;
        const { tier, min_tier: min, max_tier: max } = rule.set;
        if (tier === undefined && min === undefined && max === undefined) return;
        fired++;
        const rank = TIERS.indexOf(gold);
        if ((tier && tier !== gold) || (min && rank < TIERS.indexOf(min)) || (max && rank > TIERS.indexOf(max))) wrong++;
      });
      if (fired >= 3 && wrong / fired > 0.1) out.push(rule.id);
    }
    return out;
  };

  const fitIntent = (config: IntentConfig, keep: Uint8Array, disabled: ReadonlySet<string>) => {
    const ruleIntents = Int32Array.from(intentItems.map((item) => ruleIntentOf(item.hits, disabled)));
    const abstainOnly = config.abstainOnly ?? false;
    const scores = abstainOnly ? intentScores.abstain : intentScores.region;
    let best: { method: Method; thresholds: IntentThresholds; value: number; abstainOnly: boolean } | undefined;
    methods.forEach((method, m) => {
      if (!config.kinds.includes(method.kind)) return;
      if (abstainOnly && bankLearned(method)) return;
      if (method.kind === 'weighted-knn' && (method.weights !== undefined) !== (config.exemplarWeights ?? false)) return;
      if (method.kind === 'linear-head' && config.headInputs !== 'any' && method.spec.inputs !== config.headInputs) return;
      const fit = fitIntentThresholds(scores[m]!, ruleIntents, intentGold, keep, config);
      if (!best || fit.value > best.value + 1e-9) best = { method, ...fit, abstainOnly };
    });
    return best!;
  };

  const intentOf = (item: Item, fit: FoldFit) =>
    INTENT_CLASSES[
      predictIntentIndex(
        rankScores(scoreWith(fit.intent.method, featuresOf(item, fit.intent.abstainOnly))),
        ruleIntentOf(item.hits, new Set(fit.disabledRules)),
        fit.intent.thresholds,
      )
    ]!;

  const tierSettingsOf = (fit: FoldFit): AxisScoring => ({ ...base.tier, k: fit.tier.k, aggregation: fit.tier.aggregation });
  const complexIndex = TIERS.indexOf('complex');
  const tierScoresOf = (item: Item, tier: TierFit): AxisScores => {
    const { k, aggregation, centroidWeight, complexOffset, head } = tier;
    const scores = scoreWith(
      head
        ? {
            kind: 'linear-head',
            head: head.index,
            spec: tierHeads[head.index]!.spec,
            name: head.name,
            temperature: head.temperature,
          }
        : centroidWeight > 0
          ? { kind: 'centroid-blend', k, alpha: centroidWeight }
          : { kind: 'topk', k, aggregation },
      item.tier,
    );
    scores[complexIndex]! += complexOffset;
    const ranked = TIERS.map((label, l) => ({ label, score: scores[l]! })).sort((a, b) => b.score - a.score);
    return {
      scores: Object.fromEntries(ranked.map((r) => [r.label, r.score])),
      ranked,
      margin: ranked[0]!.score - ranked[1]!.score,
      top: [],
    };
  };
  const decide = (item: Item, fit: FoldFit, complexity: ComplexityModel | undefined) => {
    const intent = intentOf(item, fit);
    const tierScores = tierScoresOf(item, fit.tier);
    const knn = tierDifficulty(tierScores);
    const strongNeed = complexity ? probabilityOf(complexity, { signals: item.signals, knn }) : undefined;
    const disabled = new Set(fit.disabledRules);
    const decision = decideRoute({
      tierScores,
      // The intent is already decided (with the fold's method and thresholds): hand decideRoute exactly that.
      intentScores:
        intent === 'general'
          ? { scores: {}, ranked: [], margin: 0, top: [] }
          : { scores: { [intent]: 1 }, ranked: [{ label: intent, score: 1 }], margin: 1, top: [] },
      tierSettings: tierSettingsOf(fit),
      intentSettings: { ...base.intent, threshold: -1, label_thresholds: {} },
      strategy: 'balanced',
      ruleHits: item.hits.filter((h) => !disabled.has(h.id)),
      sessionFloor: undefined,
      table: routesData.routing,
      isProviderAvailable: () => true,
      needsVision: false,
      complexity: complexity ? { signals: item.signals, strongNeed, threshold: complexity.threshold } : undefined,
    });
    return { tier: decision.tier, intent, knn, strongNeed };
  };

  const strongExamples = (train: (family: string) => boolean, fit: Pick<FoldFit, 'tier'>): StrongNeedExample[] =>
    outcomes.flatMap((source, s) =>
      train(source.family)
        ? source.rows.map((row, i) => {
            const item = outcomeItems[s]![i]!;
            return {
              signals: item.signals,
              knn: tierDifficulty(tierScoresOf(item, fit.tier)),
              positive: needsStrong(source, row),
              family: source.family,
            };
          })
        : [],
    );

  /** Everything fitted on the families `train` accepts. */
  /** Tier settings: the most accurate on the training tier rows with complex -> simple at most 2%. */
  const fitTier = (train: (family: string) => boolean, fit: FoldFit, config: TierConfig): TierFit => {
    let best: (TierFit & { accuracy: number }) | undefined;
    // A head stands in for the kNN settings: its grid is the heads of the config's inputs and their temperatures.
    const heads: (TierFit['head'] | undefined)[] = config.heads
      ? tierHeads.flatMap(({ spec }, index) =>
          config.heads === 'any' || spec.inputs === config.heads
            ? HEAD_TEMPERATURES.map((temperature) => ({ index, name: headSpecName(spec), temperature }))
            : [],
        )
      : [undefined];
    for (const head of heads)
      for (const centroidWeight of config.centroidWeights)
        for (const complexOffset of config.complexOffsets)
          for (const k of head ? [K_GRID[0]!] : K_GRID) {
            for (const aggregation of ['mean', 'max'] as const) {
              if (aggregation === 'max' && (head || k > 1 || centroidWeight > 0)) continue;
              const tier = { k, aggregation, centroidWeight, complexOffset, head };
              const trial = { ...fit, tier };
              let right = 0;
              let n = 0;
              let complex = 0;
              let complexSimple = 0;
              tierItems.forEach((item, i) => {
                if (!train(item.family)) return;
                const decided = decide(item, trial, undefined).tier;
                n++;
                if (decided === tierRows[i]!.label) right++;
                if (tierRows[i]!.label === 'complex') {
                  complex++;
                  if (decided === 'simple') complexSimple++;
                }
              });
              const accuracy = right / Math.max(1, n);
              if (complexSimple / Math.max(1, complex) > 0.02) continue;
              if (!best || accuracy > best.accuracy + 1e-9) best = { ...tier, accuracy };
            }
          }
    if (!best) return fit.tier;
    const { accuracy: _accuracy, ...tier } = best;
    return tier;
  };

  const tierConfig = TIER_CONFIGS[options.shippedTierConfig]!;
  const fitFold = (train: (family: string) => boolean, config: IntentConfig, features: FeatureSet | undefined): FoldFit => {
    const disabledRules = misfiringRules(train);
    const disabled = new Set(disabledRules);
    const keep = Uint8Array.from(intentItems.map((item) => (train(item.family) ? 1 : 0)));
    const intent = fitIntent(config, keep, disabled);
    const partial: FoldFit = {
      intent,
      tier: { k: base.tier.k, aggregation: 'mean', centroidWeight: 0, complexOffset: 0 },
      disabledRules,
      complexity: undefined,
    };
    partial.tier = fitTier(train, partial, tierConfig);
    if (!features) return partial;
    const model = fitStrongNeed(strongExamples(train, partial), features);
    // Threshold: the lowest that keeps training tier accuracy within 3 points of the kNN-only decision,
    // so the signals raise what needs it without sending ordinary medium prompts to the strong model.
    const accuracyAt = (threshold: number | undefined) => {
      let right = 0;
      let n = 0;
      tierItems.forEach((item, i) => {
        if (!train(item.family)) return;
        n++;
        if (decide(item, partial, threshold === undefined ? undefined : { ...model, threshold }).tier === tierRows[i]!.label)
          right++;
      });
      return right / Math.max(1, n);
    };
    const baseline = accuracyAt(undefined);
    let threshold = 0.95;
    for (const t of [0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6, 0.55, 0.5, 0.45, 0.4, 0.35, 0.3]) {
      if (accuracyAt(t) >= baseline - 0.03) threshold = t;
      else break;
    }
    return { ...partial, complexity: { ...model, threshold } };
  };

  const shipped = INTENT_CONFIGS[options.shippedConfig]!;
  const lines: string[] = [];
  const log = (line = '') => lines.push(line);

  // ------------------------------------------------------------ folds
  const foldFits = new Map<string, FoldFit>();
  for (const family of families)
    foldFits.set(
      family,
      fitFold((f) => f !== family, shipped, options.features),
    );
  const fullFit = fitFold(() => true, shipped, options.features);
  const fitFor = (family: string, inSample: boolean) => (inSample ? fullFit : foldFits.get(family)!);

  // ------------------------------------------------------------ intent
  const intentReport = (inSample: boolean) => {
    const predictions = intentItems.map((item, i) => ({
      gold: intentRows[i]!.label,
      predicted: intentOf(item, fitFor(item.family, inSample)),
      family: item.family,
    }));
    return { pooled: classificationReport(predictions, INTENT_CLASSES), predictions };
  };
  const intentLoso = intentReport(false);
  const intentIn = intentReport(true);
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const f3 = (x: number) => x.toFixed(3);

  log(`== leave-one-source-out: embedder ${embedder.id}, exemplar set ${router.router.exemplarSet().version}`);
  log(
    `intent scoring fitted per fold: ${shipped.name}; tier scoring: ${tierConfig.name}; complexity model: ${options.features?.name ?? 'none (tier kNN alone)'}`,
  );
  log(
    `-- intent (${intentRows.length} rows, ${new Set(intentRows.map((r) => r.family)).size} families, up to ${options.intentCap} each)`,
  );
  log(
    `pooled macro-F1 LOSO ${f3(intentLoso.pooled.macroF1)}   in-sample ${f3(intentIn.pooled.macroF1)}   accuracy LOSO ${f3(intentLoso.pooled.accuracy)}   in-sample ${f3(intentIn.pooled.accuracy)}`,
  );
  log(`${'intent'.padEnd(12)} ${'F1 LOSO'.padStart(8)} ${'in-sample'.padStart(10)} ${'support'.padStart(8)}`);
  for (const c of intentLoso.pooled.perClass) {
    const inside = intentIn.pooled.perClass.find((x) => x.label === c.label)!;
    log(`${c.label.padEnd(12)} ${f3(c.f1).padStart(8)} ${f3(inside.f1).padStart(10)} ${String(c.support).padStart(8)}`);
  }
  log('pooled LOSO confusion:');
  log(formatConfusion(intentLoso.pooled));
  const familyAccuracy = (predictions: { gold: string; predicted: string; family: string }[], family: string) => {
    const rows = predictions.filter((p) => p.family === family);
    return { n: rows.length, accuracy: rows.filter((p) => p.gold === p.predicted).length / Math.max(1, rows.length) };
  };
  log(
    `${'held-out family'.padEnd(18)} ${'rows'.padStart(5)} ${'acc LOSO'.padStart(9)} ${'in-sample'.padStart(10)}  fold's rules switched off by the misfire check`,
  );
  const intentFamilyFigures: Record<string, { rows: number; loso: number; inSample: number }> = {};
  for (const family of new Set(intentRows.map((r) => r.family))) {
    const loso = familyAccuracy(intentLoso.predictions, family);
    const inside = familyAccuracy(intentIn.predictions, family);
    intentFamilyFigures[family] = { rows: loso.n, loso: loso.accuracy, inSample: inside.accuracy };
    log(
      `${family.padEnd(18)} ${String(loso.n).padStart(5)} ${f3(loso.accuracy).padStart(9)} ${f3(inside.accuracy).padStart(10)}  ${foldFits.get(family)!.disabledRules.join(', ') || '-'}`,
    );
  }

  // ------------------------------------------------------------ tier
  const tierReport = (inSample: boolean, withComplexity: boolean) => {
    const predictions = tierItems.map((item, i) => {
      const fit = fitFor(item.family, inSample);
      return {
        gold: tierRows[i]!.label,
        predicted: decide(item, fit, withComplexity ? fit.complexity : undefined).tier,
        family: item.family,
      };
    });
    const complex = predictions.filter((p) => p.gold === 'complex');
    return {
      report: classificationReport(predictions, [...TIERS]),
      predictions,
      complexToSimple: complex.filter((p) => p.predicted === 'simple').length / Math.max(1, complex.length),
    };
  };
  const tierLoso = tierReport(false, true);
  const tierIn = tierReport(true, true);
  const tierKnnLoso = tierReport(false, false);
  log();
  log(`-- tier (${tierRows.length} rows of complexity_exemplars.jsonl, ${new Set(tierRows.map((r) => r.family)).size} families)`);
  log(
    `accuracy LOSO ${f3(tierLoso.report.accuracy)} (kNN alone ${f3(tierKnnLoso.report.accuracy)})   in-sample ${f3(tierIn.report.accuracy)}`,
  );
  log(
    `complex -> simple LOSO ${pct(tierLoso.complexToSimple)} (kNN alone ${pct(tierKnnLoso.complexToSimple)})   in-sample ${pct(tierIn.complexToSimple)}`,
  );
  const tierFamilyFigures: Record<string, { rows: number; loso: number; inSample: number }> = {};
  for (const family of new Set(tierRows.map((r) => r.family))) {
    const loso = familyAccuracy(tierLoso.predictions, family);
    const inside = familyAccuracy(tierIn.predictions, family);
    tierFamilyFigures[family] = { rows: loso.n, loso: loso.accuracy, inSample: inside.accuracy };
    log(
      `${family.padEnd(18)} ${String(loso.n).padStart(5)} ${f3(loso.accuracy).padStart(9)} ${f3(inside.accuracy).padStart(10)}  tier ${tierFitName(foldFits.get(family)!.tier)}`,
    );
  }

  // ------------------------------------------------------------ outcomes
  log();
  log('-- needing the strong model (weak wrong, strong right): AUC of the score, share routed to complex, cost at 95% quality');
  log(
    `${'held-out family'.padEnd(18)} ${'rows'.padStart(5)} ${'need'.padStart(5)} ${'AUC kNN'.padStart(8)} ${'AUC LOSO'.padStart(9)} ${'in-smp'.padStart(7)} ${'->complex'.padStart(10)} ${'in-smp'.padStart(7)}  at 95% of the strong model (LOSO; kNN alone)`,
  );
  const outcomeFigures: Record<string, unknown> = {};
  let needTotal = 0;
  let needComplex = 0;
  outcomes.forEach((source: OutcomeSource, s) => {
    const items = outcomeItems[s]!;
    const positives = source.rows.map((row) => needsStrong(source, row));
    const routed = (inSample: boolean) => {
      const fit = fitFor(source.family, inSample);
      return items.map((item) => decide(item, fit, fit.complexity));
    };
    const loso = routed(false);
    const inside = routed(true);
    const auc = (scores: number[]) => rocAuc(scores.map((score, i) => ({ score, positive: positives[i]! })));
    const aucKnn = auc(loso.map((r) => r.knn));
    const aucLoso = auc(loso.map((r) => r.strongNeed ?? r.knn));
    const aucIn = auc(inside.map((r) => r.strongNeed ?? r.knn));
    const toComplex = (rows: { tier: string }[]) =>
      rows.filter((r, i) => positives[i] && r.tier === 'complex').length / Math.max(1, positives.filter(Boolean).length);
    needTotal += positives.filter(Boolean).length;
    needComplex += loso.filter((r, i) => positives[i] && r.tier === 'complex').length;
    const strong = evaluateAssignment(
      source.rows,
      source.rows.map(() => source.strong),
      'strong',
    );
    const target = 0.95 * strong.quality;
    const step = source.ladder.length > 2 ? 0.05 : 0.01;
    const at = (difficulty: number[]) => cheapestReaching(sweepDifficulty(source.rows, difficulty, source.ladder, step), target);
    const atLoso = at(loso.map((r) => r.strongNeed ?? r.knn));
    const atKnn = at(loso.map((r) => r.knn));
    const weak = evaluateAssignment(
      source.rows,
      source.rows.map(() => source.ladder[0]!),
      'weak',
    );
    const randomShare = source.ladder.length === 2 ? randomShareFor(target, weak.quality, strong.quality) : undefined;
    const describe = (p: typeof atLoso) =>
      p === undefined
        ? 'never'
        : source.ladder.length > 2
          ? `${pct(1 - p.cost / strong.cost)} saved`
          : `${pct(p.shares[source.strong] ?? 0)} strong calls`;
    const randomNote = randomShare === undefined ? '' : ` (random ${pct(randomShare)})`;
    outcomeFigures[source.family] = {
      rows: source.rows.length,
      needStrong: positives.filter(Boolean).length,
      aucKnn,
      aucLoso,
      aucInSample: aucIn,
      toComplexLoso: toComplex(loso),
      toComplexInSample: toComplex(inside),
      savedLoso: atLoso ? 1 - atLoso.cost / strong.cost : undefined,
      strongShareLoso: atLoso?.shares[source.strong],
      savedKnn: atKnn ? 1 - atKnn.cost / strong.cost : undefined,
      strongShareKnn: atKnn?.shares[source.strong],
      randomStrongShare: randomShare,
    };
    log(
      `${source.family.padEnd(18)} ${String(source.rows.length).padStart(5)} ${String(positives.filter(Boolean).length).padStart(5)} ${f3(aucKnn).padStart(8)} ${f3(aucLoso).padStart(9)} ${f3(aucIn).padStart(7)} ${pct(toComplex(loso)).padStart(10)} ${pct(toComplex(inside)).padStart(7)}  ${describe(atLoso)}; ${describe(atKnn)}${randomNote}`,
    );
  });
  log(
    `needs-strong prompts routed to complex, pooled LOSO: ${pct(needComplex / Math.max(1, needTotal))} (${needComplex}/${needTotal})`,
  );

  // ------------------------------------------------------------ comparisons
  const comparisons: Record<string, unknown> = {};
  if (options.compare || options.compareTier) {
    log();
    log('-- tier scoring, each fitted per fold (tier rows: accuracy, complex -> simple, MT-Bench and MMLU accuracy; outcome');
    log('   rows, pooled: needs-strong prompts routed to complex, and all prompts routed to complex, the cost side)');
    log(
      `${'tier scoring'.padEnd(34)} ${'LOSO'.padStart(6)} ${'c->s'.padStart(6)} ${'in-smp'.padStart(7)} ${'mt_bench'.padStart(9)} ${'mmlu'.padStart(6)} ${'need->cx'.padStart(9)} ${'all->cx'.padStart(8)}  chosen on all data`,
    );
    for (const config of TIER_CONFIGS) {
      const perFamily = new Map(
        families.map((family) => {
          const fold = foldFits.get(family)!;
          return [family, { ...fold, tier: fitTier((f) => f !== family, fold, config) }] as const;
        }),
      );
      const all = { ...fullFit, tier: fitTier(() => true, fullFit, config) };
      const tierPredictions = (fitOf: (family: string) => FoldFit) =>
        tierItems.map((item, i) => ({
          gold: tierRows[i]!.label,
          predicted: decide(item, fitOf(item.family), undefined).tier,
          family: item.family,
        }));
      const loso = tierPredictions((family) => perFamily.get(family)!);
      const inside = tierPredictions(() => all);
      const accuracyOf = (rows: { gold: string; predicted: string }[]) =>
        rows.filter((r) => r.gold === r.predicted).length / Math.max(1, rows.length);
      const complexRows = loso.filter((r) => r.gold === 'complex');
      const complexToSimple = complexRows.filter((r) => r.predicted === 'simple').length / Math.max(1, complexRows.length);
      let need = 0;
      let needComplex = 0;
      let outcomeRows = 0;
      let outcomeComplex = 0;
      outcomes.forEach((source, s) => {
        const fit = perFamily.get(source.family)!;
        source.rows.forEach((row, i) => {
          const complex = decide(outcomeItems[s]![i]!, fit, undefined).tier === 'complex';
          outcomeRows++;
          if (complex) outcomeComplex++;
          if (!needsStrong(source, row)) return;
          need++;
          if (complex) needComplex++;
        });
      });
      const row = {
        loso: accuracyOf(loso),
        complexToSimple,
        inSample: accuracyOf(inside),
        mtBench: accuracyOf(loso.filter((r) => r.family === 'mt_bench')),
        mmlu: accuracyOf(loso.filter((r) => r.family === 'routellm_mmlu')),
        needsStrongToComplex: needComplex / Math.max(1, need),
        allToComplex: outcomeComplex / Math.max(1, outcomeRows),
        chosen: tierFitName(all.tier),
      };
      comparisons[`tier: ${config.name}`] = row;
      log(
        `${config.name.padEnd(34)} ${f3(row.loso).padStart(6)} ${pct(row.complexToSimple).padStart(6)} ${f3(row.inSample).padStart(7)} ${f3(row.mtBench).padStart(9)} ${f3(row.mmlu).padStart(6)} ${pct(row.needsStrongToComplex).padStart(9)} ${pct(row.allToComplex).padStart(8)}  ${row.chosen}`,
      );
    }
  }
  if (options.compare) {
    log();
    log('-- intent scoring methods, each fitted per fold (pooled macro-F1 and the weakest intent)');
    log(`${'method'.padEnd(46)} ${'LOSO'.padStart(6)} ${'min F1'.padStart(7)} ${'in-smp'.padStart(7)}  chosen on all data`);
    for (const config of INTENT_CONFIGS) {
      type IntentFit = FoldFit['intent'];
      const predict = (fit: IntentFit, item: Item, disabled: ReadonlySet<string>) =>
        INTENT_CLASSES[
          predictIntentIndex(
            rankScores(scoreWith(fit.method, featuresOf(item, fit.abstainOnly))),
            ruleIntentOf(item.hits, disabled),
            fit.thresholds,
          )
        ]!;
      const perFamily = new Map<string, { fit: IntentFit; disabled: Set<string> }>();
      for (const family of new Set(intentRows.map((r) => r.family))) {
        const disabled = new Set(foldFits.get(family)!.disabledRules);
        const keep = Uint8Array.from(intentItems.map((item) => (item.family !== family ? 1 : 0)));
        perFamily.set(family, { fit: fitIntent(config, keep, disabled), disabled });
      }
      const all = fitIntent(config, new Uint8Array(intentItems.length).fill(1), new Set(fullFit.disabledRules));
      const loso = classificationReport(
        intentItems.map((item, i) => ({
          gold: intentRows[i]!.label,
          predicted: predict(perFamily.get(item.family)!.fit, item, perFamily.get(item.family)!.disabled),
        })),
        INTENT_CLASSES,
      );
      const inside = classificationReport(
        intentItems.map((item, i) => ({
          gold: intentRows[i]!.label,
          predicted: predict(all, item, new Set(fullFit.disabledRules)),
        })),
        INTENT_CLASSES,
      );
      const weakest = [...loso.perClass].sort((a, b) => a.f1 - b.f1)[0]!;
      comparisons[config.name] = {
        loso: loso.macroF1,
        inSample: inside.macroF1,
        weakest: { label: weakest.label, f1: weakest.f1 },
        chosen: methodName(all.method),
      };
      log(
        `${config.name.padEnd(46)} ${f3(loso.macroF1).padStart(6)} ${`${f3(weakest.f1)}`.padStart(7)} ${f3(inside.macroF1).padStart(7)}  ${methodName(all.method)}${all.thresholds.minMargin > 0 ? `, margin ${all.thresholds.minMargin}` : ''} (weakest LOSO: ${weakest.label})`,
      );
    }
    log();
    log('-- complexity models (fitted per held-out outcome family): AUC of "needs the strong model", LOSO');
    log(`${'inputs'.padEnd(28)} ${outcomes.map((o) => o.family.padStart(17)).join(' ')}`);
    for (const features of FEATURE_SETS) {
      const aucs = outcomes.map((source, s) => {
        const fold = fitFold((f) => f !== source.family, shipped, undefined);
        const model = fitStrongNeed(
          strongExamples((f) => f !== source.family, fold),
          features,
        );
        const positives = source.rows.map((row) => needsStrong(source, row));
        const scores = outcomeItems[s]!.map((item) =>
          probabilityOf(model, {
            signals: item.signals,
            knn: tierDifficulty(tierScoresOf(item, fold.tier)),
          }),
        );
        return rocAuc(scores.map((score, i) => ({ score, positive: positives[i]! })));
      });
      comparisons[`complexity: ${features.name}`] = Object.fromEntries(outcomes.map((o, s) => [o.family, aucs[s]]));
      log(`${features.name.padEnd(28)} ${aucs.map((a) => f3(a).padStart(17)).join(' ')}`);
    }
  }

  const chitchatEs = familyAccuracy(intentLoso.predictions, 'chitchat_es');
  const ownEs = intentLoso.predictions.filter((p) => p.family === 'own_es');
  const ownEsReport: ClassificationReport = classificationReport(ownEs, INTENT_CLASSES);
  log();
  log(
    `chitchat_es routed to smalltalk, LOSO: ${pct(chitchatEs.accuracy)}; own Spanish set (scripts/quality/spanish-check.jsonl) intent accuracy LOSO ${f3(ownEsReport.accuracy)}`,
  );
  log(
    `fitted on all families (what a calibration file ships): intent ${methodName(fullFit.intent.method)}, threshold ${fullFit.intent.thresholds.threshold}, margin ${fullFit.intent.thresholds.minMargin}; tier ${tierFitName(fullFit.tier)}; rules off: ${fullFit.disabledRules.join(', ') || '-'}; complexity threshold ${fullFit.complexity?.threshold ?? '-'}`,
  );

  const digest = (rows: readonly { text: string; label: string }[]) =>
    createHash('sha256')
      .update(rows.map((r) => `${r.label}\t${r.text}`).join('\n'))
      .digest('hex');
  return {
    text: lines.join('\n'),
    fullFit,
    data: {
      intent: {
        file: 'dev-sources.ts intentFamilies (label<TAB>text per row, sha256 of the rows in order)',
        sha256: digest(intentRows),
        label_field: 'label',
        rows: intentRows.length,
      },
      tier: {
        file: 'complexity_exemplars.jsonl via dev-sources.ts tierFamilies (sha256 of the rows in order)',
        sha256: digest(tierRows),
        label_field: 'tier',
        rows: tierRows.length,
      },
    },
    report: {
      embedder: embedder.id,
      exemplarSet: router.router.exemplarSet().version,
      intent: {
        macroF1Loso: intentLoso.pooled.macroF1,
        macroF1InSample: intentIn.pooled.macroF1,
        perClassLoso: intentLoso.pooled.perClass,
        perClassInSample: intentIn.pooled.perClass,
        families: intentFamilyFigures,
      },
      tier: {
        accuracyLoso: tierLoso.report.accuracy,
        accuracyKnnLoso: tierKnnLoso.report.accuracy,
        accuracyInSample: tierIn.report.accuracy,
        complexToSimpleLoso: tierLoso.complexToSimple,
        complexToSimpleInSample: tierIn.complexToSimple,
        families: tierFamilyFigures,
      },
      outcomes: outcomeFigures,
      needsStrongToComplexLoso: needComplex / Math.max(1, needTotal),
      chitchatEsSmalltalkLoso: chitchatEs.accuracy,
      ownEsIntentAccuracyLoso: ownEsReport.accuracy,
      comparisons,
      fullFit,
    },
  };
}

/** The calibration settings a full fit stands for, in the service's schema. */
export function settingsOf(fit: FoldFit, base: ScoringSettings): Partial<ScoringSettings> {
  const method = fit.intent.method;
  if (method.kind === 'linear-head' || fit.tier.head || (method.kind === 'weighted-knn' && method.weights))
    throw new Error(
      'the bank-learned scorings (linear heads, per-exemplar weights) are measured here, not shipped by the service',
    );
  if (fit.intent.abstainOnly)
    throw new Error(
      'abstention alone is measured by leaving the general exemplars out of the bank; to ship it, remove them from routes-data',
    );
  const scoring =
    method.kind === 'topk'
      ? { k: method.k, aggregation: method.aggregation }
      : method.kind === 'weighted-knn'
        ? { k: method.k, aggregation: 'mean' as const, vote_tau: method.tau }
        : { k: method.k, aggregation: 'mean' as const, centroid_weight: method.alpha };
  const labelThresholds = Object.fromEntries(
    INTENT_CLASSES.map((label, l) => [label, fit.intent.thresholds.perLabel[l]!] as const).filter(([, t]) => !Number.isNaN(t)),
  );
  return {
    intent: {
      ...base.intent,
      ...scoring,
      threshold: fit.intent.thresholds.threshold,
      ...(Object.keys(labelThresholds).length > 0 ? { label_thresholds: labelThresholds } : {}),
      ...(fit.intent.thresholds.minMargin > 0 ? { min_margin: fit.intent.thresholds.minMargin } : {}),
    },
    tier: {
      ...base.tier,
      k: fit.tier.k,
      aggregation: fit.tier.aggregation,
      ...(fit.tier.centroidWeight > 0 ? { centroid_weight: fit.tier.centroidWeight } : {}),
      ...(fit.tier.complexOffset > 0 ? { label_offsets: { complex: fit.tier.complexOffset } } : {}),
    },
    ...(fit.complexity ? { complexity: fit.complexity } : {}),
  };
}
