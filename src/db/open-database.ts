import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrations.js';

/**
 * One SQLite file holds the exemplars and the request ledger. WAL lets readers
 * and the single writer proceed together; the busy timeout absorbs a second
 * process (the seed script) writing at the same time.
 */
/**
 * Case folding for all of Unicode, for case-insensitive search: composed and
 * decomposed accents compare equal (NFC), and upper-casing first maps the
 * letters whose lower case is more than one letter (ß, ﬁ) the same way as their
 * capitals ("STRASSE" finds "straße").
 */
export function foldCase(text: string): string {
  return text.normalize('NFC').toUpperCase().toLowerCase();
}

export function openDatabase(path: string): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  // SQLite's lower() folds ASCII only: "QUÉ" would never find "qué".
  db.function('fold_case', { deterministic: true }, (text: unknown) => (typeof text === 'string' ? foldCase(text) : text));
  migrate(db);
  return db;
}
