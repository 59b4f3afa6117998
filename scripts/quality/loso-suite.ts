import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolveScoring } from '../../src/routing/scoring-settings.js';
import type { CalibrationFile } from '../../src/routes-config/schemas.js';
import { FEATURE_SETS } from './complexity-fit.js';
import { holdoutFiles } from './dev-sources.js';
import { openEvalRouter } from './eval-router.js';
import { readLabelledFile } from './labelled-file.js';
import { INTENT_CONFIGS, TIER_CONFIGS, runLoso, settingsOf, type FoldFit } from './run-loso.js';
import { evaluateLabelled } from './run-labelled.js';

export interface LosoSuiteOptions {
  evaldataDir: string;
  embedders: string[];
  compare: boolean;
  compareTier?: boolean | undefined;
  writeCalibration: boolean;
  intentCap: number;
  mmluCap: number;
  routesDataDir: string | undefined;
  jsonPath: string | undefined;
  /** Override the shipped choices (names from the comparison tables), to measure an alternative. */
  intentConfig?: string | undefined;
  tierConfig?: string | undefined;
  /** Leave out the final check on the held-out own prompts: whoever is still tuning must not see them. */
  skipHoldout?: boolean | undefined;
  complexity?: string | undefined;
}

/**
 * What the service ships, chosen by the comparison tables (docs/routing-quality.md): the intent configuration per
 * embedder (on the bank with general exemplars, the distance-weighted vote with per-label thresholds led under LOSO
 * with both embedders, and the general exemplars helped it over abstention alone), and the complexity model (none: the signals only reach the evidence, their fitted weights did not beat the tier
 * kNN score on held-out outcome data).
 */
const SHIPPED_CONFIG_NAME: Record<string, string> = {
  minilm: 'weighted kNN + per-label',
  'use-lite': 'weighted kNN + per-label',
};
/**
 * The tier configuration per embedder, chosen by the tier scoring table (docs/routing-quality.md, "Tier work, round 3"):
 * the centroid blend gained under LOSO with USE-lite and lost with MiniLM; the complex offset lost with both.
 */
const SHIPPED_TIER_CONFIG: Record<string, string> = {
  minilm: 'top-k mean',
  'use-lite': 'centroid blend',
};
const SHIPPED_FEATURES: string | undefined = undefined;

/** The calibration file name and embedder id: the real MiniLM is matched by model identity (issue 12), USE-lite by its id. */
function calibrationIdentity(embedder: { id: string; kind: string }): string {
  return embedder.kind === 'minilm' ? 'all-MiniLM-L6-v2' : embedder.id;
}

/**
 * `npm run eval -- --suite --loso`: for each embedder in turn (MiniLM first),
 * the leave-one-source-out tables, then the held-out own prompts routed by
 * the service itself (bootRouter + route) as the final check.
 */
export async function runLosoSuite(options: LosoSuiteOptions): Promise<number> {
  const reports: Record<string, unknown>[] = [];
  for (const name of options.embedders) {
    const env = { EMBEDDER: name };
    const configName = options.intentConfig ?? SHIPPED_CONFIG_NAME[name] ?? 'centroid blend + per-label';
    const shipped = INTENT_CONFIGS.find((c) => c.name === configName);
    if (!shipped) throw new Error(`--intent-config must be one of: ${INTENT_CONFIGS.map((c) => c.name).join('; ')}`);
    const tierConfigName = options.tierConfig ?? SHIPPED_TIER_CONFIG[name] ?? 'top-k mean';
    const shippedTierConfig = TIER_CONFIGS.findIndex((c) => c.name === tierConfigName);
    if (shippedTierConfig < 0) throw new Error(`--tier-config must be one of: ${TIER_CONFIGS.map((c) => c.name).join('; ')}`);
    let router = await openEvalRouter({ routesDataDir: options.routesDataDir, env });
    let fullFit: FoldFit;
    try {
      if (router.embedder.standin) {
        console.log(
          `== ${name}: the stand-in model (random weights) is loaded; set MINILM_MODEL_DIR to the real model. Skipped.\n`,
        );
        continue;
      }
      const result = await runLoso(router, {
        evaldataDir: options.evaldataDir,
        intentCap: options.intentCap,
        mmluCap: options.mmluCap,
        shippedConfig: INTENT_CONFIGS.findIndex((c) => c.name === configName),
        shippedTierConfig,
        features: FEATURE_SETS.find((f) => f.name === (options.complexity ?? SHIPPED_FEATURES)),
        compare: options.compare,
        compareTier: options.compareTier ?? false,
      });
      console.log(result.text);
      fullFit = result.fullFit;
      reports.push(result.report);
      if (options.writeCalibration) {
        const base = resolveScoring({ ...router.routesData, calibrations: [] }, router.embedder).settings;
        const id = calibrationIdentity(router.embedder);
        const report = result.report as {
          intent: { macroF1Loso: number; macroF1InSample: number };
          tier: { accuracyLoso: number; accuracyInSample: number; complexToSimpleLoso: number };
          needsStrongToComplexLoso: number;
        };
        const round = (x: number) => Math.round(x * 10000) / 10000;
        const calibration: CalibrationFile = {
          embedder_id: id,
          created_at: new Date().toISOString(),
          exemplar_set_version: router.router.exemplarSet().version,
          data: result.data,
          objective: {
            data: `../shared/evaldata per-source files by family (intent up to ${options.intentCap} rows per family, complexity_exemplars.jsonl for tiers, RouterBench/MMLU (${options.mmluCap})/MT-Bench outcomes); see scripts/quality/dev-sources.ts`,
            intent: `${configName}, maximising macro-F1 (general counted as a class): method settings and threshold, then per-label thresholds${shipped?.margin ? ', then the margin under which it abstains into general' : ''}`,
            tier: `${tierConfigName}, maximising accuracy with complex -> simple at most 2%`,
            complexity: fullFit.complexity
              ? 'logistic fit of "weak model wrong, strong right" on outcome data, families weighted equally; threshold the lowest keeping tier accuracy within 3 points'
              : 'not shipped: the fitted signal weights did not beat the tier kNN score on held-out outcome data (docs/routing-quality.md)',
            scores:
              'after = leave-one-source-out figures of this procedure (each family scored by a fit without it); before = the same fit scored in-sample',
            embedder: router.embedder.id,
          },
          scores: {
            before: {
              intent_macro_f1_in_sample: round(report.intent.macroF1InSample),
              tier_accuracy_in_sample: round(report.tier.accuracyInSample),
            },
            after: {
              intent_macro_f1_loso: round(report.intent.macroF1Loso),
              tier_accuracy_loso: round(report.tier.accuracyLoso),
              tier_complex_to_simple_loso: round(report.tier.complexToSimpleLoso),
              needs_strong_to_complex_loso: round(report.needsStrongToComplexLoso),
            },
          },
          settings: settingsOf(fullFit, base),
        };
        const out = resolve(join(router.routesData.dir, 'calibration', `${id.replace(/[^\w.@-]+/g, '_')}.json`));
        mkdirSync(join(out, '..'), { recursive: true });
        writeFileSync(out, `${JSON.stringify(calibration, null, 2)}\n`);
        console.log(`wrote ${out}`);
        // Route the final check with the calibration just written.
        router.close();
        // The real MiniLM finds all-MiniLM-L6-v2.json by its verified model identity (resolveScoring).
        router = await openEvalRouter({ routesDataDir: options.routesDataDir, env });
      }
      if (options.skipHoldout) continue;
      console.log(
        `\n-- final check: held-out own prompts (scripts/quality/holdout/, never tuned on), routed by the service, scoring ${router.router.scoringSource}`,
      );
      for (const file of holdoutFiles()) {
        // The language filter is the one the README's commands pass (`--lang es` for the Spanish files).
        const rows = readLabelledFile(file.path, { labelField: 'label', lang: file.lang });
        const evaluation = await evaluateLabelled(router, rows, file.axis, { strategy: 'balanced' });
        const extra = evaluation.underRouting
          ? `, complex -> simple ${(100 * evaluation.underRouting.complexToSimple).toFixed(1)}%`
          : '';
        console.log(
          `${file.name.padEnd(12)} rows ${String(rows.length).padStart(4)}  accuracy ${evaluation.report.accuracy.toFixed(3)}  macro-F1 ${evaluation.report.macroF1.toFixed(3)}${extra}`,
        );
        reports[reports.length - 1]![`holdout ${file.name}`] = {
          accuracy: evaluation.report.accuracy,
          macroF1: evaluation.report.macroF1,
          underRouting: evaluation.underRouting,
        };
      }
      console.log();
    } finally {
      router.close();
    }
  }
  if (options.jsonPath) {
    writeFileSync(options.jsonPath, `${JSON.stringify(reports, null, 1)}\n`);
    console.log(`full report: ${options.jsonPath}`);
  }
  return 0;
}
