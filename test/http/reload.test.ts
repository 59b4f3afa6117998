import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROUTES_DATA_DIR, tempDir } from '../support/env.js';
import { postJson, seededDatabaseCopy, startTestService } from '../support/test-router.js';
import { startServiceProcess } from '../support/child-process.js';

const ADMIN_KEY = 'admin-key-for-reload-tests';
const ADMIN = { authorization: `Bearer ${ADMIN_KEY}` };
type Json = Record<string, unknown>;

test('POST /admin/reload swaps a valid routes-data set in and bumps the version; an invalid one is refused with file:line and changes nothing', async (t) => {
  const dir = tempDir(t);
  cpSync(ROUTES_DATA_DIR, dir, { recursive: true });
  const service = await startTestService(t, 'tiny-standin', {
    ADMIN_API_KEY: ADMIN_KEY,
    ROUTES_DATA_DIR: dir,
    OPENAI_API_KEY: 'sk-test',
  });
  const { app } = service;
  const ready = async () => (await (await app.request('/readyz')).json()) as Json;
  const route = async () => (await (await postJson(app, '/v1/route', { query: 'what is the capital of peru' })).json()) as Json;
  const metric = async () => /^router_config_version (\d+)$/m.exec(await (await app.request('/metrics')).text())?.[1];

  assert.equal((await ready()).config_version, 1);
  const before = await route();
  assert.equal(before.config_version, 1);
  assert.notEqual(before.model, 'gpt-5-mini');

  // Every tier now leads with gpt-5-mini, and one rule is gone.
  const routingPath = join(dir, 'routing.json');
  const table = JSON.parse(readFileSync(routingPath, 'utf8')) as { tiers: Record<string, string[]>; intents: Json };
  for (const tier of Object.keys(table.tiers)) table.tiers[tier] = ['gpt-5-mini', ...table.tiers[tier]!];
  table.intents = {};
  writeFileSync(routingPath, JSON.stringify(table, null, 2));
  const rulesPath = join(dir, 'rules.json');
  const rules = JSON.parse(readFileSync(rulesPath, 'utf8')) as { rules: unknown[] };
  writeFileSync(rulesPath, JSON.stringify({ rules: rules.rules.slice(1) }, null, 2));

  assert.equal((await postJson(app, '/admin/reload', {})).status, 401, 'admin only');
  const reloaded = await postJson(app, '/admin/reload', {}, ADMIN);
  assert.equal(reloaded.status, 200);
  const body = (await reloaded.json()) as Json;
  assert.equal(body.config_version, 2);
  assert.equal(body.rules, rules.rules.length - 1);
  assert.equal((await ready()).config_version, 2);
  const after = await route();
  assert.equal(after.config_version, 2);
  assert.equal(after.model, 'gpt-5-mini');
  assert.equal(await metric(), '2');
  const models = (await (await app.request('/v1/models')).json()) as { data: { id: string }[] };
  assert.ok(models.data.some((model) => model.id === 'gpt-5-mini'));

  // Broken: an unknown model on a known line, and a price file that is not JSON.
  const broken = { ...table, tiers: { ...table.tiers, simple: ['gpt-9', ...table.tiers.simple!] } };
  const brokenText = JSON.stringify(broken, null, 2);
  writeFileSync(routingPath, brokenText);
  const line = brokenText.slice(0, brokenText.indexOf('"gpt-9"')).split('\n').length;
  const refused = await postJson(app, '/admin/reload', {}, ADMIN);
  assert.equal(refused.status, 422);
  const error = ((await refused.json()) as { error: { code: string; problems: string[] } }).error;
  assert.equal(error.code, 'invalid_routes_data');
  assert.ok(
    error.problems.some((problem) => problem.endsWith(`routing.json:${line}: tiers.simple.0: unknown model "gpt-9"`)),
    error.problems.join('\n'),
  );
  writeFileSync(routingPath, JSON.stringify(table, null, 2));
  writeFileSync(join(dir, 'prices.json'), '{\n  "currency": "USD",\n  "unit": oops\n}');
  const badJson = (await (await postJson(app, '/admin/reload', {}, ADMIN)).json()) as { error: { problems: string[] } };
  assert.match(badJson.error.problems[0]!, /prices\.json:3: not valid JSON/);

  assert.equal((await ready()).config_version, 2, 'nothing changed');
  assert.equal((await route()).model, 'gpt-5-mini');
  assert.equal(await metric(), '2');
});

test('SIGHUP reloads routes-data in the running service; an invalid set is logged as file:line and changes nothing', async (t) => {
  const dir = tempDir(t);
  cpSync(ROUTES_DATA_DIR, dir, { recursive: true });
  const service = await startServiceProcess(t, { DATABASE_PATH: await seededDatabaseCopy(t), ROUTES_DATA_DIR: dir });
  const version = async () => ((await (await fetch(`${service.url}/readyz`)).json()) as Json).config_version;
  assert.equal(await version(), 1);

  const routingPath = join(dir, 'routing.json');
  const table = JSON.parse(readFileSync(routingPath, 'utf8')) as { tiers: Record<string, string[]> };
  table.tiers.simple = ['gpt-5-mini', ...table.tiers.simple!];
  writeFileSync(routingPath, JSON.stringify(table, null, 2));
  service.child.kill('SIGHUP');
  await service.waitForLine(/"msg":"routes-data reloaded"/);
  assert.equal(await version(), 2);

  writeFileSync(routingPath, JSON.stringify({ ...table, tiers: { ...table.tiers, simple: ['gpt-9'] } }, null, 2));
  service.child.kill('SIGHUP');
  const refused = await service.waitForLine(/reload refused/);
  assert.match(refused, /routing\.json:\d+: tiers\.simple\.0: unknown model/);
  assert.equal(await version(), 2);
});
