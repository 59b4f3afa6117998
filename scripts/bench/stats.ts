/** Percentiles of raw samples, and the median with min-max across repeated runs. */

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  n: number;
}

export function percentiles(samples: readonly number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    n: sorted.length,
  };
}

/** One figure over several runs: the median is the figure, min-max is the machine's noise. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function spread(runs: readonly number[]): Spread {
  const sorted = [...runs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0] ?? Number.NaN, max: sorted[sorted.length - 1] ?? Number.NaN, runs: [...runs] };
}

/** Spreads every numeric field of a list of same-shaped run results. */
export function spreadEach<T extends Record<string, number>>(runs: readonly T[]): Record<keyof T, Spread> {
  const out = {} as Record<keyof T, Spread>;
  const keys = Object.keys(runs[0] ?? {}) as (keyof T)[];
  for (const key of keys) out[key] = spread(runs.map((run) => run[key]));
  return out;
}

export function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** "4.71 (4.52-5.03)" */
export function formatSpread(s: Spread | undefined, digits = 2): string {
  if (!s || Number.isNaN(s.median)) return 'n/a';
  const f = (v: number) => v.toFixed(digits);
  return s.runs.length > 1 ? `${f(s.median)} (${f(s.min)}-${f(s.max)})` : f(s.median);
}
