import { keepAliveAgent, postJson, send, type Reply } from '../bench/http-client.js';

/**
 * The two loads of issue #16, shared by the bench's hostile section
 * (scripts/bench/hostile-load.ts) and `npm run hostile`:
 *
 * - the worst request the limits allow: a /v1/route/batch body just under
 *   MAX_BODY_BYTES of distinct MAX_QUERY_CHARS-character queries, while
 *   /healthz is asked again and again on its own connection;
 * - the cache-filling load: batch requests of distinct long non-Latin-1
 *   queries in a row, with the service's resident memory sampled after each.
 */

/** The service's default MAX_QUERY_CHARS and MAX_BODY_BYTES (src/config.ts): the loads stay inside them. */
export const MAX_QUERY_CHARS = 32_000;
export const MAX_BODY_BYTES = 1_048_576;

/** A distinct query of exactly `chars` characters built from `alphabet`, differing from its siblings from the first word. */
export function longQuery(seed: number, chars: number, alphabet: readonly string[]): string {
  let text = `query ${seed}:`;
  let state = seed * 2_654_435_761;
  while (text.length < chars) {
    state = (state * 1_103_515_245 + 12_345) >>> 0;
    text += ` ${alphabet[state % alphabet.length]!}`;
  }
  return text.slice(0, chars);
}

export const LATIN = 'invoice refund parser deploy cluster shipping weather poem integral password upgrade discount recipe'.split(
  ' ',
);
/** Non-Latin-1 words (CJK, Cyrillic, Greek): two bytes a character in V8, three in UTF-8. */
export const NON_LATIN = [
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

/** Largest number of queries like `sample` whose batch body stays under MAX_BODY_BYTES. */
export function queriesPerBody(sample: string): number {
  const perQuery = Buffer.byteLength(JSON.stringify(sample)) + 1;
  return Math.min(64, Math.floor((MAX_BODY_BYTES - 64) / perQuery));
}

/** /healthz round trips (ms) on one keep-alive connection, one every ~5 ms, until `busy` settles. */
export async function healthzWhile(serviceUrl: string, busy: Promise<unknown>): Promise<number[]> {
  const agent = keepAliveAgent();
  const samples: number[] = [];
  let done = false;
  void busy.finally(() => (done = true)).catch(() => undefined);
  try {
    while (!done) {
      const reply = await send(agent, 'GET', `${serviceUrl}/healthz`);
      if (reply.status !== 200) throw new Error(`/healthz answered ${reply.status}`);
      samples.push(reply.ms);
      // One probe every ~5 ms: far more often than any liveness probe, so the tail is well sampled.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    agent.destroy();
  }
  return samples;
}

export interface WorstLoad {
  parallel: number;
  queriesPerRequest: number;
  charsPerQuery: number;
  bodyBytes: number;
  replies: Reply[];
  /** /healthz round trips while the requests were in flight. */
  healthzMs: number[];
}

/** `parallel` worst-case batch requests at once (distinct queries: `seed` keeps runs apart), and /healthz meanwhile. */
export async function worstRequestLoad(
  serviceUrl: string,
  parallel: number,
  seed: number,
  headers: Record<string, string> = {},
): Promise<WorstLoad> {
  const perRequest = queriesPerBody(longQuery(0, MAX_QUERY_CHARS, LATIN));
  const bodies = Array.from({ length: parallel }, (_, r) => ({
    queries: Array.from({ length: perRequest }, (_, i) => longQuery(seed + r * 100 + i, MAX_QUERY_CHARS, LATIN)),
  }));
  const agents = bodies.map(() => keepAliveAgent());
  try {
    const busy = Promise.all(bodies.map((body, i) => postJson(agents[i]!, `${serviceUrl}/v1/route/batch`, body, headers)));
    const healthzMs = await healthzWhile(serviceUrl, busy);
    return {
      parallel,
      queriesPerRequest: perRequest,
      charsPerQuery: MAX_QUERY_CHARS,
      bodyBytes: Buffer.byteLength(JSON.stringify(bodies[0])),
      replies: await busy,
      healthzMs,
    };
  } finally {
    for (const agent of agents) agent.destroy();
  }
}

export interface FillLoad {
  requests: number;
  queriesPerRequest: number;
  charsPerQuery: number;
  statuses: Record<string, number>;
  rssStartMb: number;
  rssPeakMb: number;
  rssEndMb: number;
}

/** `requests` batch requests in a row of distinct long non-Latin-1 queries, sampling `rssMb()` after each. */
export async function cacheFillingLoad(
  serviceUrl: string,
  rssMb: () => number,
  requests: number,
  headers: Record<string, string> = {},
): Promise<FillLoad> {
  const perRequest = queriesPerBody(longQuery(0, MAX_QUERY_CHARS, NON_LATIN));
  const rssStartMb = rssMb();
  let rssPeakMb = rssStartMb;
  const statuses: Record<string, number> = {};
  const agent = keepAliveAgent();
  try {
    for (let r = 0; r < requests; r++) {
      const body = {
        queries: Array.from({ length: perRequest }, (_, i) => longQuery(100_000 + r * 100 + i, MAX_QUERY_CHARS, NON_LATIN)),
      };
      const reply = await postJson(agent, `${serviceUrl}/v1/route/batch`, body, headers);
      statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;
      rssPeakMb = Math.max(rssPeakMb, rssMb());
    }
  } finally {
    agent.destroy();
  }
  return {
    requests,
    queriesPerRequest: perRequest,
    charsPerQuery: MAX_QUERY_CHARS,
    statuses,
    rssStartMb,
    rssPeakMb,
    rssEndMb: rssMb(),
  };
}
