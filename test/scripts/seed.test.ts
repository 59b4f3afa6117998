import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { PROJECT_ROOT, ROUTES_DATA_DIR, TINY_STANDIN_DIR, tempDir } from '../support/env.js';

function seed(databasePath: string, args: string[] = []) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/seed.ts', ...args], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      DATABASE_PATH: databasePath,
      ROUTES_DATA_DIR,
      EMBEDDER: 'minilm',
      MINILM_MODEL_DIR: TINY_STANDIN_DIR,
      EMBEDDING_OFFLINE: 'true',
      LOG_LEVEL: 'error',
    },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function snapshot(databasePath: string) {
  const db = new Database(databasePath, { readonly: true });
  try {
    return {
      exemplars: (db.prepare('SELECT COUNT(*) AS n FROM exemplars').get() as { n: number }).n,
      embeddings: (db.prepare('SELECT COUNT(*) AS n FROM embeddings').get() as { n: number }).n,
      revision: (db.prepare("SELECT value FROM meta WHERE key = 'exemplar_revision'").get() as { value: string }).value,
    };
  } finally {
    db.close();
  }
}

test('seeding twice adds nothing the second time; every exemplar gets one embedding', (t) => {
  const databasePath = join(tempDir(t), 'seed.db');
  const first = seed(databasePath);
  assert.equal(first.code, 0, first.stderr);
  const after = snapshot(databasePath);
  assert.ok(after.exemplars > 500);
  assert.equal(after.embeddings, after.exemplars);
  assert.match(first.stdout, new RegExp(`^${after.exemplars} added, 0 updated, 0 unchanged, 0 pruned`, 'm'));
  assert.match(first.stdout, /^intent\s+smalltalk\s+es\s+\d+$/m, 'a summary per label and language');
  assert.match(first.stderr, /embedding \d+\/\d+/, 'progress is shown');

  const second = seed(databasePath);
  assert.equal(second.code, 0, second.stderr);
  assert.match(
    second.stdout,
    new RegExp(`^0 added, 0 updated, ${after.exemplars} unchanged, 0 pruned \\(were\\); 0 embedded`, 'm'),
  );
  assert.deepEqual(snapshot(databasePath), after, 'nothing changed, not even the revision');
});

test('a user file is imported, and --prune removes only what left that file', (t) => {
  const dir = tempDir(t);
  const databasePath = join(dir, 'seed.db');
  assert.equal(seed(databasePath).code, 0);
  const base = snapshot(databasePath);
  const file = join(dir, 'mine.csv');
  writeFileSync(
    file,
    'text,label,axis,lang\n"refund my order #1234, please",support,intent,en\nwhat does shipping cost to Peru?,faq,intent,en\n',
  );
  const imported = seed(databasePath, ['--file', file]);
  assert.equal(imported.code, 0, imported.stderr);
  assert.match(imported.stdout, /^2 added/m);
  assert.equal(snapshot(databasePath).exemplars, base.exemplars + 2);

  writeFileSync(file, 'text,label,axis\nwhat does shipping cost to Peru?,faq,intent\n');
  const pruned = seed(databasePath, ['--file', file, '--prune']);
  assert.equal(pruned.code, 0, pruned.stderr);
  assert.match(pruned.stdout, /^0 added, 0 updated, 1 unchanged, 1 pruned/m);
  const after = snapshot(databasePath);
  assert.equal(after.exemplars, base.exemplars + 1, 'routes-data rows are untouched by pruning an import');
  assert.equal(after.embeddings, after.exemplars, 'pruned rows take their embeddings with them');
});

test('a bad row aborts with file:line and leaves the database unchanged', (t) => {
  const dir = tempDir(t);
  const databasePath = join(dir, 'seed.db');
  assert.equal(seed(databasePath).code, 0);
  const before = snapshot(databasePath);
  const file = join(dir, 'bad.jsonl');
  writeFileSync(
    file,
    '{"text":"a brand new good row","label":"faq","axis":"intent"}\n{"text":"a bad row","label":"gossip","axis":"intent"}\n',
  );
  const result = seed(databasePath, ['--file', file]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /bad\.jsonl:2: label: label "gossip" is not a intent/);
  assert.match(result.stderr, /database unchanged/);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  assert.deepEqual(snapshot(databasePath), before);
});

test('--dry-run reports what would change and writes nothing', (t) => {
  const databasePath = join(tempDir(t), 'seed.db');
  const result = seed(databasePath, ['--dry-run']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^\d+ added, 0 updated, 0 unchanged, 0 pruned \(would be\)/m);
  assert.equal(snapshot(databasePath).exemplars, 0);
});
