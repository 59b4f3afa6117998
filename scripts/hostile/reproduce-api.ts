import Database from 'better-sqlite3';
import { loadConfig } from '../../src/config.js';
import { keyEchoes, keyLeaks } from '../../test/support/key-echoes.js';
import type {
  AssetsSearchObservation,
  AuthObservation,
  BreakerObservation,
  FeedbackObservation,
  LedgerObservation,
  RedactionObservation,
  Reproduction,
} from './findings.js';
import { bearer, KEYS, UPSTREAM_KEY, type HostileStack } from './stack.js';

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

async function call(
  stack: HostileStack,
  method: 'GET' | 'POST',
  path: string,
  options: { key?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const response = await fetch(`${stack.service.url}${path}`, {
    method,
    headers: {
      ...(options.key === undefined ? {} : bearer(options.key)),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** Reads the service's SQLite file as it is now (the service keeps writing it: read-only, WAL). */
function readDb<T>(stack: HostileStack, read: (db: Database.Database) => T): T {
  const db = new Database(stack.dbPath, { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

async function statsRequests(stack: HostileStack): Promise<number> {
  // A read of the ledger flushes its queued rows first, so this count includes every call answered before it.
  const stats = await call(stack, 'GET', '/v1/stats', { key: KEYS.client1 });
  return (JSON.parse(stats.text) as { requests: number }).requests;
}

const user = (content: string) => [{ role: 'user', content }];

/** Finding 3: five proxied calls with one client x-request-id. */
export async function reproduceLedger(stack: HostileStack): Promise<Reproduction<LedgerObservation>> {
  const clientId = 'spend-12345678';
  const calls = 5;
  const before = await statsRequests(stack);
  const upstreamBefore = stack.upstream.requests.length;
  const statuses: number[] = [];
  const decisionIds = new Set<string>();
  for (let i = 0; i < calls; i++) {
    const answer = await call(stack, 'POST', '/v1/chat/completions', {
      key: KEYS.client1,
      headers: { 'x-request-id': clientId },
      body: { model: 'auto', messages: user(`what is ${i} plus ${i}?`) },
    });
    statuses.push(answer.status);
    decisionIds.add(answer.headers.get('x-router-decision-id') ?? '');
  }
  const after = await statsRequests(stack);
  const rows = readDb(
    stack,
    (db) => (db.prepare('SELECT COUNT(*) AS n FROM requests WHERE client_request_id = ?').get(clientId) as { n: number }).n,
  );
  return {
    requests: `${calls} x POST /v1/chat/completions {model: "auto"} with x-request-id: ${clientId} (client 1); GET /v1/stats before and after`,
    observation: {
      calls,
      statuses,
      upstreamCalls: stack.upstream.requests.length - upstreamBefore,
      distinctDecisionIds: decisionIds.size,
      statsDelta: after - before,
      rowsWithClientId: rows,
      uniqueViolations: stack.service.logLines().filter((line) => line.includes('UNIQUE constraint failed')).length,
    },
  };
}

/** Finding 4: client 2 posts feedback on client 1's decision, by our id and by the client's x-request-id. */
export async function reproduceFeedback(stack: HostileStack): Promise<Reproduction<FeedbackObservation>> {
  const secret = 'my account number is 4929-1234 and my refund failed';
  const clientId = 'order-12345678';
  const routed = await call(stack, 'POST', '/v1/route', {
    key: KEYS.client1,
    headers: { 'x-request-id': clientId },
    body: { query: secret },
  });
  const decisionId = (JSON.parse(routed.text) as { decision_id: string }).decision_id;
  const foreign: FeedbackObservation['foreign'] = [];
  let leaked = false;
  for (const id of [decisionId, clientId]) {
    const answer = await call(stack, 'POST', '/v1/feedback', {
      key: KEYS.client2,
      body: { decision_id: id, expected: { intent: 'faq' } },
    });
    foreign.push({ id: id === clientId ? clientId : 'decision id', status: answer.status });
    leaked ||= answer.text.includes('4929');
  }
  const own = await call(stack, 'POST', '/v1/feedback', {
    key: KEYS.client1,
    body: { decision_id: decisionId, expected: { intent: 'faq' } },
  });
  const ownQuery = own.status === 201 ? (JSON.parse(own.text) as { feedback: { query: string | null } }).feedback.query : null;
  return {
    requests:
      `POST /v1/route {query: <account number>} with x-request-id: ${clientId} (client 1); ` +
      `POST /v1/feedback {decision_id, expected} by client 2 with the decision id and with ${clientId}, then by client 1`,
    observation: {
      foreign,
      leakedToOtherKey: leaked,
      ownerStatus: own.status,
      ownerQuery: ownQuery,
      storedQueries: readDb(stack, (db) =>
        (db.prepare('SELECT query FROM feedback').all() as { query: string | null }[]).map((row) => row.query),
      ),
    },
  };
}

/** Finding 6: the first candidate for a short query fails with 500s; its sibling behind the same provider is healthy. */
export async function reproduceBreaker(stack: HostileStack): Promise<Reproduction<BreakerObservation>> {
  const query = 'hi';
  const route = JSON.parse((await call(stack, 'POST', '/v1/route', { key: KEYS.client2, body: { query } })).text) as {
    model: string;
    provider: string;
    provider_model: string;
    fallbacks: { model: string; provider: string; provider_model: string; available: boolean }[];
  };
  const candidates = [route, ...route.fallbacks.filter((candidate) => candidate.available)];
  const failing = candidates[0]!;
  const healthy = candidates.find((candidate) => candidate.provider === failing.provider && candidate.model !== failing.model);
  if (healthy === undefined) throw new Error(`finding 6 needs two candidates behind ${failing.provider}`);
  const calls = 30;
  const threshold = loadConfig(stack.serviceEnv).proxy.breakerFailureThreshold;
  const start = stack.upstream.requests.length;
  stack.upstream.failModel(failing.provider_model, { type: 'status', status: 500 });
  const statuses: number[] = [];
  const answeredBy: Record<string, number> = {};
  let attemptsMismatches = 0;
  try {
    for (let i = 0; i < calls; i++) {
      const before = stack.upstream.requests.length;
      const answer = await call(stack, 'POST', '/v1/chat/completions', {
        key: KEYS.client2,
        body: { model: 'auto', messages: user(query) },
      });
      statuses.push(answer.status);
      const model = answer.headers.get('x-router-model') ?? 'none';
      answeredBy[model] = (answeredBy[model] ?? 0) + 1;
      if (Number(answer.headers.get('x-router-attempts')) !== stack.upstream.requests.length - before) attemptsMismatches += 1;
    }
  } finally {
    stack.upstream.failModel(failing.provider_model, undefined);
  }
  const metrics = (await call(stack, 'GET', '/metrics')).text;
  const circuit = (labels: string) => {
    const value = new RegExp(`^router_circuit_state\\{${labels}\\} (\\d)$`, 'm').exec(metrics)?.[1];
    return value === undefined ? undefined : Number(value);
  };
  return {
    requests:
      `fake upstream answers 500 to every ${failing.model} call; ${calls} x POST /v1/chat/completions {model: "auto", "${query}"} ` +
      `(candidates ${failing.model}, ${healthy.model}, ...); GET /metrics`,
    observation: {
      failing: failing.model,
      healthy: healthy.model,
      calls,
      statuses,
      answeredBy,
      failingCalls: stack.upstream.requests
        .slice(start)
        .filter((request) => (request.body as { model?: string } | undefined)?.model === failing.provider_model).length,
      threshold,
      attemptsMismatches,
      circuit: {
        failing: circuit(`provider="${failing.provider}",model="${failing.model}"`),
        healthy: circuit(`provider="${healthy.provider}",model="${healthy.model}"`),
        provider: circuit(`provider="${failing.provider}"`),
      },
    },
  };
}

/** Finding 7: a burst of bad keys from one address, and a burst on the dashboard API. */
export async function reproduceAuthLimits(stack: HostileStack): Promise<Reproduction<AuthObservation>> {
  const badKeys = 50;
  const badKeyStatuses: number[] = [];
  for (let i = 0; i < badKeys; i++)
    badKeyStatuses.push((await call(stack, 'GET', '/v1/models', { key: `guessed-key-${i}-0000` })).status);
  const validAfter = (await call(stack, 'GET', '/v1/models', { key: KEYS.client1 })).status;
  // Twice the deployed burst at once: a limited API must refuse some of them.
  const dashboardCalls = 2 * Number(stack.serviceEnv['RATE_LIMIT_BURST'] ?? 60);
  const dashboardStatuses = (
    await Promise.all(
      Array.from({ length: dashboardCalls }, () =>
        call(stack, 'POST', '/dashboard/api/estimate', { body: { text: 'hello there', output_tokens: 10, models: ['gpt-4o'] } }),
      ),
    )
  ).map((answer) => answer.status);
  return {
    requests:
      `${badKeys} x GET /v1/models with distinct bad keys, one after another; GET /v1/models with client 1's key; ` +
      `${dashboardCalls} x POST /dashboard/api/estimate at once (no key; RATE_LIMIT_PER_SECOND=${stack.serviceEnv['RATE_LIMIT_PER_SECOND'] ?? 'unset'}, BURST=${stack.serviceEnv['RATE_LIMIT_BURST'] ?? 'unset'} from deploy/)`,
    observation: { badKeyStatuses, validAfter, dashboardStatuses },
  };
}

/**
 * Finding 8: the upstream's error echoes the provider key in every case and encoding, once as a 500 (the router's own
 * 502 then) and once as a 400 (passed through). A named model has no fallback, so each fault meets exactly one call
 * whatever the breakers and candidates of the findings before.
 */
export async function reproduceRedaction(stack: HostileStack): Promise<Reproduction<RedactionObservation>> {
  const echoes = keyEchoes(UPSTREAM_KEY);
  const message = `invalid credentials: ${echoes.join(' | ')}`;
  const model = 'gpt-4o';
  const answers: Answer[] = [];
  for (const status of [500, 400]) {
    stack.upstream.fail({ type: 'status', status, message });
    answers.push(
      await call(stack, 'POST', '/v1/chat/completions', { key: KEYS.client1, body: { model, messages: user('hello') } }),
    );
  }
  // An error carries no x-router-* headers; our x-request-id is the decision id (the ledger's key) on every answer.
  const decisionIds = answers.map((answer) => answer.headers.get('x-request-id') ?? '');
  await statsRequests(stack);
  const rows = readDb(stack, (db) =>
    decisionIds.map((id) => JSON.stringify(db.prepare('SELECT * FROM requests WHERE decision_id = ?').all(id))),
  );
  const texts = answers.map((answer) => answer.text);
  return {
    requests:
      `fake upstream answers 500, then 400, each with "invalid credentials: " + the key in ${echoes.length} forms ` +
      `(as is, upper-cased, base64 at 3 alignments, base64url, URL-encoded, hex); 2 x POST /v1/chat/completions {model: "${model}"}; ` +
      `their ledger rows and the service log`,
    observation: {
      echoes: echoes.length,
      statuses: answers.map((answer) => answer.status),
      messageShown: texts.every((text) => text.includes('invalid credentials')),
      ledgerHasMessage: rows.every((row) => row.includes('invalid credentials')),
      leaks: {
        answer: texts.flatMap((text) => keyLeaks(UPSTREAM_KEY, text)),
        ledger: rows.flatMap((row) => keyLeaks(UPSTREAM_KEY, row)),
        logs: keyLeaks(UPSTREAM_KEY, stack.service.logLines().join('\n')),
      },
      redactions: Math.min(...texts.map((text) => (text.match(/\[redacted\]/g) ?? []).length)),
    },
  };
}

/** Finding 9: inherited names as asset names, and admin search by a non-ASCII word in both cases. */
export async function reproduceAssetsAndSearch(stack: HostileStack): Promise<Reproduction<AssetsSearchObservation>> {
  const names = ['__proto__', 'constructor', 'toString'];
  const assets = [];
  for (const name of names) assets.push({ name, status: (await call(stack, 'GET', `/dashboard/assets/${name}`)).status });
  const search = [];
  for (const q of ['qué', 'QUÉ']) {
    const answer = await call(stack, 'GET', `/admin/exemplars?q=${encodeURIComponent(q)}&limit=1`, { key: KEYS.admin });
    search.push({ q, total: (JSON.parse(answer.text) as { total: number }).total });
  }
  return {
    requests: `${names.map((name) => `GET \`/dashboard/assets/${name}\``).join(', ')}; GET /admin/exemplars?q=qué and ?q=QUÉ (admin key)`,
    observation: { assets, search },
  };
}
