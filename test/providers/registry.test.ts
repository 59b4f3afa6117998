import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createProviderRegistry, type ProviderConnection, type ProviderFactory } from '../../src/providers/registry.js';
import type { Provider } from '../../src/providers/types.js';
import { RoutingTableSchema, type ProviderKind, type RoutingTable } from '../../src/routes-config/schemas.js';
import { startFakeUpstream } from '../support/fake-upstream.js';

const ROUTING = RoutingTableSchema.parse(
  JSON.parse(readFileSync(new URL('../../routes-data/routing.json', import.meta.url), 'utf8')),
);

const TABLE: RoutingTable = {
  providers: {
    main: { kind: 'openai', api_key_env: 'MAIN_KEY', base_url_env: 'MAIN_URL', base_url: 'https://main.example/v1' },
    claude: { kind: 'anthropic', api_key_env: 'CLAUDE_KEY' },
    compat: { kind: 'openai', api_key_env: 'COMPAT_KEY', base_url: 'https://compat.example/v1' },
  },
  models: {
    m1: { provider: 'main', model: 'm1', capabilities: [] },
    m2: { provider: 'claude', model: 'm2', capabilities: [] },
    m3: { provider: 'compat', model: 'm3', capabilities: [] },
  },
  tiers: { simple: ['m1'], medium: ['m2'], complex: ['m3'] },
  intents: {},
  baseline_model: 'm2',
};

/** Factories that record what each provider was built with, instead of building SDK clients. */
function recordingFactories() {
  const built: { kind: ProviderKind; connection: ProviderConnection }[] = [];
  const factory =
    (kind: ProviderKind): ProviderFactory =>
    (connection) => {
      built.push({ kind, connection });
      return { kind } as Provider;
    };
  return { built, factories: { openai: factory('openai'), anthropic: factory('anthropic') } };
}

describe('provider registry', () => {
  it('builds a provider only for entries whose key variable is set', () => {
    const { built, factories } = recordingFactories();
    const registry = createProviderRegistry({ table: TABLE, env: { MAIN_KEY: 'sk-test-main' }, factories });
    assert.equal(registry.isAvailable('main'), true);
    assert.equal(registry.isAvailable('claude'), false);
    assert.equal(registry.isAvailable('compat'), false);
    assert.equal(registry.get('main')?.kind, 'openai');
    assert.equal(registry.get('claude'), undefined);
    assert.equal(registry.get('nonexistent'), undefined);
    assert.equal(built.length, 1);
  });

  it('the base URL comes from the env override, then the table, then the SDK default', () => {
    const { built, factories } = recordingFactories();
    createProviderRegistry({
      table: TABLE,
      env: { MAIN_KEY: 'sk-test-1', MAIN_URL: 'http://127.0.0.1:9/v1', CLAUDE_KEY: 'sk-test-2', COMPAT_KEY: 'sk-test-3' },
      factories,
    });
    assert.deepEqual(built, [
      { kind: 'openai', connection: { apiKey: 'sk-test-1', baseURL: 'http://127.0.0.1:9/v1' } },
      { kind: 'anthropic', connection: { apiKey: 'sk-test-2', baseURL: undefined } },
      { kind: 'openai', connection: { apiKey: 'sk-test-3', baseURL: 'https://compat.example/v1' } },
    ]);
  });

  it('an empty or blank key counts as unset; an empty URL override falls back to the table', () => {
    const { built, factories } = recordingFactories();
    const registry = createProviderRegistry({
      table: TABLE,
      env: { MAIN_KEY: '  ', CLAUDE_KEY: '', COMPAT_KEY: 'sk-test-3', MAIN_URL: '' },
      factories,
    });
    assert.equal(registry.isAvailable('main'), false);
    assert.equal(registry.isAvailable('claude'), false);
    assert.deepEqual(
      built.map((entry) => entry.connection.baseURL),
      ['https://compat.example/v1'],
    );
  });

  it('list() names the missing variable and never holds a key', () => {
    const registry = createProviderRegistry({
      table: TABLE,
      env: { MAIN_KEY: 'sk-test-secret-list' },
      factories: recordingFactories().factories,
    });
    const list = registry.list();
    assert.deepEqual(list, [
      { name: 'main', kind: 'openai', available: true },
      { name: 'claude', kind: 'anthropic', available: false, reason: 'CLAUDE_KEY is not set' },
      { name: 'compat', kind: 'openai', available: false, reason: 'COMPAT_KEY is not set' },
    ]);
    assert.ok(!JSON.stringify(list).includes('sk-test-secret-list'));
  });

  it('reads keys only from the env object, never from process.env', () => {
    const saved = process.env['ANTHROPIC_API_KEY'];
    process.env['ANTHROPIC_API_KEY'] = 'sk-test-from-process-env';
    try {
      const registry = createProviderRegistry({ table: ROUTING, env: { OPENAI_API_KEY: 'sk-test-openai' } });
      assert.equal(registry.isAvailable('openai'), true);
      assert.equal(registry.isAvailable('anthropic'), false);
    } finally {
      if (saved === undefined) delete process.env['ANTHROPIC_API_KEY'];
      else process.env['ANTHROPIC_API_KEY'] = saved;
    }
  });

  it('with routes-data/routing.json and only an OpenAI key, the real openai adapter answers', async () => {
    const apiKey = 'sk-test-registry-77aa';
    const fake = await startFakeUpstream({ apiKey });
    try {
      const registry = createProviderRegistry({
        table: ROUTING,
        env: { OPENAI_API_KEY: apiKey, OPENAI_BASE_URL: fake.openaiBaseURL },
      });
      assert.deepEqual(
        registry.list().map((status) => [status.name, status.available]),
        [
          ['openai', true],
          ['anthropic', false],
          ['gemini', false],
          ['xai', false],
        ],
      );
      const provider = registry.get('openai');
      assert.ok(provider);
      const completion = await provider.complete(
        { model: 'auto', messages: [{ role: 'user', content: 'Hi' }] },
        { model: 'gpt-4o-mini', signal: new AbortController().signal, timeoutMs: 2000 },
      );
      assert.equal(completion.choices[0]?.message.content, 'Answer from gpt-4o-mini: Hi');
    } finally {
      await fake.close();
    }
  });

  it('the anthropic adapter built from the table talks to its base URL with the anthropic-version header', async () => {
    const apiKey = 'sk-test-registry-88bb';
    const fake = await startFakeUpstream({ apiKey });
    try {
      const registry = createProviderRegistry({
        table: ROUTING,
        env: { ANTHROPIC_API_KEY: apiKey, ANTHROPIC_BASE_URL: fake.anthropicBaseURL },
      });
      const completion = await registry
        .get('anthropic')!
        .complete(
          { model: 'auto', messages: [{ role: 'user', content: 'Hi' }] },
          { model: 'claude-3-5-haiku-latest', signal: new AbortController().signal, timeoutMs: 2000 },
        );
      assert.equal(completion.model, 'claude-3-5-haiku-latest');
      assert.ok(fake.requests[0]?.headers['anthropic-version']);
    } finally {
      await fake.close();
    }
  });
});
