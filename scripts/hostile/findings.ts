/**
 * The nine numbered findings of issue #16: what the issue saw, what it asks
 * for, and a pure check of an observation against that demand. The checks
 * take plain observations (scripts/hostile/reproduce-*.ts makes them against
 * a running service), so a test can hand them the issue's own figures and see
 * them fail.
 */

export interface Verdict {
  /** What the service gives now, in one line. */
  now: string;
  pass: boolean;
}

/** The exact requests a reproduction made, and what it saw. */
export interface Reproduction<O> {
  requests: string;
  observation: O;
}

/** /healthz answered within this p99 while the worst request was in flight (the issue's demand). */
export const HEALTHZ_P99_MS = 50;
/** RSS must stay this far under the deploy limit under the cache-filling load ("with a margin"). */
export const RSS_MARGIN = 0.25;

const count = (statuses: readonly number[]) => {
  const counts = new Map<number, number>();
  for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${n} x ${status}`).join(', ');
};
const ms = (value: number) => (value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(1)} ms`);

export interface WorstObservation {
  queriesPerRequest: number;
  charsPerQuery: number;
  /** Each status with its round trip: the request alone, then three at once. */
  alone: { status: number; ms: number };
  parallel: { status: number; ms: number }[];
  /** /healthz round trips over both phases. */
  healthz: { count: number; p50: number; p99: number; max: number };
}

export function checkWorstRequest(o: WorstObservation): Verdict {
  const statuses = [o.alone.status, ...o.parallel.map((reply) => reply.status)];
  const pass = statuses.every((status) => status === 200) && o.healthz.count > 0 && o.healthz.p99 < HEALTHZ_P99_MS;
  return {
    pass,
    now:
      `alone ${o.alone.status} in ${ms(o.alone.ms)}; 3 at once ${o.parallel.map((reply) => reply.status).join('/')} in ` +
      `${o.parallel.map((reply) => ms(reply.ms)).join(', ')}; /healthz meanwhile p50 ${ms(o.healthz.p50)}, ` +
      `p99 ${ms(o.healthz.p99)} (target < ${HEALTHZ_P99_MS} ms), max ${ms(o.healthz.max)}, ${o.healthz.count} probes`,
  };
}

export interface FillObservation {
  requests: number;
  queriesPerRequest: number;
  statuses: Record<string, number>;
  rssStartMb: number;
  rssPeakMb: number;
  rssEndMb: number;
  limitMb: number;
}

export function checkCacheFilling(o: FillObservation): Verdict {
  const ceilingMb = o.limitMb * (1 - RSS_MARGIN);
  const allAnswered = (o.statuses['200'] ?? 0) === o.requests;
  return {
    pass: allAnswered && o.rssPeakMb <= ceilingMb,
    now:
      `${count(Object.entries(o.statuses).flatMap(([status, n]) => Array<number>(n).fill(Number(status))))}; ` +
      `RSS ${o.rssStartMb.toFixed(0)} -> peak ${o.rssPeakMb.toFixed(0)}, end ${o.rssEndMb.toFixed(0)} MB ` +
      `(deploy limit ${o.limitMb.toFixed(0)} MB, must stay under ${ceilingMb.toFixed(0)})`,
  };
}

export interface LedgerObservation {
  calls: number;
  statuses: number[];
  /** Requests the fake upstream received for these calls. */
  upstreamCalls: number;
  distinctDecisionIds: number;
  /** `requests` of /v1/stats after minus before. */
  statsDelta: number;
  /** Ledger rows that record the client's x-request-id beside our decision id. */
  rowsWithClientId: number;
  /** Service log lines with "UNIQUE constraint failed". */
  uniqueViolations: number;
}

export function checkLedger(o: LedgerObservation): Verdict {
  const pass =
    o.statuses.length === o.calls &&
    o.statuses.every((status) => status === 200) &&
    o.upstreamCalls === o.calls &&
    o.statsDelta === o.upstreamCalls &&
    o.distinctDecisionIds === o.calls &&
    o.rowsWithClientId === o.calls &&
    o.uniqueViolations === 0;
  return {
    pass,
    now:
      `${count(o.statuses)}; upstream got ${o.upstreamCalls}; /v1/stats counted +${o.statsDelta}; ` +
      `${o.distinctDecisionIds} distinct decision ids; ${o.rowsWithClientId} ledger rows carry the client id; ` +
      `${o.uniqueViolations} UNIQUE errors logged`,
  };
}

export interface FeedbackObservation {
  /** Client 2's feedback on client 1's decision, by the id it used (ours, and the client's x-request-id). */
  foreign: { id: string; status: number }[];
  /** Any answer to client 2 that contained client 1's query. */
  leakedToOtherKey: boolean;
  ownerStatus: number;
  /** The query the owner's feedback carries back, with LEDGER_STORE_PROMPTS=false. */
  ownerQuery: string | null;
  /** What the feedback table stored as query, per row. */
  storedQueries: (string | null)[];
}

export function checkFeedback(o: FeedbackObservation): Verdict {
  const refused = o.foreign.length > 0 && o.foreign.every((attempt) => attempt.status === 404 || attempt.status === 403);
  const stored = o.storedQueries.filter((query) => query !== null).length;
  return {
    pass: refused && !o.leakedToOtherKey && o.ownerStatus === 201 && o.ownerQuery === null && stored === 0,
    now:
      `client 2: ${o.foreign.map((attempt) => `${attempt.id} -> ${attempt.status}`).join(', ')}, ` +
      `${o.leakedToOtherKey ? "got client 1's query back" : 'no query echoed'}; owner: ${o.ownerStatus}, query ${o.ownerQuery === null ? 'null' : 'echoed'}; ` +
      `${stored} of ${o.storedQueries.length} feedback rows store text (LEDGER_STORE_PROMPTS=false)`,
  };
}

export interface DrainObservation {
  clients: number;
  /** /v1/route calls each client made after SIGTERM (after one /readyz). */
  routesPerClient: number;
  /** Socket errors (resets, refused connections), one line each. */
  failures: string[];
  /** Clients whose /readyz after SIGTERM answered 503 "draining". */
  sawDraining: number;
  routed200: number;
  /** Answers after SIGTERM that carried `connection: close`. */
  closeHeaders: number;
  answers: number;
  exitCode: number | null;
  drainMs: number;
}

export function checkDrain(o: DrainObservation): Verdict {
  const pass =
    o.failures.length === 0 &&
    o.sawDraining === o.clients &&
    o.routed200 === o.clients * o.routesPerClient &&
    o.closeHeaders === o.answers &&
    o.exitCode === 0;
  return {
    pass,
    now:
      `${o.failures.length} resets/refusals${o.failures.length > 0 ? ` (${o.failures[0]!})` : ''}; ` +
      `${o.sawDraining}/${o.clients} clients saw /readyz 503 draining; ${o.routed200}/${o.clients * o.routesPerClient} routes 200; ` +
      `${o.closeHeaders}/${o.answers} answers with connection: close; exit ${o.exitCode ?? 'signal'} after a ${ms(o.drainMs)} drain`,
  };
}

export interface BreakerObservation {
  failing: string;
  healthy: string;
  calls: number;
  statuses: number[];
  /** Which model answered each call (x-router-model). */
  answeredBy: Record<string, number>;
  /** Requests the failing model got upstream. */
  failingCalls: number;
  threshold: number;
  /** Calls whose x-router-attempts differed from the upstream requests it made. */
  attemptsMismatches: number;
  /** router_circuit_state after the run: the failing model's, the healthy model's, the provider's. */
  circuit: { failing: number | undefined; healthy: number | undefined; provider: number | undefined };
}

export function checkBreaker(o: BreakerObservation): Verdict {
  const pass =
    o.statuses.length === o.calls &&
    o.statuses.every((status) => status === 200) &&
    (o.answeredBy[o.healthy] ?? 0) === o.calls &&
    o.failingCalls <= o.threshold &&
    o.attemptsMismatches === 0 &&
    o.circuit.failing === 2 &&
    o.circuit.healthy === 0 &&
    o.circuit.provider === 0;
  const state = (value: number | undefined) =>
    value === undefined ? 'absent' : (['closed', 'half-open', 'open'][value] ?? value);
  return {
    pass,
    now:
      `${count(o.statuses)}, ${o.answeredBy[o.healthy] ?? 0}/${o.calls} answered by ${o.healthy}; ${o.failing} called ${o.failingCalls} times ` +
      `(threshold ${o.threshold}); x-router-attempts wrong on ${o.attemptsMismatches}; router_circuit_state ${o.failing} ${state(o.circuit.failing)}, ` +
      `${o.healthy} ${state(o.circuit.healthy)}, provider ${state(o.circuit.provider)}`,
  };
}

export interface AuthObservation {
  badKeyStatuses: number[];
  /** A valid key right after the burst. */
  validAfter: number;
  dashboardStatuses: number[];
}

export function checkAuthLimits(o: AuthObservation): Verdict {
  const pass =
    o.badKeyStatuses.includes(429) &&
    o.badKeyStatuses.every((status) => status === 401 || status === 429) &&
    o.validAfter === 200 &&
    o.dashboardStatuses.includes(429);
  return {
    pass,
    now:
      `${o.badKeyStatuses.length} bad keys: ${count(o.badKeyStatuses)}; a valid key then: ${o.validAfter}; ` +
      `${o.dashboardStatuses.length} dashboard API calls: ${count(o.dashboardStatuses)}`,
  };
}

export interface RedactionObservation {
  echoes: number;
  /** The client's status per echoing upstream error. */
  statuses: number[];
  /** The upstream's message reached the client every time (so the check saw the echo path at all). */
  messageShown: boolean;
  /** Every call's ledger row holds the upstream's message. */
  ledgerHasMessage: boolean;
  leaks: { answer: string[]; ledger: string[]; logs: string[] };
  /** `[redacted]` marks in the answer that had the fewest. */
  redactions: number;
}

export function checkRedaction(o: RedactionObservation): Verdict {
  const leaked = o.leaks.answer.length + o.leaks.ledger.length + o.leaks.logs.length;
  return {
    pass: o.statuses.length > 0 && o.messageShown && o.ledgerHasMessage && leaked === 0 && o.redactions >= o.echoes,
    now:
      `${o.statuses.join(', ')}, each with the upstream's message and at least ${o.redactions} [redacted] for ${o.echoes} echoes; ` +
      `key fragments found: answers ${o.leaks.answer.length}, ledger ${o.leaks.ledger.length}${o.ledgerHasMessage ? '' : ' (message not in the ledger)'}, logs ${o.leaks.logs.length}`,
  };
}

export interface AssetsSearchObservation {
  assets: { name: string; status: number }[];
  search: { q: string; total: number }[];
}

export function checkAssetsAndSearch(o: AssetsSearchObservation): Verdict {
  const totals = o.search.map((result) => result.total);
  const pass =
    o.assets.length > 0 &&
    o.assets.every((asset) => asset.status === 404) &&
    totals.length > 1 &&
    totals[0]! > 0 &&
    totals.every((total) => total === totals[0]);
  return {
    pass,
    now:
      `${o.assets.map((asset) => `\`${asset.name}\` ${asset.status}`).join(', ')}; ` +
      `${o.search.map((result) => `q=${result.q} ${result.total}`).join(', ')}`,
  };
}

/** What the issue saw, per finding, shortened from its text (names with underscores in code spans: the table is Markdown). */
export const ISSUE_SAW: Record<number, string> = {
  1: 'USE-lite: a batch of 31 x 32k chars answered 504 after 57 s, work went on; 3 at once blocked ~115 s, /healthz timed out',
  2: '115 batches of distinct long non-Latin-1 queries: RSS 283 -> 972 MB (caps ~1.3 GB > 1 GiB limit)',
  3: '5 calls with one x-request-id all reached the upstream; /v1/stats counted 1 (UNIQUE constraint failed)',
  4: "client 2's feedback on client 1's id (order-12345678) got client 1's query back; query stored with LEDGER_STORE_PROMPTS=false",
  5: 'SIGTERM: all 16 keep-alive clients got a reset on their next request; new connections refused at once',
  6: 'only gpt-4o-mini failing: healthy gpt-4o skipped 932 times, breaker flapped, failing model called 1,364 times; attempts counted skips',
  7: '50 bad keys in a burst: 50 x 401, no 429; /dashboard/api/* not rate limited',
  8: 'an upstream error echoing the key upper-cased or base64-encoded reached the client and the ledger',
  9: 'GET /dashboard/assets/`__proto__` (`constructor`, `toString`) 200; q=qué 61, q=QUÉ 0',
};
