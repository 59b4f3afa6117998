import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

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
