import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { openDatabase } from '../db/open-database.js';
import type { Axis } from '../routes-config/schemas.js';

export interface StoredExemplar {
  id: number;
  axis: Axis;
  label: string;
  text: string;
  lang: string;
  source: string;
  contentHash: string;
}

export interface ExemplarState {
  id: number;
  label: string;
  lang: string;
  source: string;
  hasVector: boolean;
}

/** A row to insert or update, with its vector for the active embedder when it was just embedded. */
export interface ExemplarWrite {
  axis: Axis;
  label: string;
  text: string;
  lang: string;
  source: string;
  contentHash: string;
  vector: Float32Array | undefined;
}

export interface ExemplarChange {
  embedderId: string;
  writes: readonly ExemplarWrite[];
  /** Vectors for rows that exist already but lacked one for this embedder. */
  vectors: readonly { exemplarId: number; vector: Float32Array }[];
  deleteIds: readonly number[];
}

export interface ExemplarFilter {
  axis?: Axis | undefined;
  label?: string | undefined;
  lang?: string | undefined;
  /** Case-insensitive substring of the text. */
  q?: string | undefined;
  limit: number;
  offset: number;
}

export interface ExemplarRecord extends StoredExemplar {
  createdAt: string;
  updatedAt: string;
}

export interface LabelCount {
  axis: Axis;
  label: string;
  lang: string;
  count: number;
}

export interface VectorRow extends StoredExemplar {
  vector: Float32Array;
}

function vectorToBlob(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

function blobToVector(blob: Buffer): Float32Array {
  // Copy into a fresh, aligned buffer: SQLite's blob may start at any byte offset.
  const copy = new Float32Array(blob.byteLength / 4);
  new Uint8Array(copy.buffer).set(blob);
  return copy;
}

/**
 * Labelled exemplars and their embeddings in SQLite. Every multi-row write is
 * one transaction, so a crash or a bad row never leaves half a change behind.
 */
export class ExemplarStore {
  private readonly statements;

  private constructor(readonly db: Database.Database) {
    this.statements = {
      upsert: db.prepare(`
        INSERT INTO exemplars (axis, label, text, lang, source, content_hash, created_at, updated_at)
        VALUES (@axis, @label, @text, @lang, @source, @contentHash, @now, @now)
        ON CONFLICT (content_hash) DO UPDATE SET
          label = excluded.label, text = excluded.text, lang = excluded.lang, source = excluded.source, updated_at = excluded.updated_at
        RETURNING id`),
      saveVector: db.prepare('INSERT OR REPLACE INTO embeddings (exemplar_id, embedder_id, dim, vector) VALUES (?, ?, ?, ?)'),
      deleteExemplar: db.prepare('DELETE FROM exemplars WHERE id = ?'),
      bumpRevision: db.prepare(
        "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'exemplar_revision'",
      ),
      revision: db.prepare("SELECT value FROM meta WHERE key = 'exemplar_revision'"),
      // embeddings is WITHOUT ROWID with the vectors inline, so probing it row by row reads a page per exemplar
      // (~0.2 s for 10k at boot); the ids that have a vector come from the embedder_id index alone instead.
      states: db.prepare('SELECT content_hash AS contentHash, id, label, lang, source FROM exemplars'),
      idsWithVector: db.prepare('SELECT exemplar_id FROM embeddings WHERE embedder_id = ?').pluck(),
      texts: db.prepare('SELECT id, text FROM exemplars ORDER BY id'),
      // CROSS JOIN keeps exemplars as the outer loop, read in id order: no temporary sort of 10k rows with their blobs.
      vectors: db.prepare(`
        SELECT e.id, e.axis, e.label, e.text, e.lang, e.source, e.content_hash AS contentHash, v.vector
        FROM exemplars e CROSS JOIN embeddings v ON v.exemplar_id = e.id AND v.embedder_id = ?
        ORDER BY e.id`),
      counts: db.prepare(
        'SELECT axis, label, lang, COUNT(*) AS count FROM exemplars GROUP BY axis, label, lang ORDER BY axis, label, lang',
      ),
      hashesAndLabels: db.prepare('SELECT content_hash AS contentHash, label FROM exemplars ORDER BY content_hash'),
      total: db.prepare('SELECT COUNT(*) AS n FROM exemplars'),
      bySource: db.prepare('SELECT id, content_hash AS contentHash FROM exemplars WHERE source = ?'),
      byId: db.prepare(`SELECT id, axis, label, text, lang, source, content_hash AS contentHash, created_at AS createdAt,
        updated_at AS updatedAt FROM exemplars WHERE id = ?`),
      idByHash: db.prepare('SELECT id FROM exemplars WHERE content_hash = ?'),
      updateById: db.prepare(`UPDATE exemplars SET label = @label, text = @text, lang = @lang, content_hash = @contentHash,
        updated_at = @now WHERE id = @id`),
      deleteVectors: db.prepare('DELETE FROM embeddings WHERE exemplar_id = ?'),
    };
  }

  static open(path: string): ExemplarStore {
    return new ExemplarStore(openDatabase(path));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  isEmpty(): boolean {
    return (this.statements.total.get() as { n: number }).n === 0;
  }

  /** What the store knows of every exemplar, keyed by content hash, from the point of view of one embedder. */
  statesByHash(embedderId: string): Map<string, ExemplarState> {
    const withVector = new Set(this.statements.idsWithVector.all(embedderId) as number[]);
    const rows = this.statements.states.all() as (Omit<ExemplarState, 'hasVector'> & { contentHash: string })[];
    return new Map(rows.map((row) => [row.contentHash, { ...row, hasVector: withVector.has(row.id) }]));
  }

  idsBySource(source: string): Map<string, number> {
    const rows = this.statements.bySource.all(source) as { id: number; contentHash: string }[];
    return new Map(rows.map((row) => [row.contentHash, row.id]));
  }

  missingVectors(embedderId: string): { id: number; text: string }[] {
    const withVector = new Set(this.statements.idsWithVector.all(embedderId) as number[]);
    return (this.statements.texts.all() as { id: number; text: string }[]).filter((row) => !withVector.has(row.id));
  }

  /** Applies a whole change atomically; returns true when the exemplar set changed (and its revision went up). */
  apply(change: ExemplarChange): boolean {
    const now = new Date().toISOString();
    return this.db.transaction(() => {
      for (const write of change.writes) {
        const { id } = this.statements.upsert.get({ ...write, now }) as { id: number };
        if (write.vector) this.statements.saveVector.run(id, change.embedderId, write.vector.length, vectorToBlob(write.vector));
      }
      for (const { exemplarId, vector } of change.vectors) {
        this.statements.saveVector.run(exemplarId, change.embedderId, vector.length, vectorToBlob(vector));
      }
      for (const id of change.deleteIds) this.statements.deleteExemplar.run(id);
      const changed = change.writes.length > 0 || change.deleteIds.length > 0;
      if (changed) this.statements.bumpRevision.run();
      return changed;
    })();
  }

  get(id: number): ExemplarRecord | undefined {
    return this.statements.byId.get(id) as ExemplarRecord | undefined;
  }

  idOfHash(contentHash: string): number | undefined {
    return (this.statements.idByHash.get(contentHash) as { id: number } | undefined)?.id;
  }

  /** Filtered, paged listing; `q` matches anywhere in the text, ignoring case in every script. */
  list(filter: ExemplarFilter): { total: number; items: ExemplarRecord[] } {
    const where: string[] = [];
    const params: Record<string, string | number> = { limit: filter.limit, offset: filter.offset };
    for (const field of ['axis', 'label', 'lang'] as const) {
      const value = filter[field];
      if (!value) continue;
      where.push(`${field} = @${field}`);
      params[field] = value;
    }
    if (filter.q) {
      where.push('instr(fold_case(text), fold_case(@q)) > 0');
      params.q = filter.q;
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM exemplars ${clause}`).get(params) as { n: number }).n;
    const items = this.db
      .prepare(
        `SELECT id, axis, label, text, lang, source, content_hash AS contentHash, created_at AS createdAt, updated_at AS updatedAt
         FROM exemplars ${clause} ORDER BY id LIMIT @limit OFFSET @offset`,
      )
      .all(params) as ExemplarRecord[];
    return { total, items };
  }

  /** Every exemplar, in id order, for export. */
  *all(): Generator<ExemplarRecord> {
    yield* this.db
      .prepare(
        `SELECT id, axis, label, text, lang, source, content_hash AS contentHash, created_at AS createdAt, updated_at AS updatedAt
         FROM exemplars ORDER BY id`,
      )
      .iterate() as Iterable<ExemplarRecord>;
  }

  /**
   * Edits one row in place (its id stays), replacing its vector when the text
   * changed; one transaction, and the revision goes up.
   */
  update(
    id: number,
    fields: { label: string; text: string; lang: string; contentHash: string },
    vector: { embedderId: string; vector: Float32Array } | undefined,
  ): void {
    this.db.transaction(() => {
      this.statements.updateById.run({ ...fields, id, now: new Date().toISOString() });
      if (vector) {
        this.statements.deleteVectors.run(id);
        this.statements.saveVector.run(id, vector.embedderId, vector.vector.length, vectorToBlob(vector.vector));
      }
      this.statements.bumpRevision.run();
    })();
  }

  vectorRows(embedderId: string): VectorRow[] {
    const rows = this.statements.vectors.all(embedderId) as (StoredExemplar & { vector: Buffer })[];
    for (const row of rows) (row as unknown as VectorRow).vector = blobToVector(row.vector);
    return rows as unknown as VectorRow[];
  }

  labelCounts(): LabelCount[] {
    return this.statements.counts.all() as LabelCount[];
  }

  /** Increases on every change; comparable across time on one database. */
  revision(): number {
    return Number((this.statements.revision.get() as { value: string }).value);
  }

  /** Identifies the exemplar set by content, so replicas seeded from the same files report the same version. */
  version(): string {
    const hash = createHash('sha256');
    for (const row of this.statements.hashesAndLabels.iterate() as Iterable<{ contentHash: string; label: string }>) {
      hash.update(`${row.contentHash}:${row.label}\n`);
    }
    return hash.digest('hex').slice(0, 16);
  }
}
