import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { startServiceProcess } from '../support/child-process.js';
import { seededDatabaseCopy } from '../support/test-router.js';

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

  const service = await startServiceProcess(t, {
    DATABASE_PATH: await seededDatabaseCopy(t),
    SHUTDOWN_DRAIN_MS: '0',
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  });
  const logs = () => service.lines.join('\n');
  assert.match(logs(), /"msg":"tracing on"/);

  const response = await fetch(`${service.url}/v1/route`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'what is the boiling point of water' }),
  });
  assert.equal(response.status, 200);
  const traceId = /^00-([0-9a-f]{32})-/.exec(response.headers.get('traceparent') ?? '')?.[1];
  assert.ok(traceId);
  // The batch processor exports every 5 s; the shutdown flushes what it holds now.
  service.child.kill('SIGTERM');
  assert.equal((await service.exited).code, 0, logs());

  const spans = received
    .map((body) => JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: { name: string; traceId: string }[] }[] }[] })
    .flatMap((body) => body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
  const names = spans.filter((span) => span.traceId === traceId).map((span) => span.name);
  assert.deepEqual(names.sort(), ['POST /v1/route', 'decide', 'embed', 'score']);
});
