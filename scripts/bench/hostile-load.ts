import { join } from 'node:path';
import { writeFixtureDb } from './fixture-db.js';
import { keepAliveAgent, postJson } from './http-client.js';
import { EMBEDDERS, type BenchSettings, type EmbedderName, type Identity } from './service-bench.js';
import { startService, type RunningService } from './service-process.js';
import { percentiles, round } from './stats.js';

/**
 * The two loads of issue #16, against the service with its default limits:
 *
 * - the worst request the limits allow (a /v1/route/batch body just under
 *   MAX_BODY_BYTES: 31 distinct queries of MAX_QUERY_CHARS characters), three
 *   at once, while /healthz is asked again and again on its own connection:
 *   its latency is what a liveness probe sees while the service works;
 * - the cache-filling load: 115 batch requests of distinct long non-Latin-1
 *   queries, with the resident memory sampled after each, against the 1 GiB
 *   limit in deploy/.
 */

export interface HostileResult {
  embedder: EmbedderName;
  worst: {
    parallel: number;
    queriesPerRequest: number;
    charsPerQuery: number;
    bodyBytes: number;
    statuses: number[];
    requestMs: number[];
    healthz: { count: number; p50: number; p99: number; max: number };
  };
  memory: {
    requests: number;
    queriesPerRequest: number;
    charsPerQuery: number;
    statuses: Record<string, number>;
    rssStartMb: number;
    rssPeakMb: number;
    rssEndMb: number;
    limitMb: number;
  };
}

const MAX_QUERY_CHARS = 32_000;
const MAX_BODY_BYTES = 1_048_576;
const DEPLOY_LIMIT_MB = 1024;

/** A distinct query of exactly `chars` characters built from `alphabet`, differing from its siblings from the first word. */
function longQuery(seed: number, chars: number, alphabet: readonly string[]): string {
  let text = `query ${seed}:`;
  let state = seed * 2_654_435_761;
  while (text.length < chars) {
    state = (state * 1_103_515_245 + 12_345) >>> 0;
    text += ` ${alphabet[state % alphabet.length]!}`;
  }
  return text.slice(0, chars);
}

const LATIN = 'invoice refund parser deploy cluster shipping weather poem integral password upgrade discount recipe'.split(' ');
/** Non-Latin-1 words (CJK, Cyrillic, Greek): two bytes a character in V8, three in UTF-8. */
const NON_LATIN = [
  '发票',
  '退款',
  '部署',
  '天气',
  '密码',
  'счёт',
  'доставка',
  'погода',
  'λογαριασμός',
  'αποστολή',
  '升级',
  'скидка',
];

/** Largest number of `chars`-character queries whose batch body stays under MAX_BODY_BYTES. */
function queriesPerBody(sample: string): number {
  const perQuery = Buffer.byteLength(JSON.stringify(sample)) + 1;
  return Math.min(64, Math.floor((MAX_BODY_BYTES - 64) / perQuery));
}

async function healthzWhile(service: RunningService, busy: Promise<unknown>): Promise<number[]> {
  const agent = keepAliveAgent();
  const samples: number[] = [];
  let done = false;
  void busy.finally(() => (done = true));
  try {
    while (!done) {
      const started = performance.now();
      const response = await fetchOn(agent, `${service.url}/healthz`);
      if (response !== 200) throw new Error(`/healthz answered ${response}`);
      samples.push(performance.now() - started);
      // One probe every ~5 ms: far more often than any liveness probe, so the tail is well sampled.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    agent.destroy();
  }
  return samples;
}

async function fetchOn(agent: ReturnType<typeof keepAliveAgent>, url: string): Promise<number> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

export async function benchHostile(
  name: EmbedderName,
  identity: Identity,
  dir: string,
  settings: BenchSettings,
): Promise<HostileResult> {
  const dbPath = join(dir, `${name}-hostile.db`);
  writeFixtureDb(dbPath, identity.embedderId, identity.dim, 1_000);
  const service = await startService({ env: { ...EMBEDDERS[name], ...settings.serviceEnv, DATABASE_PATH: dbPath } });
  try {
    // Warm up: the first embeddings load lazily.
    const warm = keepAliveAgent();
    await postJson(warm, `${service.url}/v1/route`, { query: 'warm up the embedder' });
    warm.destroy();

    // 1. The worst request the limits allow, three at once, and /healthz meanwhile.
    const parallel = 3;
    const perWorst = queriesPerBody(longQuery(0, MAX_QUERY_CHARS, LATIN));
    const bodies = Array.from({ length: parallel }, (_, r) => ({
      queries: Array.from({ length: perWorst }, (_, i) => longQuery(1_000 + r * 100 + i, MAX_QUERY_CHARS, LATIN)),
    }));
    const bodyBytes = Buffer.byteLength(JSON.stringify(bodies[0]));
    const agents = bodies.map(() => keepAliveAgent());
    const worst = Promise.all(bodies.map((body, i) => postJson(agents[i]!, `${service.url}/v1/route/batch`, body)));
    const healthz = await healthzWhile(service, worst);
    const replies = await worst;
    for (const agent of agents) agent.destroy();
    const h = percentiles(healthz);
    settings.log(
      `${name} worst request (${parallel} x ${perWorst} queries of ${MAX_QUERY_CHARS} chars, ${(bodyBytes / 1024).toFixed(0)} KB): ` +
        `${replies.map((reply) => `${reply.status} in ${reply.ms.toFixed(0)} ms`).join(', ')}; /healthz meanwhile p50 ${h.p50.toFixed(1)} p99 ${h.p99.toFixed(1)} max ${h.max.toFixed(1)} ms (${healthz.length} probes)`,
    );

    // 2. The cache-filling load: 115 batch requests of distinct long non-Latin-1 queries.
    const requests = 115;
    const perFill = queriesPerBody(longQuery(0, MAX_QUERY_CHARS, NON_LATIN));
    const rssStartMb = service.rssMb();
    let rssPeakMb = rssStartMb;
    const statuses: Record<string, number> = {};
    const agent = keepAliveAgent();
    for (let r = 0; r < requests; r++) {
      const body = {
        queries: Array.from({ length: perFill }, (_, i) => longQuery(100_000 + r * 100 + i, MAX_QUERY_CHARS, NON_LATIN)),
      };
      const reply = await postJson(agent, `${service.url}/v1/route/batch`, body);
      statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;
      rssPeakMb = Math.max(rssPeakMb, service.rssMb());
    }
    agent.destroy();
    const rssEndMb = service.rssMb();
    settings.log(
      `${name} cache-filling load (${requests} x ${perFill} queries of ${MAX_QUERY_CHARS} non-Latin-1 chars): statuses ${JSON.stringify(statuses)}; ` +
        `RSS ${rssStartMb.toFixed(0)} -> peak ${rssPeakMb.toFixed(0)}, end ${rssEndMb.toFixed(0)} MB (limit ${DEPLOY_LIMIT_MB} MB)`,
    );
    return {
      embedder: name,
      worst: {
        parallel,
        queriesPerRequest: perWorst,
        charsPerQuery: MAX_QUERY_CHARS,
        bodyBytes,
        statuses: replies.map((reply) => reply.status),
        requestMs: replies.map((reply) => round(reply.ms, 0)),
        healthz: { count: healthz.length, p50: round(h.p50, 2), p99: round(h.p99, 2), max: round(h.max, 2) },
      },
      memory: {
        requests,
        queriesPerRequest: perFill,
        charsPerQuery: MAX_QUERY_CHARS,
        statuses,
        rssStartMb: round(rssStartMb, 0),
        rssPeakMb: round(rssPeakMb, 0),
        rssEndMb: round(rssEndMb, 0),
        limitMb: DEPLOY_LIMIT_MB,
      },
    };
  } finally {
    await service.stop();
  }
}
