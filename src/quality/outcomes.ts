/** Outcome-mode evaluation: what routing would have cost and scored, given every model's result per prompt. Pure. */

export interface OutcomeRow {
  text: string;
  /** Correctness (0/1) or a judge score per model. */
  quality: Record<string, number>;
  /** Cost per model, in any unit shared by the row's models. */
  cost: Record<string, number>;
}

export interface MixPoint {
  label: string;
  quality: number;
  cost: number;
  /** Share of rows sent to each model. */
  shares: Record<string, number>;
}

/** Quality and cost of sending row i to `assignment[i]`. */
export function evaluateAssignment(rows: readonly OutcomeRow[], assignment: readonly string[], label: string): MixPoint {
  let quality = 0;
  let cost = 0;
  const counts: Record<string, number> = {};
  rows.forEach((row, i) => {
    const model = assignment[i]!;
    quality += row.quality[model] ?? 0;
    cost += row.cost[model] ?? 0;
    counts[model] = (counts[model] ?? 0) + 1;
  });
  const n = Math.max(1, rows.length);
  return {
    label,
    quality: quality / n,
    cost: cost / n,
    shares: Object.fromEntries(Object.entries(counts).map(([m, c]) => [m, c / n])),
  };
}

/** The expected result of routing at random with the given share per model. */
export function randomMix(rows: readonly OutcomeRow[], shares: Record<string, number>, label = 'random'): MixPoint {
  const single = Object.keys(shares).map((model) =>
    evaluateAssignment(
      rows,
      rows.map(() => model),
      model,
    ),
  );
  return {
    label,
    quality: single.reduce((sum, point, i) => sum + shares[Object.keys(shares)[i]!]! * point.quality, 0),
    cost: single.reduce((sum, point, i) => sum + shares[Object.keys(shares)[i]!]! * point.cost, 0),
    shares,
  };
}

/** Per row, the cheapest model among `models` with the best quality. */
export function oracleAssignment(rows: readonly OutcomeRow[], models: readonly string[]): string[] {
  return rows.map((row) => {
    let best = models[0]!;
    for (const model of models) {
      const q = row.quality[model] ?? 0;
      const bq = row.quality[best] ?? 0;
      if (q > bq || (q === bq && (row.cost[model] ?? 0) < (row.cost[best] ?? 0))) best = model;
    }
    return best;
  });
}

/**
 * Threshold sweep on a difficulty score, models ordered cheapest first: for
 * every split of the rows into shares (step `step`), the hardest-looking
 * rows go to the strongest model, the next to the next one, and so on.
 * Returns the Pareto front (no point is both cheaper and better than another), by cost.
 */
export function sweepDifficulty(
  rows: readonly OutcomeRow[],
  difficulty: readonly number[],
  models: readonly string[],
  step = 0.05,
): MixPoint[] {
  const order = rows.map((_, i) => i).sort((a, b) => difficulty[b]! - difficulty[a]!);
  const steps = Math.round(1 / step);
  const points: MixPoint[] = [];
  const splits = (remaining: number, slots: number): number[][] =>
    slots === 1
      ? [[remaining]]
      : Array.from({ length: remaining + 1 }, (_, first) =>
          splits(remaining - first, slots - 1).map((rest) => [first, ...rest]),
        ).flat();
  for (const split of splits(steps, models.length)) {
    // split[j] = share (in steps) of the j-th strongest model
    const assignment = new Array<string>(rows.length);
    let at = 0;
    split.forEach((share, j) => {
      const model = models[models.length - 1 - j]!;
      const end = j === split.length - 1 ? rows.length : Math.min(rows.length, at + Math.round((share / steps) * rows.length));
      for (; at < end; at++) assignment[order[at]!] = model;
    });
    points.push(evaluateAssignment(rows, assignment, `sweep ${split.map((s) => (s / steps).toFixed(2)).join('/')}`));
  }
  return paretoFront(points);
}

export function paretoFront(points: readonly MixPoint[]): MixPoint[] {
  const sorted = [...points].sort((a, b) => a.cost - b.cost || b.quality - a.quality);
  const front: MixPoint[] = [];
  for (const point of sorted) if (front.length === 0 || point.quality > front[front.length - 1]!.quality) front.push(point);
  return front;
}

/** The cheapest point reaching `target` quality, if any. */
export function cheapestReaching(points: readonly MixPoint[], target: number): MixPoint | undefined {
  return [...points].filter((p) => p.quality >= target - 1e-12).sort((a, b) => a.cost - b.cost)[0];
}

/** Share of the strongest model a random two-model mix needs to reach `target` quality. */
export function randomShareFor(target: number, weakQuality: number, strongQuality: number): number | undefined {
  if (strongQuality <= weakQuality) return target <= weakQuality ? 0 : undefined;
  const share = (target - weakQuality) / (strongQuality - weakQuality);
  return share > 1 ? undefined : Math.max(0, share);
}
