import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { trace } from '@opentelemetry/api';
import { loadConfig } from '../../src/config.js';
import { startTracing } from '../../src/tracing/tracing.js';
import { postJson, startTestService } from '../support/test-router.js';

interface Export {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A stand-in OTLP/HTTP collector: takes every POST, keeps it, answers 200 as a collector does. */
async function startCollector(t: { after: (fn: () => Promise<void>) => void }): Promise<{ url: string; exports: Export[] }> {
  const exports: Export[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      exports.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      const json = (req.headers['content-type'] ?? '').includes('json');
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      res.end(json ? '{}' : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, exports };
}

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
}
interface OtlpJson {
  resourceSpans: {
    resource: { attributes: OtlpAttribute[] };
    scopeSpans: { spans: { name: string; traceId: string; parentSpanId?: string; attributes: OtlpAttribute[] }[] }[];
  }[];
}

test('OTEL_* configure an OTLP/HTTP JSON export: endpoint + /v1/traces, headers, service name, the request span tree', async (t) => {
  const collector = await startCollector(t);
  const config = loadConfig({
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-key=collector-secret-1234',
    OTEL_SERVICE_NAME: 'router-under-test',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test',
  });
  const tracing = startTracing(config.tracing);
  assert.ok(tracing);
  t.after(() => tracing.shutdown());
  const service = await startTestService(t, 'tiny-standin', {}, { tracing });
  const response = await postJson(service.app, '/v1/route', { query: 'how do I reverse a linked list in C' });
  assert.equal(response.status, 200);
  const decision = (await response.json()) as { tier: string };
  await tracing.forceFlush();

  assert.ok(collector.exports.length >= 1, 'the batch went out on flush');
  const sent = collector.exports[0]!;
  assert.equal(sent.path, '/v1/traces');
  assert.equal(sent.headers['x-collector-key'], 'collector-secret-1234');
  assert.match(String(sent.headers['content-type']), /application\/json/);
  const body = JSON.parse(sent.body.toString('utf8')) as OtlpJson;
  const resource = Object.fromEntries(body.resourceSpans[0]!.resource.attributes.map((a) => [a.key, a.value.stringValue]));
  assert.equal(resource['service.name'], 'router-under-test');
  assert.equal(resource['deployment.environment.name'], 'test');
  const spans = body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
  assert.deepEqual(spans.map((span) => span.name).sort(), ['POST /v1/route', 'decide', 'embed', 'score']);
  const request = spans.find((span) => span.name === 'POST /v1/route')!;
  const tier = request.attributes.find((a) => a.key === 'router.tier');
  assert.equal(tier?.value.stringValue, decision.tier);
  assert.ok(spans.every((span) => span.traceId === request.traceId));
  // The collector's key is redacted from our own logs like the provider keys.
  assert.ok(config.secrets.includes('collector-secret-1234'));
});

test('the default protocol is OTLP/HTTP protobuf; a traces endpoint is used as given', async (t) => {
  const collector = await startCollector(t);
  const config = loadConfig({
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9/unused',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${collector.url}/custom/traces`,
  });
  const tracing = startTracing(config.tracing);
  assert.ok(tracing);
  t.after(() => tracing.shutdown());
  const service = await startTestService(t, 'tiny-standin', {}, { tracing });
  await postJson(service.app, '/v1/route/batch', { queries: ['hello there', 'prove that the square root of 2 is irrational'] });
  await tracing.forceFlush();

  const sent = collector.exports[0]!;
  assert.equal(sent.path, '/custom/traces');
  assert.equal(sent.headers['content-type'], 'application/x-protobuf');
  // Protobuf keeps strings as UTF-8 bytes: the span names are readable in the payload.
  for (const name of ['POST /v1/route/batch', 'route', 'embed', 'score', 'decide', 'semantic-llm-router'])
    assert.ok(sent.body.includes(Buffer.from(name)), `${name} in the export`);
  assert.equal(sent.body.includes(Buffer.from('irrational')), false, 'no query text in the export');
});

test('off unless configured: no exporter means no tracing, and nothing is registered globally', () => {
  assert.equal(loadConfig({}).tracing.exporter, 'none');
  assert.equal(startTracing(loadConfig({}).tracing), undefined);
  assert.equal(startTracing(loadConfig({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }).tracing), undefined);
  // Even with tracing started, the global API keeps its no-op tracer: our provider is handed to the app, not installed.
  const tracing = startTracing(loadConfig({ OTEL_TRACES_EXPORTER: 'console' }).tracing);
  assert.ok(tracing);
  const span = trace.getTracer('anyone').startSpan('probe');
  assert.equal(span.isRecording(), false);
  span.end();
  void tracing.shutdown();
});
