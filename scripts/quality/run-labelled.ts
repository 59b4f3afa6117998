import type { Strategy } from '../../src/routing/strategy.js';
import {
  classificationReport,
  formatConfusion,
  quantile,
  rocAuc,
  type ClassificationReport,
} from '../../src/quality/classification.js';
import { tierDifficulty } from '../../src/quality/difficulty.js';
import { INTENTS, TIERS, type Axis } from '../../src/routes-config/schemas.js';
import type { EvalRouter } from './eval-router.js';
import { progress } from './eval-router.js';
import type { LabelledRow } from './labelled-file.js';

export interface RoutedRow {
  text: string;
  gold: string;
  predicted: string;
  tier: string;
  scoredTier: string;
  intent: string;
  difficulty: number;
  ruleHits: string[];
  totalMs: number;
  scoreMs: number;
}

export interface LabelledEval {
  axis: Axis;
  strategy: Strategy;
  embedder: string;
  scoring: string;
  exemplarSet: string;
  report: ClassificationReport;
  /** Share of rows routed to intent `general` (the router abstained). */
  generalRate: number;
  /** Tier axis: share of gold `complex` rows sent to `simple`, and to any cheaper tier. */
  underRouting?: { complexToSimple: number; complexToCheaper: number };
  /** AUC of the tier difficulty score for a positive gold label (e.g. ARC challenge vs easy). */
  auc?: { positive: string; value: number };
  latencyMs: { p50: number; p95: number; scoreP50: number; note: string };
  rows: RoutedRow[];
}

export async function routeRows(
  router: EvalRouter,
  rows: readonly LabelledRow[],
  strategy: Strategy,
): Promise<Omit<RoutedRow, 'gold' | 'predicted'>[]> {
  await router.embedder.warm(
    rows.map((row) => row.text.trim()),
    progress('embedding (cached after the first run)'),
  );
  const out: Omit<RoutedRow, 'gold' | 'predicted'>[] = [];
  for (const row of rows) {
    const outcome = await router.router.route({ query: row.text, strategy });
    out.push({
      text: row.text,
      tier: outcome.decision.tier,
      scoredTier: outcome.decision.scoredTier,
      intent: outcome.decision.intent,
      difficulty: tierDifficulty(outcome.tierScores),
      ruleHits: outcome.ruleHits.map((hit) => hit.id),
      totalMs: outcome.timingsMs.total,
      scoreMs: outcome.timingsMs.score,
    });
  }
  return out;
}

export async function evaluateLabelled(
  router: EvalRouter,
  rows: readonly LabelledRow[],
  axis: Axis,
  options: { strategy: Strategy; aucPositive?: string | undefined },
): Promise<LabelledEval> {
  const routed = await routeRows(router, rows, options.strategy);
  const results: RoutedRow[] = routed.map((r, i) => ({
    ...r,
    gold: rows[i]!.label,
    predicted: axis === 'tier' ? r.tier : r.intent,
  }));
  const report = classificationReport(results, axis === 'tier' ? [...TIERS] : [...INTENTS, 'general']);
  const complex = results.filter((r) => r.gold === 'complex');
  const totals = results.map((r) => r.totalMs);
  const evaluation: LabelledEval = {
    axis,
    strategy: options.strategy,
    embedder: router.router.embedder.id,
    scoring: router.router.scoringSource,
    exemplarSet: router.router.exemplarSet().version,
    report,
    generalRate: results.filter((r) => r.intent === 'general').length / Math.max(1, results.length),
    latencyMs: {
      p50: quantile(totals, 0.5),
      p95: quantile(totals, 0.95),
      scoreP50: quantile(
        results.map((r) => r.scoreMs),
        0.5,
      ),
      note: 'embeddings come from the on-disk cache, so this is routing without the embedding step; USE-lite adds ~25 ms per uncached query',
    },
    rows: results,
  };
  if (axis === 'tier' && complex.length > 0) {
    evaluation.underRouting = {
      complexToSimple: complex.filter((r) => r.predicted === 'simple').length / complex.length,
      complexToCheaper: complex.filter((r) => r.predicted !== 'complex').length / complex.length,
    };
  }
  if (options.aucPositive !== undefined) {
    evaluation.auc = {
      positive: options.aucPositive,
      value: rocAuc(results.map((r) => ({ score: r.difficulty, positive: r.gold === options.aucPositive }))),
    };
  }
  return evaluation;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function formatLabelledEval(evaluation: LabelledEval, title: string): string {
  const { report } = evaluation;
  const lines = [
    `== ${title}`,
    `embedder ${evaluation.embedder}, scoring ${evaluation.scoring}, exemplar set ${evaluation.exemplarSet}, strategy ${evaluation.strategy}, axis ${evaluation.axis}`,
    `rows ${report.rows}  accuracy ${report.accuracy.toFixed(3)}  macro-F1 ${report.macroF1.toFixed(3)}  general (abstain) ${pct(evaluation.generalRate)}`,
  ];
  if (evaluation.underRouting) {
    lines.push(
      `under-routing: complex -> simple ${pct(evaluation.underRouting.complexToSimple)}, complex -> any cheaper tier ${pct(evaluation.underRouting.complexToCheaper)}`,
    );
  }
  if (evaluation.auc)
    lines.push(`AUC of the tier difficulty score for "${evaluation.auc.positive}": ${evaluation.auc.value.toFixed(3)}`);
  lines.push('label        precision  recall     F1  support  predicted');
  for (const c of report.perClass) {
    lines.push(
      `${c.label.padEnd(12)} ${c.precision.toFixed(3).padStart(9)} ${c.recall.toFixed(3).padStart(7)} ${c.f1.toFixed(3).padStart(6)} ${String(c.support).padStart(8)} ${String(c.predicted).padStart(10)}`,
    );
  }
  lines.push(formatConfusion(report));
  lines.push(
    `latency per query: p50 ${evaluation.latencyMs.p50.toFixed(2)} ms, p95 ${evaluation.latencyMs.p95.toFixed(2)} ms (${evaluation.latencyMs.note})`,
  );
  return lines.join('\n');
}
