import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import Database from 'better-sqlite3';
import { migrate } from '../../src/db/migrations.js';
import { openDatabase } from '../../src/db/open-database.js';

function tempDbPath(t: test.TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'router-migrations-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'router.db');
}

const now = '2026-11-22T00:00:00.000Z';

function addExemplar(db: Database.Database, text: string): number {
  const { lastInsertRowid } = db
    .prepare(
      "INSERT INTO exemplars (axis, label, text, lang, source, content_hash, created_at, updated_at) VALUES ('intent', 'faq', ?, 'en', 'test', ?, ?, ?)",
    )
    .run(text, `hash:${text}`, now, now);
  db.prepare("INSERT INTO embeddings (exemplar_id, embedder_id, dim, vector) VALUES (?, 'e', 2, ?)").run(
    lastInsertRowid,
    Buffer.alloc(8),
  );
  return Number(lastInsertRowid);
}

test('migration 4 keeps every exemplar, embedding and feedback row of a version-3 database', (t) => {
  const path = tempDbPath(t);
  const old = new Database(path);
  old.pragma('foreign_keys = ON');
  assert.equal(migrate(old, 3), 3);
  const ids = ['a', 'b', 'c'].map((text) => addExemplar(old, text));
  old
    .prepare(
      "INSERT INTO feedback (decision_id, created_at, query, expected_intent, status, promoted_ids) VALUES ('d1', ?, 'q', 'faq', 'promoted', '[3]')",
    )
    .run(now);
  old.close();

  const db = openDatabase(path);
  t.after(() => db.close());
  assert.deepEqual(
    db.prepare('SELECT id, text FROM exemplars ORDER BY id').all(),
    ids.map((id, i) => ({ id, text: ['a', 'b', 'c'][i] })),
  );
  assert.equal((db.prepare('SELECT count(*) AS n FROM embeddings').get() as { n: number }).n, 3);
  assert.deepEqual(db.prepare('SELECT decision_id, status, promoted_ids FROM feedback').all(), [
    { decision_id: 'd1', status: 'promoted', promoted_ids: '[3]' },
  ]);
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1, 'foreign keys are back on after the rebuild');
  assert.deepEqual(db.pragma('foreign_key_check'), []);
  // The cascade from exemplars to embeddings still holds on the rebuilt table.
  db.prepare('DELETE FROM exemplars WHERE id = ?').run(ids[0]);
  assert.equal((db.prepare('SELECT count(*) AS n FROM embeddings').get() as { n: number }).n, 2);
});

test('a deleted exemplar or feedback id is never handed to a new row', (t) => {
  const db = openDatabase(tempDbPath(t));
  t.after(() => db.close());
  addExemplar(db, 'first');
  const last = addExemplar(db, 'second');
  db.prepare('DELETE FROM exemplars WHERE id = ?').run(last);
  assert.ok(addExemplar(db, 'third') > last, 'the largest id is not reused after its row is deleted');

  const feedback = db.prepare("INSERT INTO feedback (decision_id, created_at) VALUES ('d', ?)");
  const gone = Number(feedback.run(now).lastInsertRowid);
  db.prepare('DELETE FROM feedback WHERE id = ?').run(gone);
  assert.ok(Number(feedback.run(now).lastInsertRowid) > gone);
});
