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
  const config = loadConfig({ PORT: '9000', EMBEDDING_OFFLINE: 'yes', MINILM_QUANTIZED: '0', ROUTING_STRATEGY: 'cost_optimized', HOST: '' });
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
