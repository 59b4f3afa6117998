import { loadRoutesData } from '../../src/routes-config/load-routes-data.js';
import { AXES, LABELS_BY_AXIS, type Axis } from '../../src/routes-config/schemas.js';
import { buildExemplarIndex, similarities, type ExemplarIndex } from '../../src/scoring/exemplar-index.js';
import { scoreAxis } from '../../src/scoring/label-scores.js';
import { prng, syntheticExemplars, unitVector } from './fixture-db.js';
import { percentiles, spreadEach, type Spread } from './stats.js';
import { join } from 'node:path';
import { PROJECT_ROOT } from './service-process.js';

export interface ScoringScaleResult {
  exemplars: number;
  dim: number;
  queriesPerRun: number;
  /** Both axes scored as the router does (similarities, top-k per label, nearest exemplars), per query. */
  scoreMs: Record<'p50' | 'p99', Spread>;
  /** The similarity pass alone over every row, per query. */
  similaritiesMs: Record<'p50', Spread>;
}

/**
 * In-process: the scoring step of a route (both axes) against N exemplars,
 * with the shipped scoring settings and random unit vectors (cost depends on
 * N and the dimension, not on what the vectors mean).
 */
export function benchScoringScale(
  sizes: readonly number[],
  dim: number,
  runs: number,
  log: (line: string) => void,
): ScoringScaleResult[] {
  const settings = loadRoutesData(join(PROJECT_ROOT, 'routes-data')).scoring.default;
  const results: ScoringScaleResult[] = [];
  for (const size of sizes) {
    const rows = syntheticExemplars(size, dim);
    const indexes = {} as Record<Axis, ExemplarIndex>;
    const scratch = {} as Record<Axis, Float32Array>;
    for (const axis of AXES) {
      indexes[axis] = buildExemplarIndex(
        LABELS_BY_AXIS[axis],
        dim,
        rows
          .filter((row) => row.axis === axis)
          .map((row, i) => ({ id: i + 1, label: row.label, text: row.text, vector: row.vector })),
      );
      scratch[axis] = new Float32Array(indexes[axis].size);
    }
    const random = prng(size);
    const queriesPerRun = Math.max(30, Math.min(300, Math.round(3e7 / (size * dim))));
    const queries = Array.from({ length: queriesPerRun }, () => unitVector(dim, random));
    const scoreOnce = (query: Float32Array) => {
      scoreAxis(indexes.tier, query, { ...settings.tier, topExemplars: 5 }, scratch.tier);
      scoreAxis(indexes.intent, query, { ...settings.intent, topExemplars: 5 }, scratch.intent);
    };
    for (const query of queries.slice(0, 10)) scoreOnce(query); // JIT warm-up
    const perRun: { p50: number; p99: number; simP50: number }[] = [];
    for (let run = 0; run < runs; run++) {
      const score: number[] = [];
      const sims: number[] = [];
      // Scored back to back, then the exact pass on its own: interleaved, the exact pass's 154 MB sweep at 100k
      // evicted the int8 copy before every scored query, a state no route sees (between two routes the service
      // touches the model's ~23 MB of weights, not the float matrix). scripts/bench/scoring-parts.ts cold
      // measures the evicted case.
      for (const query of queries) {
        const t = performance.now();
        scoreOnce(query);
        score.push(performance.now() - t);
      }
      for (const query of queries) {
        const t = performance.now();
        similarities(indexes.tier, query, scratch.tier);
        similarities(indexes.intent, query, scratch.intent);
        sims.push(performance.now() - t);
      }
      const s = percentiles(score);
      perRun.push({ p50: s.p50, p99: s.p99, simP50: percentiles(sims).p50 });
    }
    const spreads = spreadEach(perRun);
    results.push({
      exemplars: size,
      dim,
      queriesPerRun,
      scoreMs: { p50: spreads.p50, p99: spreads.p99 },
      similaritiesMs: { p50: spreads.simP50 },
    });
    log(`scoring ${size} exemplars x ${dim}: p50 ${spreads.p50.median.toFixed(3)} ms/query`);
  }
  return results;
}
