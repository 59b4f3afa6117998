/**
 * node --import tsx scripts/bench/scoring-coarse.ts [runs=3]
 * Scoring both axes per query, exact pass against coarse-to-fine (int8 WebAssembly SIMD pass + exact re-rank),
 * in the same run on the same vectors, at 1k, 10k and 100k exemplars; checks the results are identical.
 */
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { loadRoutesData } from '../../src/routes-config/load-routes-data.js';
import { AXES, LABELS_BY_AXIS, type Axis } from '../../src/routes-config/schemas.js';
import { buildExemplarIndex, type ExemplarIndex } from '../../src/scoring/exemplar-index.js';
import { scoreAxis } from '../../src/scoring/label-scores.js';
import { prng, syntheticExemplars, unitVector } from './fixture-db.js';
import { PROJECT_ROOT } from './service-process.js';
import { formatSpread, percentiles, spread } from './stats.js';

const runs = Number(process.argv[2] ?? 3);
const dim = 384;
const settings = loadRoutesData(join(PROJECT_ROOT, 'routes-data')).scoring.default;
console.log('| exemplars | exact p50 ms | coarse-to-fine p50 ms | speed-up | identical |');
console.log('|-----------|--------------|-----------------------|----------|-----------|');
for (const size of [1_000, 10_000, 100_000]) {
  const rows = syntheticExemplars(size, dim);
  const build = (coarseMinRows: number) => {
    const indexes = {} as Record<Axis, ExemplarIndex>;
    for (const axis of AXES) {
      const axisRows = rows
        .filter((row) => row.axis === axis)
        .map((row, i) => ({ id: i + 1, label: row.label, text: row.text, vector: row.vector }));
      indexes[axis] = buildExemplarIndex(LABELS_BY_AXIS[axis], dim, axisRows, { coarseMinRows });
    }
    return indexes;
  };
  const variants = { exact: build(0), coarse: build(1) };
  const random = prng(size + 1);
  const queries = Array.from({ length: Math.max(30, Math.min(200, Math.round(3e7 / (size * dim)))) }, () =>
    unitVector(dim, random),
  );
  // One scratch array per axis, reused from query to query as the router service does.
  const scratch = Object.fromEntries(AXES.map((axis) => [axis, new Float32Array(variants.exact[axis].size)])) as Record<
    Axis,
    Float32Array
  >;
  const score = (indexes: Record<Axis, ExemplarIndex>, query: Float32Array) =>
    AXES.map((axis) => scoreAxis(indexes[axis], query, { ...settings[axis], topExemplars: 5 }, scratch[axis]));
  let identical = true;
  for (const query of queries.slice(0, 10))
    identical &&= isDeepStrictEqual(score(variants.exact, query), score(variants.coarse, query));
  const p50: Record<'exact' | 'coarse', number[]> = { exact: [], coarse: [] };
  for (let run = 0; run < runs; run++) {
    for (const name of ['exact', 'coarse'] as const) {
      const samples: number[] = [];
      for (const query of queries) {
        const started = performance.now();
        score(variants[name], query);
        samples.push(performance.now() - started);
      }
      p50[name].push(percentiles(samples).p50);
    }
  }
  const [exact, coarse] = [spread(p50.exact), spread(p50.coarse)];
  console.log(
    `| ${size} | ${formatSpread(exact, 3)} | ${formatSpread(coarse, 3)} | ${(exact.median / coarse.median).toFixed(1)}x | ${identical ? 'yes' : 'NO'} |`,
  );
}
