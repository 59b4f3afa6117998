/**
 * The most routes per second the MiniLM model alone allows on this machine, for
 * the throughput section's query mix (3 short : 1 long, unique queries): the
 * model's CPU time per query measured in-process with the most CPU-efficient
 * settings we found (a 1-thread onnxruntime session, short queries embedded in
 * batches of 16, long ones one at a time since batching them costs more), and
 * cores x 1000 / (CPU ms per routed query). HTTP, scoring and the load
 * generator come on top, so the service can only come in under it.
 *
 * `npm run bench` runs this file in a child process (so the bench keeps no
 * model in memory); on its own: node --import tsx scripts/bench/model-ceiling.ts [q8|fp32]
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
import { loadMiniLmEmbedder } from '../../src/embedding/minilm.js';
import { queryStream } from './queries.js';
import { PROJECT_ROOT } from './service-process.js';

export interface ModelCeiling {
  precision: 'q8' | 'fp32';
  /** Model CPU ms per short query (batches of 16) and per long query (one at a time). */
  shortCpuMs: number;
  longCpuMs: number;
  /** Mean model CPU ms per query of the 3 short : 1 long mix. */
  mixCpuMs: number;
  cores: number;
  routesPerSecond: number;
}

async function cpuMsPerQuery(
  embed: (texts: string[]) => Promise<unknown>,
  kind: 'short' | 'long',
  batch: number,
  queries: number,
): Promise<number> {
  const stream = queryStream(kind, 4242);
  const next = () => Array.from({ length: batch }, () => stream.next());
  for (let i = 0; i < 3; i++) await embed(next());
  const batches = Math.ceil(queries / batch);
  const before = process.cpuUsage();
  for (let i = 0; i < batches; i++) await embed(next());
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / (batches * batch);
}

/** `modelDir` defaults to the stand-in; `npm run bench -- --env MINILM_MODEL_DIR=...` passes the model under test. */
export async function measureModelCeiling(
  precision: 'q8' | 'fp32',
  modelDir = join(PROJECT_ROOT, '.cache/minilm-standin/full'),
): Promise<ModelCeiling> {
  const embedder = await loadMiniLmEmbedder({
    modelId: 'Xenova/all-MiniLM-L6-v2',
    modelDir,
    cacheDir: join(PROJECT_ROOT, '.cache/models'),
    offline: true,
    quantized: precision === 'q8',
    intraOpThreads: 1,
  });
  const embed = (texts: string[]) => embedder.embed(texts);
  const shortCpuMs = await cpuMsPerQuery(embed, 'short', 16, 480);
  const longCpuMs = await cpuMsPerQuery(embed, 'long', 1, 60);
  const mixCpuMs = (3 * shortCpuMs + longCpuMs) / 4;
  const cores = cpus().length;
  return { precision, shortCpuMs, longCpuMs, mixCpuMs, cores, routesPerSecond: (cores * 1000) / mixCpuMs };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const precision = process.argv[2] === 'fp32' ? 'fp32' : 'q8';
  process.stdout.write(`${JSON.stringify(await measureModelCeiling(precision, process.argv[3]))}\n`);
}
