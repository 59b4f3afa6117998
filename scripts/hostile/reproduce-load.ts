import { keepAliveAgent, postJson } from '../bench/http-client.js';
import { percentiles } from '../bench/stats.js';
import type { FillObservation, Reproduction, WorstObservation } from './findings.js';
import { cacheFillingLoad, worstRequestLoad } from './loads.js';
import { bearer, KEYS, type HostileStack } from './stack.js';

/** Finding 1: the worst batch the limits allow, alone and then three at once, with /healthz asked meanwhile. */
export async function reproduceWorstRequest(stack: HostileStack): Promise<Reproduction<WorstObservation>> {
  const { url } = stack.service;
  const headers = bearer(KEYS.client1);
  // The first embedding loads lazily: not part of what a client of a running pod sees.
  const warm = keepAliveAgent();
  await postJson(warm, `${url}/v1/route`, { query: 'warm up the embedder' }, headers);
  warm.destroy();

  const alone = await worstRequestLoad(url, 1, 1_000, headers);
  const parallel = await worstRequestLoad(url, 3, 2_000, headers);
  const healthz = percentiles([...alone.healthzMs, ...parallel.healthzMs]);
  const reply = (r: { status: number; ms: number }) => ({ status: r.status, ms: r.ms });
  return {
    requests:
      `POST /v1/route/batch {queries: ${alone.queriesPerRequest} distinct x ${alone.charsPerQuery.toLocaleString('en')} chars} ` +
      `(${(alone.bodyBytes / 1024).toFixed(0)} KB) alone, then 3 at once; GET /healthz every ~5 ms on its own connection meanwhile`,
    observation: {
      queriesPerRequest: alone.queriesPerRequest,
      charsPerQuery: alone.charsPerQuery,
      alone: reply(alone.replies[0]!),
      parallel: parallel.replies.map(reply),
      healthz: { count: healthz.n, p50: healthz.p50, p99: healthz.p99, max: healthz.max },
    },
  };
}

/** Finding 2: the cache-filling load, RSS read from /proc after each request. */
export async function reproduceCacheFilling(stack: HostileStack, requests: number): Promise<Reproduction<FillObservation>> {
  const fill = await cacheFillingLoad(stack.service.url, () => stack.service.rssMb(), requests, bearer(KEYS.client2));
  return {
    requests:
      `${fill.requests} x POST /v1/route/batch {queries: ${fill.queriesPerRequest} distinct x ${fill.charsPerQuery.toLocaleString('en')} ` +
      `CJK/Cyrillic/Greek chars}, one after another; RSS of the service process after each`,
    observation: {
      requests: fill.requests,
      queriesPerRequest: fill.queriesPerRequest,
      statuses: fill.statuses,
      rssStartMb: fill.rssStartMb,
      rssPeakMb: fill.rssPeakMb,
      rssEndMb: fill.rssEndMb,
      limitMb: stack.deploy.memoryLimitMb,
    },
  };
}
