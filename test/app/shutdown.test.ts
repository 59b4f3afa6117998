import assert from 'node:assert/strict';
import { request as httpRequest, Agent } from 'node:http';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { startServiceProcess } from '../support/child-process.js';
import { startFakeUpstream } from '../support/fake-upstream.js';
import { until } from '../support/manual-timers.js';
import { seededDatabaseCopy } from '../support/test-router.js';

test(
  'SIGTERM: readiness drops, an in-flight stream finishes, the ledger is written and SQLite closes cleanly',
  { timeout: 120_000 },
  async (t) => {
    // The upstream sends the first event, then holds the rest until the test has seen the drain begin: the stream is
    // in flight when the signal comes, however fast or slow the machine.
    let release = false;
    const upstream = await startFakeUpstream({
      apiKey: 'sk-test-shutdown',
      beforeEvent: (index) => (index === 0 ? Promise.resolve() : until(() => release)),
    });
    t.after(() => upstream.close());
    const databasePath = await seededDatabaseCopy(t);
    const service = await startServiceProcess(t, {
      DATABASE_PATH: databasePath,
      OPENAI_API_KEY: 'sk-test-shutdown',
      OPENAI_BASE_URL: upstream.openaiBaseURL,
      SHUTDOWN_GRACE_MS: '8000',
      SHUTDOWN_DRAIN_MS: '300',
    });

    const response = await fetch(`${service.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        stream: true,
        messages: [{ role: 'user', content: 'tell me a long story about a lighthouse keeper' }],
      }),
    });
    assert.equal(response.status, 200);
    const decisionId = response.headers.get('x-router-decision-id')!;
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let body = decoder.decode((await reader.read()).value);
    assert.match(body, /^data: /, 'the stream has started');

    service.child.kill('SIGTERM');
    await service.waitForLine(/"msg":"shutting down/);
    // New connections are refused once the server stops accepting; either way no new work starts.
    const readiness = await fetch(`${service.url}/readyz`).then(
      (r) => r.status,
      () => 'refused',
    );
    assert.ok(readiness === 503 || readiness === 'refused', `readiness during drain: ${readiness}`);

    release = true;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      body += decoder.decode(value);
    }
    assert.match(body, /data: \[DONE\]\n\n$/, 'the in-flight stream ran to its end');
    assert.equal((await service.exited).code, 0);
    assert.ok(service.lines.some((line) => /"reason":"drained","msg":"stopped"/.test(line)));

    const db = new Database(databasePath, { readonly: true });
    t.after(() => db.close());
    assert.equal((db.pragma('integrity_check') as { integrity_check: string }[])[0]!.integrity_check, 'ok');
    const row = db.prepare('SELECT status, output_tokens FROM requests WHERE decision_id = ?').get(decisionId) as {
      status: string;
      output_tokens: number;
    };
    assert.equal(row.status, 'ok');
    assert.ok(row.output_tokens > 0);
  },
);

interface Answer {
  status: number;
  connection: string | undefined;
  body: string;
}

/** One request on `agent` (a keep-alive agent), reporting any socket error as it is: a reset must fail the test. */
function send(agent: Agent, url: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequest(
      `${url}${path}`,
      {
        method,
        agent,
        headers:
          payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

test('SIGTERM under keep-alive load: every client keeps getting answers (readiness false, connection: close) and none sees a reset', async (t) => {
  const databasePath = await seededDatabaseCopy(t);
  // A drain long enough for every client below to make its requests on a loaded machine; nothing waits it out but the exit.
  const service = await startServiceProcess(t, {
    DATABASE_PATH: databasePath,
    SHUTDOWN_DRAIN_MS: '6000',
    SHUTDOWN_GRACE_MS: '5000',
  });

  const clients = Array.from({ length: 16 }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
  t.after(() => clients.forEach((agent) => agent.destroy()));
  // Every client holds an idle keep-alive connection when the signal comes.
  for (const [i, agent] of clients.entries()) {
    const warm = await send(agent, service.url, 'POST', '/v1/route', { query: `warm-up ${i}` });
    assert.equal(warm.status, 200);
    assert.notEqual(warm.connection, 'close');
  }

  service.child.kill('SIGTERM');
  await service.waitForLine(/"msg":"shutting down/);
  const results = await Promise.allSettled(
    clients.map(async (agent, i) => {
      const answers: Answer[] = [];
      answers.push(await send(agent, service.url, 'GET', '/readyz'));
      for (let n = 0; n < 3; n++)
        answers.push(await send(agent, service.url, 'POST', '/v1/route', { query: `client ${i} request ${n}` }));
      return answers;
    }),
  );
  const failures = results.flatMap((result) => (result.status === 'rejected' ? [String((result.reason as Error).message)] : []));
  assert.deepEqual(failures, [], 'a client saw a reset or a refused connection while the service drained');
  for (const result of results) {
    const [readiness, ...routed] = (result as PromiseFulfilledResult<Answer[]>).value;
    assert.equal(readiness!.status, 503);
    assert.match(readiness!.body, /"status":"draining"/);
    for (const answer of [readiness!, ...routed]) assert.equal(answer.connection, 'close');
    for (const answer of routed) assert.equal(answer.status, 200, answer.body);
  }
  const { code } = await service.exited;
  assert.equal(code, 0);
  assert.ok(service.lines.some((line) => /"reason":"drained","msg":"stopped"/.test(line)));
});
