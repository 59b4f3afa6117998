import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDeploySettings, readDeploySettings } from '../../scripts/hostile/deploy-settings.js';
import * as findings from '../../scripts/hostile/findings.js';
import type { Verdict } from '../../scripts/hostile/findings.js';
import { renderFindings } from '../../scripts/hostile/report.js';

/**
 * The checks `npm run hostile` judges each finding of issue #16 with: each
 * passes what the fixed service gives, and fails what the issue saw and each
 * single way back to it. (The run itself, against a real service, is not part
 * of npm test: it measures.)
 */

interface Case<O> {
  name: string;
  check: (o: O) => Verdict;
  good: O;
  /** The issue's own observation, then one regression at a time. */
  bad: [string, O][];
}

function cases<O>(c: Case<O>): Case<unknown> {
  return c as unknown as Case<unknown>;
}

const worst = {
  queriesPerRequest: 32,
  charsPerQuery: 32_000,
  alone: { status: 200, ms: 5_900 },
  parallel: [200, 200, 200].map((status) => ({ status, ms: 8_000 })),
  healthz: { count: 2_000, p50: 0.5, p99: 14, max: 67 },
};
const fill = {
  requests: 115,
  queriesPerRequest: 15,
  statuses: { '200': 115 },
  rssStartMb: 400,
  rssPeakMb: 480,
  rssEndMb: 430,
  limitMb: 1024,
};
const ledger = {
  calls: 5,
  statuses: [200, 200, 200, 200, 200],
  upstreamCalls: 5,
  distinctDecisionIds: 5,
  statsDelta: 5,
  rowsWithClientId: 5,
  uniqueViolations: 0,
};
const feedback = {
  foreign: [
    { id: 'decision id', status: 404 },
    { id: 'order-12345678', status: 404 },
  ],
  leakedToOtherKey: false,
  ownerStatus: 201,
  ownerQuery: null,
  storedQueries: [null],
};
const drain = {
  clients: 16,
  routesPerClient: 3,
  failures: [],
  sawDraining: 16,
  routed200: 48,
  closeHeaders: 64,
  answers: 64,
  exitCode: 0,
  drainMs: 10_100,
};
const breaker = {
  failing: 'gpt-4o-mini',
  healthy: 'gpt-4o',
  calls: 30,
  statuses: Array<number>(30).fill(200),
  answeredBy: { 'gpt-4o': 30 },
  failingCalls: 5,
  threshold: 5,
  attemptsMismatches: 0,
  circuit: { failing: 2, healthy: 0, provider: 0 },
};
const auth = {
  badKeyStatuses: [...Array<number>(20).fill(401), ...Array<number>(30).fill(429)],
  validAfter: 200,
  dashboardStatuses: [...Array<number>(65).fill(200), ...Array<number>(55).fill(429)],
};
const redaction = {
  echoes: 10,
  statuses: [502, 400],
  messageShown: true,
  ledgerHasMessage: true,
  leaks: { answer: [], ledger: [], logs: [] },
  redactions: 30,
};
const assets = {
  assets: ['__proto__', 'constructor', 'toString'].map((name) => ({ name, status: 404 })),
  search: [
    { q: 'qué', total: 61 },
    { q: 'QUÉ', total: 61 },
  ],
};

const table: Case<unknown>[] = [
  cases({
    name: '1 worst request',
    check: findings.checkWorstRequest,
    good: worst,
    bad: [
      ['the issue: 504 after 57 s', { ...worst, alone: { status: 504, ms: 57_000 } }],
      ['/healthz p99 over 50 ms', { ...worst, healthz: { ...worst.healthz, p99: 50 } }],
      ['one of three not answered', { ...worst, parallel: [...worst.parallel.slice(1), { status: 503, ms: 1 }] }],
      ['no /healthz probe at all', { ...worst, healthz: { count: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN } }],
    ],
  }),
  cases({
    name: '2 cache-filling load',
    check: findings.checkCacheFilling,
    good: fill,
    bad: [
      ['the issue: RSS 283 -> 972 MB', { ...fill, rssStartMb: 283, rssPeakMb: 972, rssEndMb: 972 }],
      ['under the limit, not by the margin', { ...fill, rssPeakMb: 800 }],
      ['requests refused', { ...fill, statuses: { '200': 100, '429': 15 } }],
    ],
  }),
  cases({
    name: '3 ledger',
    check: findings.checkLedger,
    good: ledger,
    bad: [
      [
        'the issue: one row for five calls',
        { ...ledger, statsDelta: 1, distinctDecisionIds: 1, rowsWithClientId: 1, uniqueViolations: 4 },
      ],
      ['the client id not recorded', { ...ledger, rowsWithClientId: 0 }],
      ['a call never reached the upstream', { ...ledger, upstreamCalls: 4, statsDelta: 4 }],
    ],
  }),
  cases({
    name: '4 feedback',
    check: findings.checkFeedback,
    good: feedback,
    bad: [
      [
        "the issue: client 2 gets client 1's query",
        { ...feedback, foreign: [{ id: 'order-12345678', status: 201 }], leakedToOtherKey: true, storedQueries: ['my account'] },
      ],
      ['accepted from another key without echo', { ...feedback, foreign: [{ id: 'decision id', status: 201 }] }],
      ['stored although LEDGER_STORE_PROMPTS=false', { ...feedback, storedQueries: ['my account'] }],
      ['echoed to the owner', { ...feedback, ownerQuery: 'my account' }],
    ],
  }),
  cases({
    name: '5 drain',
    check: findings.checkDrain,
    good: drain,
    bad: [
      [
        'the issue: every client reset',
        {
          ...drain,
          failures: Array<string>(16).fill('read ECONNRESET'),
          sawDraining: 0,
          routed200: 0,
          closeHeaders: 0,
          answers: 0,
        },
      ],
      ['no connection: close', { ...drain, closeHeaders: 48 }],
      ['exit not clean', { ...drain, exitCode: 1 }],
    ],
  }),
  cases({
    name: '6 breaker',
    check: findings.checkBreaker,
    good: breaker,
    bad: [
      [
        'the issue: the provider breaker flapping',
        {
          ...breaker,
          failingCalls: 14,
          answeredBy: { 'gpt-4o': 20, 'gpt-5-mini': 10 },
          circuit: { failing: undefined, healthy: undefined, provider: 2 },
        },
      ],
      ['skips counted as attempts', { ...breaker, attemptsMismatches: 25 }],
      ['metric without the model', { ...breaker, circuit: { ...breaker.circuit, failing: undefined } }],
    ],
  }),
  cases({
    name: '7 auth and dashboard limits',
    check: findings.checkAuthLimits,
    good: auth,
    bad: [
      [
        'the issue: 50 x 401, dashboard unlimited',
        { ...auth, badKeyStatuses: Array<number>(50).fill(401), dashboardStatuses: Array<number>(120).fill(200) },
      ],
      ['valid key held back', { ...auth, validAfter: 429 }],
      ['dashboard unlimited', { ...auth, dashboardStatuses: Array<number>(120).fill(200) }],
    ],
  }),
  cases({
    name: '8 redaction',
    check: findings.checkRedaction,
    good: redaction,
    bad: [
      [
        'the issue: upper-cased key in the answer and the ledger',
        { ...redaction, leaks: { answer: ['sk-…'], ledger: ['sk-…'], logs: [] }, redactions: 1 },
      ],
      ['leak in the logs only', { ...redaction, leaks: { ...redaction.leaks, logs: ['c2staG9z'] } }],
      ['the echo never reached the client (nothing checked)', { ...redaction, messageShown: false }],
    ],
  }),
  cases({
    name: '9 assets and search',
    check: findings.checkAssetsAndSearch,
    good: assets,
    bad: [
      [
        'the issue: __proto__ 200, QUÉ 0',
        {
          assets: [{ name: '__proto__', status: 200 }],
          search: [
            { q: 'qué', total: 61 },
            { q: 'QUÉ', total: 0 },
          ],
        },
      ],
      ['search finds nothing either way', { ...assets, search: assets.search.map((s) => ({ ...s, total: 0 })) }],
    ],
  }),
];

for (const c of table) {
  test(`npm run hostile, finding ${c.name}: the fixed service passes, the issue's observation and each regression fail`, () => {
    const good = c.check(c.good);
    assert.equal(good.pass, true, good.now);
    assert.ok(good.now.length > 0);
    for (const [label, observation] of c.bad)
      assert.equal(c.check(observation).pass, false, `${label}: ${c.check(observation).now}`);
  });
}

test('npm run hostile: a failed finding is marked in the table; rows come in the issue order', () => {
  const table = renderFindings([
    { finding: 7, requests: 'GET /v1/models | x50', verdict: { now: 'ok', pass: true } },
    { finding: 2, requests: 'batch', verdict: { now: 'RSS 972 MB', pass: false } },
  ]);
  const rows = table.split('\n').slice(2);
  assert.match(rows[0]!, /^\| 2 \|.*\| RSS 972 MB \| \*\*FAIL\*\* \|$/);
  assert.match(rows[1]!, /^\| 7 \|.*GET \/v1\/models \\\| x50.*\| pass \|$/);
});

test('deploy settings: the manifest literal environment and memory limit are what a hostile run is judged by', () => {
  const parsed = parseDeploySettings(
    "env:\n  - { name: RATE_LIMIT_BURST, value: '60' }\n  - { name: EMBEDDER, value: minilm }\nresources:\n  limits: { cpu: '2', memory: 768Mi }\n",
  );
  assert.deepEqual(parsed, { env: { RATE_LIMIT_BURST: '60', EMBEDDER: 'minilm' }, memoryLimitMb: 768 });
  assert.throws(() => parseDeploySettings('env: []\n'), /no memory limit/);
  const shipped = readDeploySettings();
  assert.ok(shipped.memoryLimitMb > 0);
  assert.ok(Number(shipped.env['RATE_LIMIT_PER_SECOND']) > 0, 'deploy/ sets a rate limit: finding 7 needs one');
});
