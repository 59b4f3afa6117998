import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { PROJECT_ROOT, ROUTES_DATA_DIR, TINY_STANDIN_DIR, tempDir } from '../support/env.js';
import { freePort } from '../support/free-port.js';
import { startTestService } from '../support/test-router.js';

test('npm start with OTEL_* set: spans still batched at SIGTERM reach the collector before the process exits', async (t) => {
  const received: string[] = [];
  const collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => collector.close(() => resolve())));

  // A database already seeded for the tiny stand-in, so the child starts in about a second.
  const seeded = await startTestService(t, 'tiny-standin');
  const databasePath = join(tempDir(t), 'router.db');
  seeded.store.close();
  copyFileSync(seeded.config.databasePath, databasePath);
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_PATH: databasePath,
      ROUTES_DATA_DIR,
      EMBEDDER: 'minilm',
      MINILM_MODEL_DIR: TINY_STANDIN_DIR,
      EMBEDDING_OFFLINE: 'true',
      SHUTDOWN_DRAIN_MS: '0',
      LOG_LEVEL: 'info',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let logs = '';
  child.stderr.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const url = `http://127.0.0.1:${port}`;
  for (let ready = false; !ready;) {
    assert.equal(child.exitCode, null, `the service exited: ${logs}`);
    ready = await fetch(`${url}/readyz`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (!ready) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.match(logs, /"msg":"tracing on"/);

  const response = await fetch(`${url}/v1/route`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'what is the boiling point of water' }),
  });
  assert.equal(response.status, 200);
  const traceId = /^00-([0-9a-f]{32})-/.exec(response.headers.get('traceparent') ?? '')?.[1];
  assert.ok(traceId);
  // The batch processor exports every 5 s; the shutdown flushes what it holds now.
  child.kill('SIGTERM');
  assert.equal(await exited, 0, logs);

  const spans = received
    .map((body) => JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: { name: string; traceId: string }[] }[] }[] })
    .flatMap((body) => body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
  const names = spans.filter((span) => span.traceId === traceId).map((span) => span.name);
  assert.deepEqual(names.sort(), ['POST /v1/route', 'decide', 'embed', 'score']);
});
