/**
 * node --import tsx scripts/bench/regression-check.ts
 * What the exemplar regression check (PROMOTION_CHECK) costs per change, on the shipped bank with USE-lite: an add
 * (first, when the bank's leave-one-out state is built, then with it kept), a relabel (always recomputed), a
 * two-axis promotion; then building leave-one-out from scratch on random banks of growing size, the part that grows
 * with the square of the bank.
 */
import { RegressionGuard } from '../../src/exemplars/regression-guard.js';
import { leaveOneOutAccuracy, type BankVector } from '../../src/quality/regression-check.js';
import { INTENTS } from '../../src/routes-config/schemas.js';
import { mulberry32 } from '../../src/seeded-random.js';
import { openEvalRouter } from '../quality/eval-router.js';

const router = await openEvalRouter();
try {
  const settings = router.router.scoringSettings;
  const guard = new RegressionGuard({
    store: router.store,
    embedder: router.embedder,
    mode: 'refuse',
    tolerance: 0.005,
    settings: () => settings,
    validation: [],
  });
  const counts = router.router.exemplarSet().counts;
  const rows = (axis: string) => counts.filter((count) => count.axis === axis).reduce((sum, count) => sum + count.count, 0);
  const [vector] = await router.embedder.embed(['how much is the premium plan for a team of ten']);
  for (const label of ["first check (the bank's leave-one-out state is built)", 'next check (state kept per revision)']) {
    const started = performance.now();
    await guard.check([{ axis: 'intent', label: 'sales', vector: vector! }]);
    console.log(`intent add, ${rows('intent')} intent exemplars, ${label}: ${(performance.now() - started).toFixed(0)} ms`);
  }
  const relabel = router.store.vectorRows(router.embedder.id).find((row) => row.axis === 'intent')!;
  const relabelStarted = performance.now();
  await guard.check([
    { id: relabel.id, axis: 'intent', label: relabel.label === 'sales' ? 'faq' : 'sales', vector: relabel.vector },
  ]);
  console.log(`intent relabel (recomputed): ${(performance.now() - relabelStarted).toFixed(0)} ms`);
  const started = performance.now();
  await guard.check([
    { axis: 'intent', label: 'sales', vector: vector! },
    { axis: 'tier', label: 'simple', vector: vector! },
  ]);
  console.log(
    `tier + intent promotion (${rows('tier')} tier exemplars; the tier state built here): ${(performance.now() - started).toFixed(0)} ms`,
  );
} finally {
  router.close();
}

const random = mulberry32(7);
for (const size of [1000, 2000, 4000]) {
  const dim = 512;
  const labels: readonly string[] = INTENTS;
  const bank: BankVector[] = Array.from({ length: size }, (_, id) => {
    const vector = Float32Array.from({ length: dim }, () => random() - 0.5);
    const norm = Math.hypot(...vector);
    return { id, axis: 'intent', label: labels[id % labels.length]!, vector: vector.map((value) => value / norm) };
  });
  const started = performance.now();
  leaveOneOutAccuracy('intent', bank, { k: 2, aggregation: 'mean', threshold: 0.5 });
  console.log(`leave-one-out over ${size} random ${dim}-d exemplars: ${(performance.now() - started).toFixed(0)} ms`);
}
