/**
 * node --import tsx scripts/bench/scoring-parts.ts [size=100000] [queries=200] [cold]
 * Where the coarse-to-fine time goes, on the vectors of scoring-scale.ts (both axes): the int8 kernel alone
 * (Int8DotKernel.run, dots of every row), coarseCandidates (kernel scan with bounds + candidate rows + exact
 * re-scoring) and scoreAxis, per query, min / p50 / p90 over all queries. `cold` writes 512 MB before every query,
 * so the int8 copy comes from memory rather than cache (a service whose other work evicted it between queries).
 */
import { join } from 'node:path';
import { loadRoutesData } from '../../src/routes-config/load-routes-data.js';
import { AXES, LABELS_BY_AXIS, type Axis } from '../../src/routes-config/schemas.js';
import { coarseCandidates } from '../../src/scoring/coarse-index.js';
import { buildExemplarIndex, type ExemplarIndex } from '../../src/scoring/exemplar-index.js';
import { scoreAxis } from '../../src/scoring/label-scores.js';
import { prng, syntheticExemplars, unitVector } from './fixture-db.js';
import { PROJECT_ROOT } from './service-process.js';
import { percentiles } from './stats.js';

const size = Number(process.argv[2] ?? 100_000);
const queryCount = Number(process.argv[3] ?? 200);
const cold = process.argv[4] === 'cold';
const evict = cold ? new Float64Array(64 * 1024 * 1024) : undefined;
const dim = 384;
const settings = loadRoutesData(join(PROJECT_ROOT, 'routes-data')).scoring.default;
const rows = syntheticExemplars(size, dim);
const indexes = {} as Record<Axis, ExemplarIndex>;
const scratch = {} as Record<Axis, Float32Array>;
for (const axis of AXES) {
  const axisRows = rows
    .filter((row) => row.axis === axis)
    .map((row, i) => ({ id: i + 1, label: row.label, text: row.text, vector: row.vector }));
  indexes[axis] = buildExemplarIndex(LABELS_BY_AXIS[axis], dim, axisRows, { coarseMinRows: 1 });
  scratch[axis] = new Float32Array(axisRows.length);
}
const random = prng(size + 1);
const queries = Array.from({ length: queryCount }, () => unitVector(dim, random));
let candidates = 0;
const parts: Record<string, (query: Float32Array) => void> = {
  kernel: () => {
    for (const axis of AXES) indexes[axis].coarse!.kernel.run();
  },
  coarseCandidates: (query) => {
    for (const axis of AXES) {
      const index = indexes[axis];
      candidates += coarseCandidates(
        index.coarse!,
        index.matrix,
        index.labelOfRow,
        index.labels.length,
        dim,
        query,
        settings[axis].k,
        5,
        scratch[axis],
      );
    }
  },
  scoreAxis: (query) => {
    for (const axis of AXES) scoreAxis(indexes[axis], query, { ...settings[axis], topExemplars: 5 }, scratch[axis]);
  },
};
for (const [name, fn] of Object.entries(parts)) {
  for (const query of queries.slice(0, 20)) fn(query);
  candidates = 0;
  const samples: number[] = [];
  for (const query of queries) {
    if (evict) for (let i = 0; i < evict.length; i += 8) evict[i]! += 1; // one write per 64-byte line
    const started = performance.now();
    fn(query);
    samples.push(performance.now() - started);
  }
  const p = percentiles(samples);
  const extra = name === 'coarseCandidates' ? `, ${(candidates / queries.length).toFixed(1)} candidate rows per query` : '';
  console.log(
    `${size} exemplars, both axes${cold ? ', cold cache' : ''}, ${name}: min ${Math.min(...samples).toFixed(3)} p50 ${p.p50.toFixed(3)} p90 ${p.p90.toFixed(3)} ms${extra}`,
  );
}
