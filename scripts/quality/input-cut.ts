/**
 * npm run input-cut -- [--model-dir DIR] [--cuts 128,256] [--calibration routes-data/calibration/all-MiniLM-L6-v2.json]
 *
 * Issue 12 item 5: the MiniLM input cut, decided with real vectors. For each
 * cut, the exemplar bank and the dev rows of the leave-one-source-out
 * evaluation are embedded at that cut (only texts that can reach it are
 * embedded again; shorter ones have identical vectors) and routed with the
 * shipped calibration through scoreAxis + decideRoute; then the long texts are
 * embedded uncached, to time what the cut costs.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { classificationReport } from '../../src/quality/classification.js';
import { loadMiniLmEmbedder } from '../../src/embedding/minilm.js';
import { loadRoutesData } from '../../src/routes-config/load-routes-data.js';
import { CalibrationFileSchema, INTENTS, TIERS, type ScoringSettings } from '../../src/routes-config/schemas.js';
import { estimateWordPieces } from '../../src/routing/complexity-signals.js';
import { decideRoute } from '../../src/routing/decide.js';
import { compileRules, matchRules } from '../../src/routing/rules.js';
import { buildExemplarIndex } from '../../src/scoring/exemplar-index.js';
import { scoreAxis } from '../../src/scoring/label-scores.js';
import { intentFamilies, tierFamilies, type DevRow } from './dev-sources.js';
import { openEmbeddingCache } from './embedding-cache.js';
import { progress } from './eval-router.js';
import { runMain } from './run-main.js';

/** Word-piece estimate above which a text may reach the shorter cut (the estimate undercounts by up to ~30%). */
const MAY_REACH = (cut: number) => Math.floor(cut * 0.7);

async function main(): Promise<number> {
  const args = parseArgs({
    options: {
      'model-dir': { type: 'string', default: process.env.MINILM_MODEL_DIR ?? '/work/models/minilm-real' },
      cuts: { type: 'string', default: '128,256' },
      calibration: { type: 'string', default: 'routes-data/calibration/all-MiniLM-L6-v2.json' },
      evaldata: { type: 'string', default: '../shared/evaldata' },
      'time-rows': { type: 'string', default: '64' },
    },
    strict: true,
  }).values;
  const cuts = args.cuts.split(',').map(Number);
  const routesData = loadRoutesData('routes-data');
  const calibration = CalibrationFileSchema.parse(JSON.parse(readFileSync(args.calibration, 'utf8')));
  const settings = { ...routesData.scoring.default, ...calibration.settings } as ScoringSettings;
  const rules = compileRules(routesData.rules);
  const intentRows = intentFamilies(args.evaldata, 300);
  const tierRows = tierFamilies(args.evaldata);
  const bank = routesData.exemplars.map((e, i) => ({ id: i, axis: e.axis, label: e.label, text: e.text }));
  const shortest = Math.min(...cuts);
  const longTexts = [
    ...new Set([...bank.map((b) => b.text), ...intentRows.map((r) => r.text), ...tierRows.map((r) => r.text)]),
  ].filter((text) => estimateWordPieces(text) >= MAY_REACH(shortest));
  console.log(`MiniLM q8 from ${args['model-dir']}; calibration ${args.calibration}`);
  console.log(
    `${longTexts.length} texts (bank and dev rows) estimated at >= ${MAY_REACH(shortest)} word pieces; the rest cannot reach a cut of ${shortest}`,
  );

  const cache = openEmbeddingCache();
  const results: string[] = [];
  const timings: string[] = [];
  try {
    for (const cut of cuts) {
      const inner = await loadMiniLmEmbedder({
        modelId: 'Xenova/all-MiniLM-L6-v2',
        modelDir: args['model-dir'],
        quantized: true,
        cacheDir: '.cache/models',
        offline: true,
        intraOpThreads: 1,
        maxTokens: cut,
      });
      const full = cache.wrap(
        await loadMiniLmEmbedder({
          modelId: 'Xenova/all-MiniLM-L6-v2',
          modelDir: args['model-dir'],
          quantized: true,
          cacheDir: '.cache/models',
          offline: true,
          intraOpThreads: 1,
        }),
      );
      const atCut = cache.wrap(inner);
      // Texts that cannot reach the cut embed the same at every cut: take them from the default cut's cache.
      const long = new Set(longTexts);
      const embedAll = async (texts: string[]) => {
        const longOnes = texts.filter((t) => long.has(t));
        await atCut.warm(longOnes, progress(`cut ${cut}: embedding long texts`));
        await full.warm(
          texts.filter((t) => !long.has(t)),
          progress('embedding (cached after the first run)'),
        );
        const a = await atCut.embed(longOnes);
        const b = await full.embed(texts.filter((t) => !long.has(t)));
        const byText = new Map<string, Float32Array>();
        longOnes.forEach((t, i) => byText.set(t, a[i]!));
        texts.filter((t) => !long.has(t)).forEach((t, i) => byText.set(t, b[i]!));
        return texts.map((t) => byText.get(t)!);
      };
      const bankVectors = await embedAll(bank.map((b) => b.text));
      const indexOf = (axis: 'intent' | 'tier') =>
        buildExemplarIndex(
          axis === 'intent' ? INTENTS : TIERS,
          bankVectors[0]!.length,
          bank.flatMap((b, i) => (b.axis === axis ? [{ id: b.id, label: b.label, text: b.text, vector: bankVectors[i]! }] : [])),
        );
      const indexes = { intent: indexOf('intent'), tier: indexOf('tier') };
      const route = async (rows: DevRow[]) => {
        const vectors = await embedAll(rows.map((r) => r.text));
        return rows.map((row, i) => {
          const tierScores = scoreAxis(indexes.tier, vectors[i]!, { ...settings.tier, topExemplars: 0 });
          const intentScores = scoreAxis(indexes.intent, vectors[i]!, { ...settings.intent, topExemplars: 0 });
          return decideRoute({
            tierScores,
            intentScores,
            tierSettings: settings.tier,
            intentSettings: settings.intent,
            strategy: 'balanced',
            ruleHits: matchRules(rules, row.text),
            sessionFloor: undefined,
            table: routesData.routing,
            isProviderAvailable: () => true,
            needsVision: false,
          });
        });
      };
      const intentDecisions = await route(intentRows);
      const tierDecisions = await route(tierRows);
      const figures = (rows: DevRow[], predicted: string[], keep: (row: DevRow) => boolean) => {
        const kept = rows.flatMap((row, i) => (keep(row) ? [{ gold: row.label, predicted: predicted[i]! }] : []));
        const report = classificationReport(kept);
        return `${report.accuracy.toFixed(3)} (${kept.length})`;
      };
      const isLong = (row: DevRow) => long.has(row.text);
      results.push(
        `${String(cut).padStart(4)}  intent macro-F1 all ${classificationReport(intentRows.map((r, i) => ({ gold: r.label, predicted: intentDecisions[i]!.intent }))).macroF1.toFixed(3)}` +
          `  intent acc long ${figures(
            intentRows,
            intentDecisions.map((d) => d.intent),
            isLong,
          )}` +
          `  tier acc all ${figures(
            tierRows,
            tierDecisions.map((d) => d.tier),
            () => true,
          )}  tier acc long ${figures(
            tierRows,
            tierDecisions.map((d) => d.tier),
            isLong,
          )}`,
      );
      // Throughput: the same long texts, uncached, batches of 8, one thread.
      const sample = longTexts.slice(0, Number(args['time-rows']));
      const started = performance.now();
      for (let i = 0; i < sample.length; i += 8) await inner.embed(sample.slice(i, i + 8));
      const ms = (performance.now() - started) / Math.max(1, sample.length);
      timings.push(
        `${String(cut).padStart(4)}  ${ms.toFixed(1)} ms per long text (${sample.length} texts, batches of 8, 1 thread, uncached)`,
      );
    }
  } finally {
    cache.close();
  }
  console.log('\n cut  figures with the shipped MiniLM calibration ("long" = texts that may reach the shorter cut)');
  for (const line of results) console.log(line);
  console.log('\n cut  embedding cost');
  for (const line of timings) console.log(line);
  return 0;
}

runMain('input-cut', main);
