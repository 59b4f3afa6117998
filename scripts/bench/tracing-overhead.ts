import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { createApp } from '../../src/app.js';
import { bootRouter } from '../../src/boot.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { tracingWith } from '../../src/tracing/tracing.js';
import { startFakeUpstream } from '../../test/support/fake-upstream.js';
import { writeFixtureDb } from './fixture-db.js';
import { keepAliveAgent, sequentialLatencies } from './http-client.js';
import { queryStream } from './queries.js';
import { EMBEDDERS, type BenchSettings } from './service-bench.js';
import { PROJECT_ROOT } from './service-process.js';
import { percentiles, spreadEach, type Spread } from './stats.js';

export interface TracingCase {
  /** `route`, `chat auto`, `chat explicit model`. */
  name: string;
  off: { p50Ms: Spread; p99Ms: Spread; cpuUs: Spread };
  on: { p50Ms: Spread; p99Ms: Spread; cpuUs: Spread };
  /** Spans one request of this case produced with tracing on. */
  spansPerRequest: number;
}

export interface TracingResult {
  embedder: string;
  requestsPerRun: number;
  cases: TracingCase[];
}

const UPSTREAM_KEY = 'bench-upstream-key';

interface Served {
  url: string;
  close: () => Promise<void>;
}

async function serveOnLoopback(fetch: (request: Request) => Response | Promise<Response>): Promise<Served> {
  const server = serve({ fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface Case {
  name: string;
  path: string;
  body: (query: string) => unknown;
}

const CASES: Case[] = [
  { name: 'POST /v1/route', path: '/v1/route', body: (query) => ({ query }) },
  {
    name: 'chat, model auto',
    path: '/v1/chat/completions',
    body: (query) => ({ model: 'auto', messages: [{ role: 'user', content: query }] }),
  },
  {
    name: 'chat, explicit model',
    path: '/v1/chat/completions',
    body: (query) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: query }] }),
  },
];

type Side = 'off' | 'on';

/**
 * Tracing off against tracing on, in one process over one booted service:
 * two apps (createApp without and with a tracer provider that exports every
 * span to memory), each on its own loopback port, taking turns within every
 * run with the same requests. Twenty queries, embedded in the warm-up, are
 * cycled, so every request is an embedding-cache hit: the figures are the
 * request path without the model, where a tracing cost would show most.
 * The proxied calls go to an in-process fake upstream.
 */
export async function benchTracing(dir: string, settings: BenchSettings): Promise<TracingResult> {
  const upstream = await startFakeUpstream({ apiKey: UPSTREAM_KEY });
  const env = {
    ...EMBEDDERS['minilm-q8'],
    ROUTES_DATA_DIR: join(PROJECT_ROOT, 'routes-data'),
    EMBEDDING_OFFLINE: 'true',
    LOG_LEVEL: 'silent',
    OPENAI_API_KEY: UPSTREAM_KEY,
    OPENAI_BASE_URL: upstream.openaiBaseURL,
    ...settings.serviceEnv,
  };
  const probe = await bootRouter(
    loadConfig({ ...env, DATABASE_PATH: join(dir, 'tracing-probe.db'), SEED_ON_START: 'false' }),
    silentLogger,
  );
  const { id, dim } = probe.router.embedder;
  probe.store.close();
  await probe.embedder.close?.();
  const dbPath = join(dir, 'tracing-1000.db');
  writeFixtureDb(dbPath, id, dim, 1000);
  const config = loadConfig({ ...env, DATABASE_PATH: dbPath });
  const services = await bootRouter(config, silentLogger);
  const exporter = new InMemorySpanExporter();
  const tracing = tracingWith([new SimpleSpanProcessor({ exporter })], { ...config.tracing, sampler: 'always_on' });
  const served: Record<Side, Served> = {
    off: await serveOnLoopback(createApp({ config, logger: silentLogger, services: () => services }).fetch),
    on: await serveOnLoopback(createApp({ config, logger: silentLogger, services: () => services, tracing }).fetch),
  };
  const agents = { off: keepAliveAgent(), on: keepAliveAgent() };
  const stream = queryStream('short', 7);
  const queries = Array.from({ length: 20 }, () => stream.next());
  const count = settings.requestsPerRun;
  const samples = CASES.map(() => ({ off: [] as Record<string, number>[], on: [] as Record<string, number>[], spans: 0 }));
  try {
    for (const side of ['off', 'on'] as const)
      for (const query of queries) await sequentialLatencies(agents[side], `${served[side].url}/v1/route`, 1, () => ({ query }));
    exporter.reset();
    for (let run = 0; run < settings.runs; run++) {
      // Alternate which side goes first, so drift on a shared machine does not always favour one.
      const order: Side[] = run % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
      for (const [index, testCase] of CASES.entries()) {
        for (const side of order) {
          let i = 0;
          const cpu = process.cpuUsage();
          const latency = percentiles(
            await sequentialLatencies(agents[side], `${served[side].url}${testCase.path}`, count, () =>
              testCase.body(queries[i++ % queries.length]!),
            ),
          );
          const used = process.cpuUsage(cpu);
          samples[index]![side].push({ p50Ms: latency.p50, p99Ms: latency.p99, cpuUs: (used.user + used.system) / count });
          if (side === 'on') samples[index]!.spans += exporter.getFinishedSpans().length;
          exporter.reset();
        }
      }
    }
  } finally {
    agents.off.destroy();
    agents.on.destroy();
    await served.off.close();
    await served.on.close();
    await tracing.shutdown();
    services.store.close();
    await services.embedder.close?.();
    await upstream.close();
  }
  const cases: TracingCase[] = CASES.map((testCase, index) => {
    const off = spreadEach(samples[index]!.off);
    const on = spreadEach(samples[index]!.on);
    return {
      name: testCase.name,
      off: { p50Ms: off.p50Ms!, p99Ms: off.p99Ms!, cpuUs: off.cpuUs! },
      on: { p50Ms: on.p50Ms!, p99Ms: on.p99Ms!, cpuUs: on.cpuUs! },
      spansPerRequest: samples[index]!.spans / (count * settings.runs),
    };
  });
  for (const c of cases)
    settings.log(
      `${c.name}: p50 ${c.off.p50Ms.median.toFixed(3)} -> ${c.on.p50Ms.median.toFixed(3)} ms, CPU ${c.off.cpuUs.median.toFixed(0)} -> ${c.on.cpuUs.median.toFixed(0)} us/request, ${c.spansPerRequest.toFixed(1)} spans/request`,
    );
  return { embedder: id, requestsPerRun: count, cases };
}
