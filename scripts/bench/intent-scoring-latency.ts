/**
 * MINILM_MODEL_DIR=... node --import tsx scripts/bench/intent-scoring-latency.ts
 * Intent-axis scoring per query on the shipped bank and 1,500 real dev queries (embedded by the cached eval
 * embedder): the centroid blend shipped before (k 2, centroid_weight 0.25) against the distance-weighted vote
 * (k 20, vote_tau 0.05), interleaved in one process, six rounds, the first dropped. EMBEDDER defaults to minilm.
 */
import { openEvalRouter } from '../quality/eval-router.js';
import { buildExemplarIndex } from '../../src/scoring/exemplar-index.js';
import { scoreAxis } from '../../src/scoring/label-scores.js';
import { LABELS_BY_AXIS } from '../../src/routes-config/schemas.js';
import { intentFamilies } from '../quality/dev-sources.js';

const router = await openEvalRouter({ env: { EMBEDDER: process.env.EMBEDDER ?? 'minilm' } });
const rows = router.store.vectorRows(router.embedder.id).filter((r) => r.axis === 'intent');
const index = buildExemplarIndex(LABELS_BY_AXIS.intent, router.embedder.dim, rows);
const texts = intentFamilies('../shared/evaldata', 300)
  .map((r) => r.text.trim())
  .slice(0, 1500);
const queries = await router.embedder.embed(texts);
const scratch = new Float32Array(index.size);
const configs = {
  before: { k: 2, aggregation: 'mean' as const, topExemplars: 5, centroid_weight: 0.25 },
  after: { k: 20, aggregation: 'mean' as const, topExemplars: 5, vote_tau: 0.05 },
};
const times: Record<string, number[]> = { before: [], after: [] };
for (let round = 0; round < 6; round++) {
  for (const [name, options] of Object.entries(configs)) {
    const start = process.hrtime.bigint();
    for (const q of queries) scoreAxis(index, q, options, scratch);
    times[name]!.push(Number(process.hrtime.bigint() - start) / 1e3 / queries.length);
  }
}
for (const [name, list] of Object.entries(times)) {
  const sorted = list.slice(1).sort((a, b) => a - b);
  console.log(
    `${name}: ${index.size} intent rows, per query (us) min ${sorted[0]!.toFixed(1)} median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)}; coarse ${index.coarse ? 'yes' : 'no'}`,
  );
}
router.close();
