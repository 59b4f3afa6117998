import type { AxisScoring, RoutedIntent } from '../routes-config/schemas.js';
import { GENERAL_INTENT } from '../routes-config/schemas.js';
import { thresholdFor } from '../routing/decide.js';

/** What intent calibration needs of one scored row: the best label, its score and any rule-forced intent. */
export interface IntentCandidate {
  best: string | undefined;
  score: number;
  ruleIntent: string | undefined;
}

/** The intent decideRoute would pick for these settings (rules first, then the best label above its threshold). Pure. */
export function predictIntent(row: IntentCandidate, settings: Pick<AxisScoring, 'threshold' | 'label_thresholds'>): RoutedIntent {
  if (row.ruleIntent !== undefined) return row.ruleIntent as RoutedIntent;
  if (row.best === undefined) return GENERAL_INTENT;
  return row.score < thresholdFor({ k: 1, aggregation: 'max', margin: 0, ...settings }, row.best)
    ? GENERAL_INTENT
    : (row.best as RoutedIntent);
}

/**
 * Coordinate ascent over per-label thresholds: starting from a global
 * threshold, each label in turn takes the grid value that most improves the
 * objective, for a few passes. Returns the thresholds that differ from the global one.
 */
export function fitLabelThresholds(
  labels: readonly string[],
  globalThreshold: number,
  grid: readonly number[],
  objective: (labelThresholds: Record<string, number>) => number,
  passes = 2,
): { labelThresholds: Record<string, number>; value: number } {
  const current: Record<string, number> = Object.fromEntries(labels.map((label) => [label, globalThreshold]));
  let value = objective(current);
  for (let pass = 0; pass < passes; pass++) {
    let improved = false;
    for (const label of labels) {
      for (const candidate of grid) {
        if (candidate === current[label]) continue;
        const trial = { ...current, [label]: candidate };
        const trialValue = objective(trial);
        if (trialValue > value + 1e-9) {
          value = trialValue;
          current[label] = candidate;
          improved = true;
        }
      }
    }
    if (!improved) break;
  }
  const labelThresholds = Object.fromEntries(Object.entries(current).filter(([, t]) => t !== globalThreshold));
  return { labelThresholds, value };
}

/** A deterministic split by text hash: the same row always lands in the same half. */
export function inFitHalf(text: string): boolean {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  return (hash >>> 0) % 2 === 0;
}
