import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, settingDefaults } from '../../src/config.js';
import { PROJECT_ROOT } from '../support/env.js';

test('defaults are the documented ones', () => {
  const config = loadConfig({});
  assert.equal(config.port, 8080);
  assert.equal(config.host, '0.0.0.0');
  assert.equal(config.databasePath, './data/router.db');
  assert.equal(config.embedder.choice, 'auto');
  assert.equal(config.embedder.minilmQuantized, true);
  assert.equal(config.embedder.offline, false);
  assert.equal(config.routing.defaultStrategy, 'balanced');
  assert.equal(config.seedOnStart, true);
});

test('values are parsed and empty strings mean unset', () => {
  const config = loadConfig({
    PORT: '9000',
    EMBEDDING_OFFLINE: 'yes',
    MINILM_QUANTIZED: '0',
    ROUTING_STRATEGY: 'cost_optimized',
    HOST: '',
  });
  assert.equal(config.port, 9000);
  assert.equal(config.embedder.offline, true);
  assert.equal(config.embedder.minilmQuantized, false);
  assert.equal(config.routing.defaultStrategy, 'cost_optimized');
  assert.equal(config.host, '0.0.0.0');
});

test('a bad environment fails with one line per bad field', () => {
  assert.throws(
    () => loadConfig({ PORT: 'eighty', EMBEDDER: 'bert', EMBEDDING_OFFLINE: 'maybe' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.problems.length, 3);
      assert.match(error.message, /PORT: /);
      assert.match(error.message, /EMBEDDER: /);
      assert.match(error.message, /EMBEDDING_OFFLINE: /);
      return true;
    },
  );
});

test('the cascade and the promotion check are off by default, and their settings are validated', () => {
  const defaults = loadConfig({});
  assert.deepEqual(defaults.cascade, { model: undefined, maxMargin: 0.0125, timeoutMs: 1500, cacheSize: 10_000 });
  assert.deepEqual(defaults.promotionCheck, { mode: 'off', tolerance: 0.005, validationSetPath: undefined });
  const set = loadConfig({
    CASCADE_MODEL: 'gpt-4o-mini',
    CASCADE_MAX_MARGIN: '0.02',
    PROMOTION_CHECK: 'refuse',
    PROMOTION_VALIDATION_SET: 'v.jsonl',
  });
  assert.equal(set.cascade.model, 'gpt-4o-mini');
  assert.equal(set.cascade.maxMargin, 0.02);
  assert.equal(set.promotionCheck.mode, 'refuse');
  assert.equal(set.promotionCheck.validationSetPath, 'v.jsonl');
  assert.throws(
    () =>
      loadConfig({ CASCADE_MAX_MARGIN: '-1', CASCADE_TIMEOUT_MS: '0', PROMOTION_CHECK: 'warn', PROMOTION_CHECK_TOLERANCE: '2' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(
        error.problems.map((line) => line.split(':')[0]),
        ['CASCADE_MAX_MARGIN', 'CASCADE_TIMEOUT_MS', 'PROMOTION_CHECK', 'PROMOTION_CHECK_TOLERANCE'],
      );
      return true;
    },
  );
});

test('tracing: off by default; the OTEL_* variables build the OTLP settings by the specification rules', () => {
  const defaults = loadConfig({}).tracing;
  assert.equal(defaults.exporter, 'none');
  assert.equal(defaults.serviceName, 'semantic-llm-router');
  assert.deepEqual(defaults.otlp, {
    url: 'http://localhost:4318/v1/traces',
    protocol: 'http/protobuf',
    headers: {},
    timeoutMs: 10_000,
  });
  assert.equal(defaults.sampler, 'parentbased_always_on');

  const set = loadConfig({
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector.example:4318/',
    OTEL_EXPORTER_OTLP_HEADERS: 'api-key=abc%3D%3Dxyz123,team=router',
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'team=traces',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '2500',
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0.25',
    OTEL_RESOURCE_ATTRIBUTES: 'service.namespace=llm,deployment.environment.name=prod',
  }).tracing;
  assert.equal(set.exporter, 'otlp');
  assert.equal(set.otlp.url, 'https://collector.example:4318/v1/traces', 'the generic endpoint gets the signal path');
  assert.deepEqual(set.otlp.headers, { 'api-key': 'abc==xyz123', team: 'traces' }, 'percent-decoded; traces-only wins');
  assert.equal(set.otlp.protocol, 'http/json');
  assert.equal(set.otlp.timeoutMs, 2500);
  assert.equal(set.sampler, 'parentbased_traceidratio');
  assert.equal(set.samplerRatio, 0.25);
  assert.deepEqual(set.resourceAttributes, { 'service.namespace': 'llm', 'deployment.environment.name': 'prod' });
  assert.equal(
    loadConfig({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/exact/path' }).tracing.otlp.url,
    'http://c:4318/exact/path',
    'the traces endpoint is used as given',
  );
  assert.equal(loadConfig({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }).tracing.exporter, 'none');

  assert.throws(
    () => loadConfig({ OTEL_TRACES_EXPORTER: 'jaeger' }),
    (error: unknown) => error instanceof ConfigError && /OTEL_TRACES_EXPORTER/.test(error.message),
  );
  assert.throws(
    () =>
      loadConfig({
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_HEADERS: 'no-equals-sign',
        OTEL_TRACES_SAMPLER_ARG: '2',
      }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.problems.length, 3);
      assert.match(error.message, /OTEL_EXPORTER_OTLP_PROTOCOL: use http\/protobuf or http\/json/);
      assert.match(error.message, /OTEL_EXPORTER_OTLP_HEADERS: an item starting "no-equals-sign" is not key=value/);
      return true;
    },
  );
  // A malformed header list names where it went wrong, never the credential in it: the message reaches stderr.
  assert.throws(
    () => loadConfig({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_HEADERS: 'authorization: Bearer sk-live-abcdefghij' }),
    (error: unknown) =>
      error instanceof ConfigError && /"authorization"/.test(error.message) && !/sk-live|Bearer/.test(error.message),
  );
  const withPassword = loadConfig({
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'https://router:collector-token-123@collector.example:4318',
  });
  assert.ok(withPassword.secrets.includes('collector-token-123'), "a password in the collector's URL is redacted from logs");
  // With tracing off, OTEL_* variables set platform-wide for other services do not stop the router.
  const off = loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_TRACES_SAMPLER: 'xray', OTEL_EXPORTER_OTLP_HEADERS: 'x' });
  assert.equal(off.tracing.exporter, 'none');
  // service.name: OTEL_SERVICE_NAME when set, else OTEL_RESOURCE_ATTRIBUTES's, else ours.
  const named = (env: Record<string, string>) => loadConfig({ OTEL_TRACES_EXPORTER: 'console', ...env }).tracing.serviceName;
  assert.equal(named({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=checkout-router' }), 'checkout-router');
  assert.equal(named({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=checkout-router', OTEL_SERVICE_NAME: 'edge' }), 'edge');
  assert.equal(named({}), 'semantic-llm-router');
});

test("the README's Settings table has a row for every variable config.ts reads, with its default", () => {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Settings'), readme.indexOf('\n## ', readme.indexOf('\n## Settings') + 1));
  const rows = new Map(
    [...section.matchAll(/^\| `([A-Z][A-Z0-9_]+)`[^|]*\|([^|]*)\|/gm)].map((match) => [match[1]!, match[2]!.trim()]),
  );
  const defaults = settingDefaults();
  assert.ok(defaults.size >= 60, `${defaults.size} settings read`);
  // A per-signal variant (OTEL_EXPORTER_OTLP_TRACES_*) may be named in its general variable's row instead of its own.
  const missing = [...defaults.keys()].filter((name) => !rows.has(name) && !section.includes(`\`${name}\``));
  assert.deepEqual(missing, [], 'settings the README does not name');
  const wrong = [...defaults.entries()].flatMap(([name, value]) => {
    const documented = /^`([^`]*)`/.exec(rows.get(name) ?? '')?.[1];
    if (documented === undefined || !['string', 'number', 'boolean'].includes(typeof value)) return [];
    const applied = String(value);
    return applied === documented ? [] : [`${name}: README says ${documented}, config.ts has ${applied}`];
  });
  assert.deepEqual(wrong, [], 'settings whose README default is not the one config.ts applies');
});
