/**
 * npm run eval -- --file PATH --axis intent|tier [--label-field F] [--map a=b,...] [--lang en] [--json OUT]
 * npm run eval -- --suite [--evaldata DIR]          every dev mixture of issue 4 with its target
 * npm run eval -- --outcomes PATH --models simple=M1,medium=M2,complex=M3 [--chart OUT.svg]
 *
 * Routes every row in-process through the same code path as POST /v1/route
 * (bootRouter + RouterService.route on a throw-away database seeded from
 * routes-data) and reports how good the decisions are. Embeddings are cached
 * under .cache/, so only the first run of a file pays for embedding it.
 */
import { writeFileSync } from 'node:fs';
import { StrategySchema, type Strategy } from '../src/routing/strategy.js';
import { AxisSchema } from '../src/routes-config/schemas.js';
import { devSuite, runSuite } from './quality/dev-suite.js';
import { openEvalRouter } from './quality/eval-router.js';
import { parseMapping, readLabelledFile } from './quality/labelled-file.js';
import { evaluateLabelled, formatLabelledEval } from './quality/run-labelled.js';
import { runOutcomeEval } from './quality/run-outcomes.js';
import { runLosoSuite } from './quality/loso-suite.js';
import { runMain } from './quality/run-main.js';
import { readOptions } from './command-line.js';

const USAGE = `usage:
  npm run eval -- --file PATH --axis intent|tier [--label-field FIELD] [--map from=to,...] [--lang en]
                  [--auc-positive LABEL] [--limit N] [--strategy S] [--routes-data DIR] [--json OUT]
  npm run eval -- --suite [--evaldata DIR] [--json OUT]
  npm run eval -- --suite --loso [--embedders minilm,use-lite] [--compare | --compare-tier] [--write-calibration] [--skip-holdout] [--json OUT]
  npm run eval -- --outcomes PATH [--models simple=M,medium=M,complex=M] [--cost-field cost] [--chart OUT.svg] [--json OUT]

  --file          labelled JSONL: "text" plus a label field
  --axis          which decision to compare with the label: intent or tier
  --label-field   the field holding the gold label (default: the axis name)
  --map           rename gold labels (e.g. easy=medium,challenge=complex; map to "" to drop a label)
  --lang          keep only rows with this "lang" (rows without one count as en)
  --auc-positive  also report the AUC of the tier difficulty score for this gold label
  --suite         every dev mixture of ../shared/evaldata with the issue's target
  --loso          leave-one-source-out: every fitted setting fitted without the held-out source family, then
                  the held-out own prompts (scripts/quality/holdout/) as the final check
  --embedders     with --loso, which embedders, in order (default minilm,use-lite; minilm needs MINILM_MODEL_DIR)
  --compare       with --loso, also the tables of intent and tier scoring methods and complexity models
  --compare-tier  with --loso, only the table of tier scoring methods
  --write-calibration  with --loso, write routes-data/calibration/<embedder>.json from the fit on all families
  --intent-config, --tier-config, --complexity   with --loso, measure another row of the comparison tables as if shipped
  --skip-holdout  with --loso, leave out the final check on the held-out own prompts (while tuning: never look at them)
  --outcomes      outcome mode: per-prompt correctness/score and cost per model (RouterBench, RouteLLM, MT-Bench files)
  --models        which model answers each tier (outcome files with two models need none)
  --chart         write the quality-cost curve as an SVG
  --json          write the full report as JSON
Environment as for the service; EMBEDDER defaults to use-lite.`;

async function main(): Promise<number> {
  const args = readOptions(
    {
      file: { type: 'string' },
      axis: { type: 'string' },
      'label-field': { type: 'string' },
      map: { type: 'string' },
      lang: { type: 'string' },
      'auc-positive': { type: 'string' },
      limit: { type: 'string' },
      strategy: { type: 'string', default: 'balanced' },
      'routes-data': { type: 'string' },
      json: { type: 'string' },
      suite: { type: 'boolean', default: false },
      loso: { type: 'boolean', default: false },
      embedders: { type: 'string', default: 'minilm,use-lite' },
      compare: { type: 'boolean', default: false },
      'compare-tier': { type: 'boolean', default: false },
      'write-calibration': { type: 'boolean', default: false },
      'intent-cap': { type: 'string', default: '300' },
      'mmlu-cap': { type: 'string', default: '2000' },
      'intent-config': { type: 'string' },
      'tier-config': { type: 'string' },
      'skip-holdout': { type: 'boolean', default: false },
      complexity: { type: 'string' },
      evaldata: { type: 'string', default: '../shared/evaldata' },
      outcomes: { type: 'string' },
      models: { type: 'string' },
      chart: { type: 'string' },
    },
    USAGE,
  );
  if (typeof args === 'number') return args;
  if (!args.file && !args.suite && !args.outcomes) {
    console.log(USAGE);
    return 2;
  }
  const strategy: Strategy = StrategySchema.parse(args.strategy);
  if (args.suite && args.loso) {
    return runLosoSuite({
      evaldataDir: args.evaldata,
      embedders: args.embedders
        .split(',')
        .map((e) => e.trim())
        .filter((e) => e !== ''),
      compare: args.compare,
      compareTier: args['compare-tier'],
      writeCalibration: args['write-calibration'],
      intentCap: Number(args['intent-cap']),
      mmluCap: Number(args['mmlu-cap']),
      routesDataDir: args['routes-data'],
      jsonPath: args.json,
      intentConfig: args['intent-config'],
      tierConfig: args['tier-config'],
      skipHoldout: args['skip-holdout'],
      complexity: args.complexity,
    });
  }
  const router = await openEvalRouter({ routesDataDir: args['routes-data'] });
  try {
    let json: unknown;
    if (args.outcomes) {
      const result = await runOutcomeEval(router, {
        path: args.outcomes,
        models: parseMapping(args.models),
        strategy,
        chartPath: args.chart,
        limit: args.limit === undefined ? undefined : Number(args.limit),
      });
      console.log(result.text);
      json = result.report;
    } else if (args.suite) {
      const results = await runSuite(router, devSuite(args.evaldata), strategy);
      for (const { entry, evaluation } of results) console.log(`${formatLabelledEval(evaluation, entry.name)}\n`);
      console.log('== summary');
      for (const { entry, evaluation } of results) {
        const { figure, met } = entry.headline(evaluation);
        console.log(`${met ? 'MET   ' : 'MISSED'} ${entry.name}: ${figure}`);
      }
      json = results.map(({ entry, evaluation }) => ({ name: entry.name, headline: entry.headline(evaluation), ...evaluation }));
    } else {
      const axis = AxisSchema.parse(args.axis);
      const rows = readLabelledFile(args.file!, {
        labelField: args['label-field'] ?? axis,
        mapping: parseMapping(args.map),
        lang: args.lang,
        limit: args.limit === undefined ? undefined : Number(args.limit),
      });
      const evaluation = await evaluateLabelled(router, rows, axis, { strategy, aucPositive: args['auc-positive'] });
      console.log(formatLabelledEval(evaluation, args.file!));
      json = evaluation;
    }
    if (args.json) {
      writeFileSync(args.json, `${JSON.stringify(json, null, 1)}\n`);
      console.log(`full report: ${args.json}`);
    }
    return 0;
  } finally {
    router.close();
  }
}

runMain('eval', main);
