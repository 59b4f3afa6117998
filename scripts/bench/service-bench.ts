import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { writeFixtureDb } from './fixture-db.js';
import { keepAliveAgent, sequentialLatencies } from './http-client.js';
import { mixedStream, queryStream } from './queries.js';
import { PROJECT_ROOT, startService, type LoopDelay } from './service-process.js';
import { percentiles, spread, spreadEach, type Spread } from './stats.js';

export const EMBEDDERS = {
  'minilm-q8': {
    EMBEDDER: 'minilm',
    MINILM_MODEL_DIR: join(PROJECT_ROOT, '.cache/minilm-standin/full'),
    MINILM_QUANTIZED: 'true',
  },
  'minilm-fp32': {
    EMBEDDER: 'minilm',
    MINILM_MODEL_DIR: join(PROJECT_ROOT, '.cache/minilm-standin/full'),
    MINILM_QUANTIZED: 'false',
  },
  'use-lite': { EMBEDDER: 'use-lite' },
} as const satisfies Record<string, Record<string, string>>;
export type EmbedderName = keyof typeof EMBEDDERS;

export interface BenchSettings {
  runs: number;
  requestsPerRun: number;
  throughputSeconds: number;
  concurrencies: number[];
  /** Extra environment for the service, e.g. to compare settings. */
  serviceEnv: Record<string, string>;
  log: (line: string) => void;
}

export interface Identity {
  embedderId: string;
  dim: number;
  /** Spawn to ready on an empty database with seeding off: process start plus model load. */
  bareStartMs: number;
}

export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'router-bench-'));
}

/** Starts the service once on an empty database (no seeding) to learn the embedder's id and dimension. */
export async function probeEmbedder(name: EmbedderName, dir: string, settings: BenchSettings): Promise<Identity> {
  const service = await startService({
    env: { ...EMBEDDERS[name], ...settings.serviceEnv, DATABASE_PATH: join(dir, `${name}-probe.db`), SEED_ON_START: 'false' },
  });
  try {
    const readyz = (await (await fetch(`${service.url}/readyz`)).json()) as { embedder: { id: string; dim: number } };
    return { embedderId: readyz.embedder.id, dim: readyz.embedder.dim, bareStartMs: service.readyMs };
  } finally {
    await service.stop();
  }
}

export interface LatencyResult {
  embedder: EmbedderName;
  exemplars: number;
  short: Record<'p50' | 'p90' | 'p99', Spread>;
  long: Record<'p50' | 'p90' | 'p99', Spread>;
  /** The same short query repeated: what a query-embedding cache hit costs. */
  repeated: Record<'p50' | 'p99', Spread>;
  /** Short queries, as the service timed itself (timings_ms): embedding, and the whole route() call. */
  serverShort: Record<'embedP50' | 'totalP50', Spread>;
  rssAfterWarmupMb: number;
  rssAfterLoadMb: number | undefined;
  throughput: ThroughputResult[];
}

export interface ThroughputResult {
  connections: number;
  seconds: number;
  routesPerSecond: Spread;
  p50Ms: Spread;
  p99Ms: Spread;
  errors: number;
  loopDelayP99Ms: Spread;
  loopDelayMaxMs: Spread;
}

/** Latency at concurrency 1 and throughput under autocannon load, on one service with `exemplars` pre-embedded. */
export async function benchService(
  name: EmbedderName,
  identity: Identity,
  exemplars: number,
  dir: string,
  settings: BenchSettings,
  withThroughput: boolean,
): Promise<LatencyResult> {
  const dbPath = join(dir, `${name}-${exemplars}.db`);
  writeFixtureDb(dbPath, identity.embedderId, identity.dim, exemplars);
  const service = await startService({ env: { ...EMBEDDERS[name], ...settings.serviceEnv, DATABASE_PATH: dbPath }, probe: true });
  const routeUrl = `${service.url}/v1/route`;
  const agent = keepAliveAgent();
  try {
    const warm = mixedStream(9);
    await sequentialLatencies(agent, routeUrl, 100, () => ({ query: warm.next() }));
    const rssAfterWarmupMb = service.rssMb();

    const runs: Record<string, number>[] = [];
    for (let run = 0; run < settings.runs; run++) {
      const short = queryStream('short', 100 + run);
      const long = queryStream('long', 100 + run);
      const serverEmbed: number[] = [];
      const serverTotal: number[] = [];
      const record = (reply: { body: string }) => {
        const timings = (JSON.parse(reply.body) as { timings_ms: { embed: number; total: number } }).timings_ms;
        serverEmbed.push(timings.embed);
        serverTotal.push(timings.total);
      };
      const s = percentiles(
        await sequentialLatencies(agent, routeUrl, settings.requestsPerRun, () => ({ query: short.next() }), {}, record),
      );
      const l = percentiles(await sequentialLatencies(agent, routeUrl, settings.requestsPerRun, () => ({ query: long.next() })));
      const r = percentiles(
        await sequentialLatencies(agent, routeUrl, settings.requestsPerRun, () => ({ query: 'how do I reset my password' })),
      );
      runs.push({
        sp50: s.p50,
        sp90: s.p90,
        sp99: s.p99,
        lp50: l.p50,
        lp90: l.p90,
        lp99: l.p99,
        rp50: r.p50,
        rp99: r.p99,
        embedP50: percentiles(serverEmbed).p50,
        totalP50: percentiles(serverTotal).p50,
      });
    }
    const x = spreadEach(runs);
    settings.log(
      `${name} c=1: server embed p50 ${x.embedP50!.median.toFixed(2)} | short p50 ${x.sp50!.median.toFixed(2)} p99 ${x.sp99!.median.toFixed(2)} | long p50 ${x.lp50!.median.toFixed(2)} p99 ${x.lp99!.median.toFixed(2)} ms | RSS ${rssAfterWarmupMb.toFixed(0)} MB`,
    );

    const throughput: ThroughputResult[] = [];
    if (withThroughput) {
      for (const connections of settings.concurrencies)
        throughput.push(await benchThroughput(service, routeUrl, connections, settings, name));
    }
    return {
      embedder: name,
      exemplars,
      short: { p50: x.sp50!, p90: x.sp90!, p99: x.sp99! },
      long: { p50: x.lp50!, p90: x.lp90!, p99: x.lp99! },
      repeated: { p50: x.rp50!, p99: x.rp99! },
      serverShort: { embedP50: x.embedP50!, totalP50: x.totalP50! },
      rssAfterWarmupMb,
      rssAfterLoadMb: withThroughput ? service.rssMb() : undefined,
      throughput,
    };
  } finally {
    agent.destroy();
    await service.stop();
  }
}

async function benchThroughput(
  service: { loopDelay(): Promise<LoopDelay> },
  routeUrl: string,
  connections: number,
  settings: BenchSettings,
  name: string,
): Promise<ThroughputResult> {
  const perRun: { rps: number; p50: number; p99: number; loopP99: number; loopMax: number }[] = [];
  let errors = 0;
  for (let run = 0; run < settings.runs; run++) {
    const queries = mixedStream(1000 + run * 37 + connections);
    await service.loopDelay(); // reset the histogram
    const result = await autocannon({
      url: routeUrl,
      connections,
      duration: settings.throughputSeconds,
      timeout: 10,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          setupRequest: (req) => ({ ...req, body: JSON.stringify({ query: queries.next() }) }),
        },
      ],
    });
    const loop = await service.loopDelay();
    errors += result.errors + result.timeouts + result.non2xx;
    perRun.push({
      rps: result.requests.total / settings.throughputSeconds,
      p50: result.latency.p50,
      p99: result.latency.p99,
      loopP99: loop.p99,
      loopMax: loop.max,
    });
    settings.log(
      `${name} c=${connections} run ${run + 1}: ${(result.requests.total / settings.throughputSeconds).toFixed(0)} routes/s, p99 ${result.latency.p99} ms, errors ${result.errors + result.timeouts + result.non2xx}, loop p99 ${loop.p99.toFixed(1)} ms`,
    );
  }
  const x = spreadEach(perRun);
  return {
    connections,
    seconds: settings.throughputSeconds,
    routesPerSecond: x.rps,
    p50Ms: x.p50,
    p99Ms: x.p99,
    errors,
    loopDelayP99Ms: x.loopP99,
    loopDelayMaxMs: x.loopMax,
  };
}

export interface ColdStartResult {
  embedder: EmbedderName;
  /** Spawn to ready with 10k exemplars already embedded (nothing re-embedded). */
  preEmbedded: { exemplars: number; readyMs: Spread; rssMb: Spread };
  /** Spawn to ready on an empty database: seeds and embeds the shipped exemplars. */
  emptyDb: { readyMs: Spread } | undefined;
  /** Spawn to ready on an empty database with SEED_ON_START=false: process start and model load only. */
  bareStartMs: number;
}

export async function benchColdStart(
  name: EmbedderName,
  identity: Identity,
  dir: string,
  settings: BenchSettings,
  withEmptyDb: boolean,
  exemplars = 10_000,
): Promise<ColdStartResult> {
  const dbPath = join(dir, `${name}-${exemplars}.db`);
  writeFixtureDb(dbPath, identity.embedderId, identity.dim, exemplars);
  const ready: number[] = [];
  const rss: number[] = [];
  for (let run = 0; run < settings.runs; run++) {
    const service = await startService({ env: { ...EMBEDDERS[name], ...settings.serviceEnv, DATABASE_PATH: dbPath } });
    ready.push(service.readyMs);
    rss.push(service.rssMb());
    await service.stop();
  }
  settings.log(`${name} ready with ${exemplars} embedded exemplars: ${spread(ready).median.toFixed(0)} ms`);
  let emptyDb: ColdStartResult['emptyDb'];
  if (withEmptyDb) {
    const emptyReady: number[] = [];
    for (let run = 0; run < settings.runs; run++) {
      const path = join(dir, `${name}-empty-${run}.db`);
      const service = await startService({ env: { ...EMBEDDERS[name], ...settings.serviceEnv, DATABASE_PATH: path } }, 300_000);
      emptyReady.push(service.readyMs);
      await service.stop();
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    }
    emptyDb = { readyMs: spread(emptyReady) };
    settings.log(`${name} ready from an empty database (seeding): ${emptyDb.readyMs.median.toFixed(0)} ms`);
  }
  return {
    embedder: name,
    preEmbedded: { exemplars, readyMs: spread(ready), rssMb: spread(rss) },
    emptyDb,
    bareStartMs: identity.bareStartMs,
  };
}
