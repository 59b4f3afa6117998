import { join } from 'node:path';
import { cacheFillingLoad, worstRequestLoad, type FillLoad, type WorstLoad } from '../hostile/loads.js';
import { readDeploySettings } from '../hostile/deploy-settings.js';
import { writeFixtureDb } from './fixture-db.js';
import { keepAliveAgent, postJson } from './http-client.js';
import { EMBEDDERS, type BenchSettings, type EmbedderName, type Identity } from './service-bench.js';
import { startService } from './service-process.js';
import { percentiles, round } from './stats.js';

/**
 * The two loads of issue #16 (scripts/hostile/loads.ts), against the service
 * with its default limits:
 *
 * - the worst request the limits allow, three at once, while /healthz is asked
 *   again and again on its own connection: its latency is what a liveness
 *   probe sees while the service works;
 * - the cache-filling load: 115 batch requests of distinct long non-Latin-1
 *   queries, with the resident memory sampled after each, against the memory
 *   limit in deploy/.
 */

export interface HostileResult {
  embedder: EmbedderName;
  worst: Omit<WorstLoad, 'replies' | 'healthzMs'> & {
    statuses: number[];
    requestMs: number[];
    healthz: { count: number; p50: number; p99: number; max: number };
  };
  /** RSS figures rounded to the MB. */
  memory: FillLoad & { limitMb: number };
}

export async function benchHostile(
  name: EmbedderName,
  identity: Identity,
  dir: string,
  settings: BenchSettings,
): Promise<HostileResult> {
  const dbPath = join(dir, `${name}-hostile.db`);
  writeFixtureDb(dbPath, identity.embedderId, identity.dim, 1_000);
  const limitMb = readDeploySettings().memoryLimitMb;
  const service = await startService({ env: { ...EMBEDDERS[name], ...settings.serviceEnv, DATABASE_PATH: dbPath } });
  try {
    // Warm up: the first embeddings load lazily.
    const warm = keepAliveAgent();
    await postJson(warm, `${service.url}/v1/route`, { query: 'warm up the embedder' });
    warm.destroy();

    const worst = await worstRequestLoad(service.url, 3, 1_000);
    const h = percentiles(worst.healthzMs);
    settings.log(
      `${name} worst request (${worst.parallel} x ${worst.queriesPerRequest} queries of ${worst.charsPerQuery} chars, ${(worst.bodyBytes / 1024).toFixed(0)} KB): ` +
        `${worst.replies.map((reply) => `${reply.status} in ${reply.ms.toFixed(0)} ms`).join(', ')}; /healthz meanwhile p50 ${h.p50.toFixed(1)} p99 ${h.p99.toFixed(1)} max ${h.max.toFixed(1)} ms (${worst.healthzMs.length} probes)`,
    );

    const fill = await cacheFillingLoad(service.url, () => service.rssMb(), 115);
    settings.log(
      `${name} cache-filling load (${fill.requests} x ${fill.queriesPerRequest} queries of ${fill.charsPerQuery} non-Latin-1 chars): statuses ${JSON.stringify(fill.statuses)}; ` +
        `RSS ${fill.rssStartMb.toFixed(0)} -> peak ${fill.rssPeakMb.toFixed(0)}, end ${fill.rssEndMb.toFixed(0)} MB (limit ${limitMb} MB)`,
    );
    return {
      embedder: name,
      worst: {
        parallel: worst.parallel,
        queriesPerRequest: worst.queriesPerRequest,
        charsPerQuery: worst.charsPerQuery,
        bodyBytes: worst.bodyBytes,
        statuses: worst.replies.map((reply) => reply.status),
        requestMs: worst.replies.map((reply) => round(reply.ms, 0)),
        healthz: { count: worst.healthzMs.length, p50: round(h.p50, 2), p99: round(h.p99, 2), max: round(h.max, 2) },
      },
      memory: {
        ...fill,
        rssStartMb: round(fill.rssStartMb, 0),
        rssPeakMb: round(fill.rssPeakMb, 0),
        rssEndMb: round(fill.rssEndMb, 0),
        limitMb,
      },
    };
  } finally {
    await service.stop();
  }
}
