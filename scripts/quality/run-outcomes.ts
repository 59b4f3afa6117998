import { writeFileSync } from 'node:fs';
import type { Strategy } from '../../src/routing/strategy.js';
import {
  cheapestReaching,
  evaluateAssignment,
  oracleAssignment,
  randomMix,
  randomShareFor,
  sweepDifficulty,
  type MixPoint,
} from '../../src/quality/outcomes.js';
import { TIERS, type Tier } from '../../src/routes-config/schemas.js';
import type { EvalRouter } from './eval-router.js';
import { readOutcomeFile } from './outcome-file.js';
import { routeRows } from './run-labelled.js';
import { renderQualityCostChart } from './svg-chart.js';

export interface OutcomeEvalOptions {
  path: string;
  /** tier -> model; for two-model files the default sends simple and medium to the weak model, complex to the strong. */
  models: Record<string, string>;
  strategy: Strategy;
  chartPath?: string | undefined;
  limit?: number | undefined;
}

export async function runOutcomeEval(
  router: EvalRouter,
  options: OutcomeEvalOptions,
): Promise<{ text: string; report: unknown }> {
  const file = readOutcomeFile(options.path, options.limit);
  const tierModels: Record<Tier, string> =
    Object.keys(options.models).length > 0
      ? (Object.fromEntries(TIERS.map((tier) => [tier, options.models[tier]])) as Record<Tier, string>)
      : { simple: file.models[0]!, medium: file.models[0]!, complex: file.models[1]! };
  for (const tier of TIERS) {
    if (!tierModels[tier] || !file.models.includes(tierModels[tier])) {
      throw new Error(`--models must map ${TIERS.join(', ')} to models of the file (${file.models.join(', ')})`);
    }
  }
  const ladder = [...new Set(TIERS.map((tier) => tierModels[tier]))];
  const cheapest = ladder[0]!;
  const strongest = ladder[ladder.length - 1]!;
  const { rows } = file;
  const routed = await routeRows(
    router,
    rows.map((row) => ({ text: row.text, label: '', lang: 'en', raw: {} })),
    options.strategy,
  );

  const strong = evaluateAssignment(
    rows,
    rows.map(() => strongest),
    `always ${strongest}`,
  );
  const weak = evaluateAssignment(
    rows,
    rows.map(() => cheapest),
    `always ${cheapest}`,
  );
  const others = ladder.slice(1, -1).map((model) =>
    evaluateAssignment(
      rows,
      rows.map(() => model),
      `always ${model}`,
    ),
  );
  const routerDefault = evaluateAssignment(
    rows,
    routed.map((r) => tierModels[r.tier as Tier]),
    `router default (${options.strategy})`,
  );
  const randomSame = randomMix(rows, routerDefault.shares, 'random, same shares as the router');
  const oracle = evaluateAssignment(rows, oracleAssignment(rows, ladder), 'oracle');
  const sweep = sweepDifficulty(
    rows,
    routed.map((r) => r.difficulty),
    ladder,
    ladder.length > 2 ? 0.05 : 0.01,
  );
  const randomCurve = sweep.map((point) => randomMix(rows, point.shares, `random ${point.label}`));
  const target = 0.95 * strong.quality;
  const atTarget = cheapestReaching(sweep, target);
  const randomAtTarget = cheapestReaching(paretoOf(randomCurve), target);
  const strongShareRandom = ladder.length === 2 ? randomShareFor(target, weak.quality, strong.quality) : undefined;

  const fmtPoint = (p: MixPoint) =>
    `${p.label.padEnd(44)} ${p.quality.toFixed(4).padStart(8)} ${(p.quality / strong.quality).toFixed(3).padStart(8)} ${p.cost.toPrecision(4).padStart(10)} ${(1 - p.cost / strong.cost).toFixed(3).padStart(8)}  ${Object.entries(
      p.shares,
    )
      .map(([m, s]) => `${m.split('/').pop()} ${(100 * s).toFixed(0)}%`)
      .join(', ')}`;
  const lines = [
    `== outcomes: ${options.path} (${rows.length} prompts, quality = ${file.qualityUnit}, cost = ${file.costUnit})`,
    `embedder ${router.router.embedder.id}, scoring ${router.router.scoringSource}, tiers -> ${TIERS.map((t) => `${t}=${tierModels[t]}`).join(', ')}`,
    `${'mix'.padEnd(44)} ${'quality'.padStart(8)} ${'vs best'.padStart(8)} ${'cost'.padStart(10)} ${'saved'.padStart(8)}  shares`,
    ...[weak, ...others, strong, routerDefault, randomSame, oracle].map(fmtPoint),
    `-- threshold sweep on the tier difficulty score (Pareto front, ${sweep.length} points)`,
    ...sweep.map(fmtPoint),
    `-- at 95% of ${strongest}'s quality (${target.toFixed(4)}):`,
    atTarget
      ? `router sweep: cost ${atTarget.cost.toPrecision(4)}, ${(100 * (1 - atTarget.cost / strong.cost)).toFixed(1)}% cheaper than always-${strongest}; ${strongest} share ${(100 * (atTarget.shares[strongest] ?? 0)).toFixed(1)}%`
      : 'router sweep: never reaches it',
    randomAtTarget
      ? `random routing with the same shares: cost ${randomAtTarget.cost.toPrecision(4)}, ${(100 * (1 - randomAtTarget.cost / strong.cost)).toFixed(1)}% cheaper; ${strongest} share ${(100 * (randomAtTarget.shares[strongest] ?? 0)).toFixed(1)}%`
      : 'random routing on the same shares: never reaches it',
  ];
  if (strongShareRandom !== undefined)
    lines.push(`random two-model mix needs ${(100 * strongShareRandom).toFixed(1)}% ${strongest} calls`);
  if (options.chartPath) {
    writeFileSync(
      options.chartPath,
      renderQualityCostChart({
        title: `${options.path.split('/').pop()}: quality vs cost`,
        xLabel: `cost (${file.costUnit})`,
        yLabel: file.qualityUnit,
        curves: [
          { name: 'router (difficulty threshold sweep)', points: sweep, color: '#1f77b4' },
          { name: 'random, same shares', points: paretoOf(randomCurve), color: '#999999' },
        ],
        markers: [
          { name: weak.label, point: weak, color: '#2ca02c' },
          ...others.map((p) => ({ name: p.label, point: p, color: '#8c564b' })),
          { name: strong.label, point: strong, color: '#d62728' },
          { name: 'router default', point: routerDefault, color: '#ff7f0e' },
          { name: 'oracle', point: oracle, color: '#9467bd' },
        ],
        hLine: { y: target, name: `95% of ${strongest.split('/').pop()}` },
      }),
    );
    lines.push(`chart: ${options.chartPath}`);
  }
  return {
    text: lines.join('\n'),
    report: {
      file: options.path,
      rows: rows.length,
      tierModels,
      weak,
      others,
      strong,
      routerDefault,
      randomSame,
      oracle,
      sweep,
      target,
      atTarget,
      randomAtTarget,
      strongShareRandom,
    },
  };
}

function paretoOf(points: MixPoint[]): MixPoint[] {
  const sorted = [...points].sort((a, b) => a.cost - b.cost || b.quality - a.quality);
  const front: MixPoint[] = [];
  for (const p of sorted) if (front.length === 0 || p.quality > front[front.length - 1]!.quality) front.push(p);
  return front;
}
