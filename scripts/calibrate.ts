/**
 * npm run calibrate -- [--intent-file PATH] [--tier-file PATH] [--max-under-routing 0.02] [--dry-run]
 *
 * Fits the scoring settings of the active embedder on labelled files: for
 * intents k, aggregation and (per-label) thresholds maximising macro-F1 with
 * `general` as a class; for tiers k and aggregation minimising the expected
 * price of the chosen models subject to a cap on under-routing (a `complex`
 * row sent to a cheaper tier). Fits on one half of each file (split by text
 * hash) and reports both halves, then writes
 * routes-data/calibration/<embedder id>.json with the data, date and scores.
 * history_weight is not fitted: no labelled multi-turn data exists yet.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Strategy } from '../src/routing/strategy.js';
import { classificationReport } from '../src/quality/classification.js';
import { fitLabelThresholds, inFitHalf, predictIntent, type IntentCandidate } from '../src/quality/calibration.js';
import { calibrationKey, resolveScoring } from '../src/routing/scoring-settings.js';
import { decideRoute } from '../src/routing/decide.js';
import { compileRules, matchRules } from '../src/routing/rules.js';
import {
  INTENTS,
  TIERS,
  LABELS_BY_AXIS,
  type Aggregation,
  type AxisScoring,
  type CalibrationFile,
  type ScoringSettings,
} from '../src/routes-config/schemas.js';
import { buildExemplarIndex, type ExemplarIndex } from '../src/scoring/exemplar-index.js';
import { scoreAxis, type AxisScores } from '../src/scoring/label-scores.js';
import { openEvalRouter, progress } from './quality/eval-router.js';
import { readLabelledFile, type LabelledRow } from './quality/labelled-file.js';
import { runMain } from './quality/run-main.js';
import { readOptions } from './command-line.js';

const USAGE = `usage: npm run calibrate -- [--intent-file PATH] [--intent-field intent] [--lang en]
                         [--tier-file PATH] [--tier-field tier] [--max-under-routing 0.02] [--out PATH] [--dry-run]
  defaults: ../shared/evaldata/intent_mix.jsonl (English rows) and ../shared/evaldata/complexity_exemplars.jsonl
  --max-under-routing   cap on the share of "complex" rows sent to a cheaper tier (default 0.10)`;

const K_GRID = [1, 2, 3, 5, 7, 10];
const AGGREGATIONS: Aggregation[] = ['max', 'mean'];
const THRESHOLD_GRID = Array.from({ length: 31 }, (_, i) => Math.round((0.2 + i * 0.02) * 100) / 100);
const STRATEGY: Strategy = 'balanced';

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

async function main(): Promise<number> {
  const args = readOptions(
    {
      'intent-file': { type: 'string', default: '../shared/evaldata/intent_mix.jsonl' },
      'intent-field': { type: 'string', default: 'intent' },
      lang: { type: 'string', default: 'en' },
      'tier-file': { type: 'string', default: '../shared/evaldata/complexity_exemplars.jsonl' },
      'tier-field': { type: 'string', default: 'tier' },
      'max-under-routing': { type: 'string', default: '0.10' },
      'routes-data': { type: 'string' },
      out: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
    },
    USAGE,
  );
  if (typeof args === 'number') return args;
  const cap = Number(args['max-under-routing']);
  const router = await openEvalRouter({ routesDataDir: args['routes-data'] });
  try {
    const { routesData } = router;
    const embedder = router.embedder;
    // Start from the hand-set settings, never from an earlier calibration of this embedder.
    const base = resolveScoring({ ...routesData, calibrations: [] }, embedder).settings;
    const rules = compileRules(routesData.rules);
    const rows = router.store.vectorRows(embedder.id);
    const indexes = {
      tier: buildExemplarIndex(
        LABELS_BY_AXIS.tier,
        embedder.dim,
        rows.filter((row) => row.axis === 'tier'),
      ),
      intent: buildExemplarIndex(
        LABELS_BY_AXIS.intent,
        embedder.dim,
        rows.filter((row) => row.axis === 'intent'),
      ),
    };
    const intentRows = readLabelledFile(args['intent-file'], { labelField: args['intent-field'], lang: args.lang });
    const tierRows = readLabelledFile(args['tier-file'], { labelField: args['tier-field'] });
    await embedder.warm(
      [...intentRows, ...tierRows].map((row) => row.text.trim()),
      progress('embedding (cached after the first run)'),
    );

    const vectorsOf = async (labelled: LabelledRow[]) => embedder.embed(labelled.map((row) => row.text.trim()));
    const intentVectors = await vectorsOf(intentRows);
    const tierVectors = await vectorsOf(tierRows);
    const ruleHitsOf = (labelled: LabelledRow[]) => labelled.map((row) => matchRules(rules, row.text.trim()));
    const intentHits = ruleHitsOf(intentRows);
    const tierHits = ruleHitsOf(tierRows);
    const fitIntent = intentRows.map((row) => inFitHalf(row.text));
    const fitTier = tierRows.map((row) => inFitHalf(row.text));

    // ---------------------------------------------------------------- intent
    const scoreAll = (index: ExemplarIndex, vectors: Float32Array[], k: number, aggregation: Aggregation): AxisScores[] => {
      const scratch = new Float32Array(index.size);
      return vectors.map((vector) => scoreAxis(index, vector, { k, aggregation, topExemplars: 0 }, scratch));
    };
    const macroF1 = (
      candidates: IntentCandidate[],
      settings: Pick<AxisScoring, 'threshold' | 'label_thresholds'>,
      keep: (i: number) => boolean,
    ) =>
      classificationReport(
        candidates.flatMap((c, i) => (keep(i) ? [{ gold: intentRows[i]!.label, predicted: predictIntent(c, settings) }] : [])),
        [...INTENTS, 'general'],
      ).macroF1;
    const candidatesFor = (k: number, aggregation: Aggregation): IntentCandidate[] =>
      scoreAll(indexes.intent, intentVectors, k, aggregation).map((scores, i) => ({
        best: scores.ranked[0]?.label,
        score: scores.ranked[0]?.score ?? -1,
        ruleIntent: intentHits[i]!.find((hit) => hit.set.intent !== undefined)?.set.intent,
      }));
    const onFit = (i: number) => fitIntent[i]!;
    const onHeldOut = (i: number) => !fitIntent[i]!;
    const all = () => true;

    const baseCandidates = candidatesFor(base.intent.k, base.intent.aggregation);
    let bestIntent = {
      k: base.intent.k,
      aggregation: base.intent.aggregation,
      threshold: base.intent.threshold,
      labelThresholds: {} as Record<string, number>,
      value: -1,
    };
    for (const k of K_GRID) {
      for (const aggregation of AGGREGATIONS) {
        const candidates = candidatesFor(k, aggregation);
        for (const threshold of THRESHOLD_GRID) {
          const value = macroF1(candidates, { threshold }, onFit);
          if (value > bestIntent.value) bestIntent = { k, aggregation, threshold, labelThresholds: {}, value };
        }
      }
    }
    const fittedCandidates = candidatesFor(bestIntent.k, bestIntent.aggregation);
    const perLabel = fitLabelThresholds([...INTENTS], bestIntent.threshold, THRESHOLD_GRID, (labelThresholds) =>
      macroF1(fittedCandidates, { threshold: bestIntent.threshold, label_thresholds: labelThresholds }, onFit),
    );
    const intentSettings: AxisScoring = {
      ...base.intent,
      k: bestIntent.k,
      aggregation: bestIntent.aggregation,
      threshold: bestIntent.threshold,
      ...(Object.keys(perLabel.labelThresholds).length > 0 ? { label_thresholds: perLabel.labelThresholds } : {}),
    };

    // ---------------------------------------------------------------- tier
    const priceOf = (model: string | undefined) => {
      const price = model === undefined ? undefined : routesData.prices.models[model];
      return price === undefined ? 0 : (price.input + price.output) / 2;
    };
    const intentScoresForTier = scoreAll(indexes.intent, tierVectors, intentSettings.k, intentSettings.aggregation);
    const tierOutcome = (tierSettings: AxisScoring, keep: (i: number) => boolean) => {
      const tierScores = scoreAll(indexes.tier, tierVectors, tierSettings.k, tierSettings.aggregation);
      const predictions: { gold: string; predicted: string }[] = [];
      let cost = 0;
      let complex = 0;
      let complexCheaper = 0;
      let complexSimple = 0;
      tierScores.forEach((scores, i) => {
        if (!keep(i)) return;
        const decision = decideRoute({
          tierScores: scores,
          intentScores: intentScoresForTier[i]!,
          tierSettings,
          intentSettings,
          strategy: STRATEGY,
          ruleHits: tierHits[i]!,
          sessionFloor: undefined,
          table: routesData.routing,
          isProviderAvailable: () => true,
          needsVision: false,
        });
        const gold = tierRows[i]!.label;
        predictions.push({ gold, predicted: decision.tier });
        cost += priceOf(decision.chosen?.id);
        if (gold === 'complex') {
          complex++;
          if (decision.tier !== 'complex') complexCheaper++;
          if (decision.tier === 'simple') complexSimple++;
        }
      });
      const report = classificationReport(predictions, [...TIERS]);
      return {
        accuracy: report.accuracy,
        macroF1: report.macroF1,
        costPerQuery: cost / Math.max(1, predictions.length),
        complexToCheaper: complexCheaper / Math.max(1, complex),
        complexToSimple: complexSimple / Math.max(1, complex),
      };
    };
    let bestTier: { settings: AxisScoring; cost: number; accuracy: number } | undefined;
    for (const k of K_GRID) {
      for (const aggregation of AGGREGATIONS) {
        const settings: AxisScoring = { ...base.tier, k, aggregation };
        const outcome = tierOutcome(settings, (i) => fitTier[i]!);
        if (outcome.complexToCheaper > cap) continue;
        // Cheapest within the cap; among near-equal costs, the more accurate.
        if (
          !bestTier ||
          outcome.costPerQuery < bestTier.cost - 1e-9 ||
          (Math.abs(outcome.costPerQuery - bestTier.cost) < 1e-9 && outcome.accuracy > bestTier.accuracy)
        ) {
          bestTier = { settings, cost: outcome.costPerQuery, accuracy: outcome.accuracy };
        }
      }
    }
    const tierSettings = bestTier?.settings ?? base.tier;

    // ---------------------------------------------------------------- report
    const intentFigures = (candidates: IntentCandidate[], settings: AxisScoring) => ({
      fit: macroF1(candidates, settings, onFit),
      held_out: macroF1(candidates, settings, onHeldOut),
      all: macroF1(candidates, settings, all),
    });
    const beforeIntent = intentFigures(baseCandidates, base.intent);
    const afterIntent = intentFigures(fittedCandidates, intentSettings);
    const beforeTier = tierOutcome(base.tier, () => true);
    const afterTier = tierOutcome(tierSettings, () => true);
    const afterTierHeldOut = tierOutcome(tierSettings, (i) => !fitTier[i]!);
    const beforeTierHeldOut = tierOutcome(base.tier, (i) => !fitTier[i]!);
    const round = (x: number) => Math.round(x * 10000) / 10000;
    const figures = (intent: typeof beforeIntent, tier: typeof beforeTier, tierHeld: typeof beforeTier) => ({
      intent_macro_f1_fit_half: round(intent.fit),
      intent_macro_f1_held_out_half: round(intent.held_out),
      intent_macro_f1_all: round(intent.all),
      tier_accuracy_all: round(tier.accuracy),
      tier_accuracy_held_out_half: round(tierHeld.accuracy),
      tier_complex_to_cheaper_all: round(tier.complexToCheaper),
      tier_complex_to_simple_all: round(tier.complexToSimple),
      tier_price_per_query_usd_per_1m: round(tier.costPerQuery),
    });
    const dataOf = (path: string, labelField: string, count: number, lang?: string) => ({
      file: basename(path),
      sha256: sha256(path),
      label_field: labelField,
      ...(lang === undefined ? {} : { lang }),
      rows: count,
    });
    const settings: Partial<ScoringSettings> = { intent: intentSettings, tier: tierSettings };
    // A MiniLM that passed its behaviour check is calibrated under its model name, so every export of it shares the file.
    const key = calibrationKey(embedder);
    const calibration: CalibrationFile = {
      embedder_id: key,
      created_at: new Date().toISOString(),
      exemplar_set_version: router.router.exemplarSet().version,
      data: {
        intent: dataOf(args['intent-file'], args['intent-field'], intentRows.length, args.lang),
        tier: dataOf(args['tier-file'], args['tier-field'], tierRows.length),
      },
      objective: {
        intent:
          'max macro-F1 (general counted as a class) on the fit half; grid k x aggregation x threshold, then per-label thresholds',
        tier: 'min mean price (USD per 1M tokens, mean of input and output) of the chosen model on the fit half, complex -> cheaper tier at most the cap',
        max_under_routing: cap,
        split: 'fit half = FNV-1a hash of the text is even; held-out half = odd',
        history_weight: 'not fitted (no labelled multi-turn data); the hand-set value applies',
      },
      scores: {
        before: figures(beforeIntent, beforeTier, beforeTierHeldOut),
        after: figures(afterIntent, afterTier, afterTierHeldOut),
      },
      settings,
    };
    console.log(`embedder ${embedder.id}, exemplar set ${calibration.exemplar_set_version}`);
    console.log(
      `intent: k ${intentSettings.k}, ${intentSettings.aggregation}, threshold ${intentSettings.threshold}, per-label ${JSON.stringify(intentSettings.label_thresholds ?? {})}`,
    );
    console.log(`tier:   k ${tierSettings.k}, ${tierSettings.aggregation} (cap on complex -> cheaper: ${cap})`);
    console.log('figure                                   before    after');
    for (const [key, after] of Object.entries(calibration.scores.after)) {
      console.log(`${key.padEnd(40)} ${String(calibration.scores.before[key]).padStart(7)} ${String(after).padStart(8)}`);
    }
    const out = resolve(args.out ?? join(routesData.dir, 'calibration', `${key.replace(/[^\w.@-]+/g, '_')}.json`));
    if (args['dry-run']) {
      console.log(`dry run: would write ${out}`);
      return 0;
    }
    mkdirSync(join(out, '..'), { recursive: true });
    writeFileSync(out, `${JSON.stringify(calibration, null, 2)}\n`);
    console.log(`wrote ${out}`);
    return 0;
  } finally {
    router.close();
  }
}

runMain('calibrate', main);
