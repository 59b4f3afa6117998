/**
 * node --import tsx scripts/bench/cold-start-parts.ts [exemplars=10000] [runs=5]
 * Where boot time goes with N exemplars already embedded: the store's read path,
 * index building and model load, each timed in-process (median with min-max).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMiniLmEmbedder } from '../../src/embedding/minilm.js';
import { loadMiniLmEmbedderInWorkers } from '../../src/embedding/minilm-pool.js';
import { seedExemplars } from '../../src/exemplars/seed.js';
import { ExemplarStore } from '../../src/exemplars/store.js';
import { AXES, LABELS_BY_AXIS } from '../../src/routes-config/schemas.js';
import { buildExemplarIndex } from '../../src/scoring/exemplar-index.js';
import type { Embedder } from '../../src/embedding/embedder.js';
import { writeFixtureDb } from './fixture-db.js';
import { PROJECT_ROOT } from './service-process.js';
import { formatSpread, spread } from './stats.js';

const count = Number(process.argv[2] ?? 10_000);
const runs = Number(process.argv[3] ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'cold-parts-'));
const path = join(dir, 'fixture.db');
const embedderId = 'bench-fixture';
const dim = 384;
writeFixtureDb(path, embedderId, dim, count);
const fake: Embedder = { id: embedderId, kind: 'minilm', dim, standin: true, description: 'fake', embed: async () => [] };

const times: Record<string, number[]> = {};
const time = async <T>(name: string, fn: () => T | Promise<T>): Promise<T> => {
  const started = performance.now();
  const value = await fn();
  (times[name] ??= []).push(performance.now() - started);
  return value;
};
try {
  for (let run = 0; run < runs; run++) {
    const store = await time('open', () => ExemplarStore.open(path));
    await time('seedExemplars (nothing to embed)', () => seedExemplars(store, fake, []));
    const rows = await time('vectorRows', () => store.vectorRows(embedderId));
    await time('buildExemplarIndex x2', () =>
      AXES.map((axis) =>
        buildExemplarIndex(
          LABELS_BY_AXIS[axis],
          dim,
          rows.filter((row) => row.axis === axis),
        ),
      ),
    );
    await time('labelCounts', () => store.labelCounts());
    await time('version', () => store.version());
    store.close();
  }
  const options = {
    modelId: 'x',
    modelDir: join(PROJECT_ROOT, '.cache/minilm-standin/full'),
    quantized: true,
    cacheDir: dir,
    offline: true,
  };
  for (let run = 0; run < Math.min(runs, 3); run++) {
    await time('MiniLM q8 load, in-process', () => loadMiniLmEmbedder(options));
    const pool = await time('MiniLM q8 load, worker', () => loadMiniLmEmbedderInWorkers({ ...options, workers: 1 }));
    await pool.close();
  }
  for (const [name, samples] of Object.entries(times)) console.log(`${name.padEnd(36)} ${formatSpread(spread(samples))} ms`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
