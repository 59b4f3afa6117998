import type Database from 'better-sqlite3';

/**
 * Append-only: a shipped migration is never edited, a change gets a new entry.
 * `rebuildsTables` runs the migration with foreign keys off (SQLite's
 * table-rebuild procedure): dropping a referenced table with them on would
 * cascade its delete into the tables that reference it.
 */
const MIGRATIONS: readonly { version: number; name: string; sql: string; rebuildsTables?: boolean }[] = [
  {
    version: 1,
    name: 'exemplars and embeddings',
    sql: `
      CREATE TABLE exemplars (
        id           INTEGER PRIMARY KEY,
        axis         TEXT NOT NULL CHECK (axis IN ('tier', 'intent')),
        label        TEXT NOT NULL,
        text         TEXT NOT NULL,
        lang         TEXT NOT NULL DEFAULT 'en',
        source       TEXT NOT NULL,
        content_hash TEXT NOT NULL UNIQUE,
        created_at   TEXT NOT NULL,
        updated_at   TEXT NOT NULL
      );
      CREATE INDEX exemplars_axis_label ON exemplars (axis, label);
      CREATE TABLE embeddings (
        exemplar_id INTEGER NOT NULL REFERENCES exemplars (id) ON DELETE CASCADE,
        embedder_id TEXT NOT NULL,
        dim         INTEGER NOT NULL,
        vector      BLOB NOT NULL,
        PRIMARY KEY (exemplar_id, embedder_id)
      ) WITHOUT ROWID;
      CREATE INDEX embeddings_embedder ON embeddings (embedder_id);
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      INSERT INTO meta (key, value) VALUES ('exemplar_revision', '0');
    `,
  },
  {
    version: 2,
    name: 'request ledger',
    sql: `
      CREATE TABLE requests (
        decision_id        TEXT PRIMARY KEY,
        created_at         TEXT NOT NULL,
        endpoint           TEXT NOT NULL,
        routed             INTEGER NOT NULL,
        strategy           TEXT,
        tier               TEXT,
        intent             TEXT,
        provider           TEXT,
        model              TEXT,
        attempts           TEXT NOT NULL,
        route_ms           REAL,
        upstream_ms        REAL,
        total_ms           REAL NOT NULL,
        input_tokens       INTEGER,
        output_tokens      INTEGER,
        tokens_estimated   INTEGER NOT NULL DEFAULT 0,
        cost_usd           REAL,
        baseline_cost_usd  REAL,
        status             TEXT NOT NULL,
        http_status        INTEGER NOT NULL,
        error_code         TEXT,
        prompt             TEXT
      );
      CREATE INDEX requests_created_at ON requests (created_at);
    `,
  },
  {
    version: 3,
    name: 'feedback',
    sql: `
      CREATE TABLE feedback (
        id               INTEGER PRIMARY KEY,
        decision_id      TEXT NOT NULL,
        created_at       TEXT NOT NULL,
        rating           INTEGER,
        expected_tier    TEXT,
        expected_intent  TEXT,
        decided_tier     TEXT,
        decided_intent   TEXT,
        query            TEXT,
        comment          TEXT,
        status           TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'promoted', 'dismissed')),
        promoted_ids     TEXT
      );
      CREATE INDEX feedback_decision ON feedback (decision_id);
      CREATE INDEX feedback_status ON feedback (status);
    `,
  },
  {
    version: 4,
    name: 'exemplar and feedback ids are never reused',
    // Without AUTOINCREMENT SQLite hands a deleted row's id to the next insert when it was the largest, so a stale
    // PATCH or DELETE /admin/exemplars/:id (or a promote of an old feedback id) could hit a different row.
    rebuildsTables: true,
    sql: `
      CREATE TABLE exemplars_v4 (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        axis         TEXT NOT NULL CHECK (axis IN ('tier', 'intent')),
        label        TEXT NOT NULL,
        text         TEXT NOT NULL,
        lang         TEXT NOT NULL DEFAULT 'en',
        source       TEXT NOT NULL,
        content_hash TEXT NOT NULL UNIQUE,
        created_at   TEXT NOT NULL,
        updated_at   TEXT NOT NULL
      );
      INSERT INTO exemplars_v4 SELECT id, axis, label, text, lang, source, content_hash, created_at, updated_at FROM exemplars;
      DROP TABLE exemplars;
      ALTER TABLE exemplars_v4 RENAME TO exemplars;
      CREATE INDEX exemplars_axis_label ON exemplars (axis, label);

      CREATE TABLE feedback_v4 (
        id               INTEGER PRIMARY KEY AUTOINCREMENT,
        decision_id      TEXT NOT NULL,
        created_at       TEXT NOT NULL,
        rating           INTEGER,
        expected_tier    TEXT,
        expected_intent  TEXT,
        decided_tier     TEXT,
        decided_intent   TEXT,
        query            TEXT,
        comment          TEXT,
        status           TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'promoted', 'dismissed')),
        promoted_ids     TEXT
      );
      INSERT INTO feedback_v4 SELECT id, decision_id, created_at, rating, expected_tier, expected_intent, decided_tier,
        decided_intent, query, comment, status, promoted_ids FROM feedback;
      DROP TABLE feedback;
      ALTER TABLE feedback_v4 RENAME TO feedback;
      CREATE INDEX feedback_decision ON feedback (decision_id);
      CREATE INDEX feedback_status ON feedback (status);
    `,
  },
  {
    version: 5,
    name: "the client's x-request-id beside the decision id",
    // The decision id used to be the client's x-request-id: five calls sent with one id reached the upstream five
    // times and left one row. It is ours now; the client's id is kept here, for joining with the client's logs.
    sql: `
      ALTER TABLE requests ADD COLUMN client_request_id TEXT;
      CREATE INDEX requests_client_request_id ON requests (client_request_id);
    `,
  },
  {
    version: 6,
    name: 'stored responses',
    // What POST /v1/responses stored, for previous_response_id: the conversation so far as input items (JSON), the
    // Response as answered, and the model that served it, so the next step of a tool loop can stay on it.
    sql: `
      CREATE TABLE responses (
        id            TEXT PRIMARY KEY,
        created_at    INTEGER NOT NULL,
        expires_at    INTEGER NOT NULL,
        model         TEXT NOT NULL,
        tier          TEXT,
        conversation  TEXT NOT NULL,
        response      TEXT NOT NULL
      );
      CREATE INDEX responses_expires_at ON responses (expires_at);
    `,
  },
  {
    version: 7,
    name: 'stored responses owner',
    // A hash of the API key that created the response: only that key may continue, read or delete it (ids travel in
    // logs and agent transcripts). Rows from before have none: only the admin key (or anyone, on a service without
    // client keys) can use them until they expire (ResponseReader in src/responses/response-store.ts).
    sql: `ALTER TABLE responses ADD COLUMN owner TEXT;`,
  },
];

/** Applies every migration not applied yet (up to `upTo`, for tests that need an older schema); returns how many ran. */
export function migrate(db: Database.Database, upTo = Number.POSITIVE_INFINITY): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((row) => row.version),
  );
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  let count = 0;
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version) || migration.version > upTo) continue;
    // PRAGMA foreign_keys is a no-op inside a transaction, so it is switched around it.
    const foreignKeys = db.pragma('foreign_keys', { simple: true }) === 1;
    if (migration.rebuildsTables && foreignKeys) db.pragma('foreign_keys = OFF');
    try {
      db.transaction(() => {
        db.exec(migration.sql);
        if (migration.rebuildsTables) {
          const broken = db.pragma('foreign_key_check') as unknown[];
          if (broken.length > 0)
            throw new Error(`migration ${migration.version} (${migration.name}) left ${broken.length} dangling foreign keys`);
        }
        record.run(migration.version, migration.name, new Date().toISOString());
      })();
    } finally {
      if (migration.rebuildsTables && foreignKeys) db.pragma('foreign_keys = ON');
    }
    count++;
  }
  return count;
}
