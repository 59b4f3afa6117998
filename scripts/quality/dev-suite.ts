import { join } from 'node:path';
import type { Strategy } from '../../src/routing/strategy.js';
import type { Axis } from '../../src/routes-config/schemas.js';
import type { EvalRouter } from './eval-router.js';
import { readLabelledFile, type LabelledRow } from './labelled-file.js';
import { evaluateLabelled, type LabelledEval } from './run-labelled.js';

export const SPANISH_CHECK_FILE = join(import.meta.dirname, 'spanish-check.jsonl');

export interface SuiteEntry {
  name: string;
  axis: Axis;
  rows: () => LabelledRow[];
  aucPositive?: string;
  /** The headline figure and whether it meets the target. */
  headline: (evaluation: LabelledEval) => { figure: string; met: boolean };
}

const f1Target = (target: number) => (e: LabelledEval) => ({
  figure: `macro-F1 ${e.report.macroF1.toFixed(3)} (target >= ${target})`,
  met: e.report.macroF1 >= target,
});

/** The dev mixtures of ../shared/evaldata and the targets issue 4 sets for them. */
export function devSuite(evaldataDir: string): SuiteEntry[] {
  const file = (name: string) => join(evaldataDir, name);
  return [
    {
      name: 'intent_mix.jsonl, English rows',
      axis: 'intent',
      rows: () => readLabelledFile(file('intent_mix.jsonl'), { labelField: 'intent', lang: 'en' }),
      headline: f1Target(0.85),
    },
    {
      name: 'chitchat/chitchat_es_dev.jsonl (all smalltalk)',
      axis: 'intent',
      rows: () => readLabelledFile(file('chitchat/chitchat_es_dev.jsonl'), { labelField: 'lang', mapping: { es: 'smalltalk' } }),
      headline: (e) => {
        const recall = e.report.perClass.find((c) => c.label === 'smalltalk')?.recall ?? 0;
        return { figure: `routed to smalltalk ${(100 * recall).toFixed(1)}% (target >= 90%)`, met: recall >= 0.9 };
      },
    },
    {
      name: 'scripts/quality/spanish-check.jsonl (our Spanish check set)',
      axis: 'intent',
      rows: () => readLabelledFile(SPANISH_CHECK_FILE, { labelField: 'intent' }),
      headline: f1Target(0.8),
    },
    {
      name: 'complexity_exemplars.jsonl',
      axis: 'tier',
      rows: () => readLabelledFile(file('complexity_exemplars.jsonl'), { labelField: 'tier' }),
      headline: (e) => {
        const under = e.underRouting?.complexToSimple ?? 0;
        return {
          figure: `tier accuracy ${e.report.accuracy.toFixed(3)} (target >= 0.90), complex -> simple ${(100 * under).toFixed(1)}% (target <= 2%)`,
          met: e.report.accuracy >= 0.9 && under <= 0.02,
        };
      },
    },
    {
      name: 'arc/arc_easy_vs_challenge.jsonl',
      axis: 'tier',
      rows: () => readLabelledFile(file('arc/arc_easy_vs_challenge.jsonl'), { labelField: 'label' }),
      aucPositive: 'challenge',
      headline: (e) => ({
        figure: `AUC challenge vs easy ${e.auc?.value.toFixed(3) ?? 'n/a'} (reported; 0.5 is chance)`,
        met: true,
      }),
    },
  ];
}

export async function runSuite(router: EvalRouter, entries: readonly SuiteEntry[], strategy: Strategy) {
  const results: { entry: SuiteEntry; evaluation: LabelledEval }[] = [];
  for (const entry of entries) {
    const evaluation = await evaluateLabelled(router, entry.rows(), entry.axis, { strategy, aucPositive: entry.aucPositive });
    results.push({ entry, evaluation });
  }
  return results;
}
