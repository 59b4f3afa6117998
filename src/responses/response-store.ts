import type Database from 'better-sqlite3';
import type { Response, ResponseInputItem } from 'openai/resources/responses/responses';

export interface StoredResponse {
  id: string;
  /** The routing table's model id that answered. */
  model: string;
  tier: string | undefined;
  /** The whole conversation up to and including this response's output, as input items. */
  conversation: ResponseInputItem[];
  response: Response;
  createdAt: number;
  /** A hash of the API key that created it (undefined for a keyless caller): the only key that may use it again. */
  owner: string | undefined;
}

/**
 * Who asks for a stored response. `owner` reaches that key's own responses;
 * `readsUnowned` also reaches the rows with no owner: those stored before
 * ownership existed (migration 7) or by a caller without a key. Nobody can
 * tell whose those were, so only a caller who could read everyone's anyway gets
 * them: the admin key, or anyone when the service has no client keys.
 */
export interface ResponseReader {
  owner: string | undefined;
  readsUnowned: boolean;
}

export interface ResponseStoreOptions {
  /** How long a stored response can be continued or read back. */
  ttlMs: number;
  now?: () => number;
}

/** Expired rows are deleted at most this often, by the writes themselves: no timer to stop. */
const PURGE_EVERY_MS = 60_000;

/**
 * Responses the router answered with `store` on (the Responses API default),
 * kept for `previous_response_id` until their TTL passes. A response past its
 * TTL is gone for readers at once, and deleted by a later write.
 */
export class ResponseStore {
  private readonly insert: Database.Statement;
  private readonly select: Database.Statement;
  private readonly purge: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly unowned: Database.Statement;
  private readonly now: () => number;
  private lastPurge = Number.NEGATIVE_INFINITY;

  constructor(
    db: Database.Database,
    private readonly options: ResponseStoreOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.insert = db.prepare(
      'INSERT OR REPLACE INTO responses (id, created_at, expires_at, model, tier, conversation, response, owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    // `IS` rather than `=`: a keyless caller's responses have a NULL owner, and only keyless callers match it, unless
    // the reader may read unowned rows (the last parameter, 1 or 0).
    const readable = 'id = ? AND (owner IS ? OR (owner IS NULL AND ?)) AND expires_at > ?';
    this.select = db.prepare(
      `SELECT id, created_at, model, tier, conversation, response, owner FROM responses WHERE ${readable}`,
    );
    this.remove = db.prepare(`DELETE FROM responses WHERE ${readable}`);
    this.unowned = db.prepare('SELECT 1 FROM responses WHERE id = ? AND owner IS NULL AND expires_at > ?');
    this.purge = db.prepare('DELETE FROM responses WHERE expires_at <= ?');
  }

  save(entry: Omit<StoredResponse, 'createdAt'>): void {
    const now = this.now();
    if (now - this.lastPurge >= PURGE_EVERY_MS) {
      this.purge.run(now);
      this.lastPurge = now;
    }
    this.insert.run(
      entry.id,
      now,
      now + this.options.ttlMs,
      entry.model,
      entry.tier ?? null,
      JSON.stringify(entry.conversation),
      JSON.stringify(entry.response),
      entry.owner ?? null,
    );
  }

  /**
   * The response if it exists, has not expired and the reader may use it.
   * Another key's response is as absent as an unknown one: ids appear in logs
   * and transcripts, and knowing one must not be enough to read a conversation.
   */
  find(id: string, reader: ResponseReader): StoredResponse | undefined {
    const row = this.select.get(...readableBy(id, reader), this.now()) as
      | {
          id: string;
          created_at: number;
          model: string;
          tier: string | null;
          conversation: string;
          response: string;
          owner: string | null;
        }
      | undefined;
    if (row === undefined) return undefined;
    return {
      id: row.id,
      model: row.model,
      tier: row.tier ?? undefined,
      conversation: JSON.parse(row.conversation) as ResponseInputItem[],
      response: JSON.parse(row.response) as Response,
      createdAt: row.created_at,
      owner: row.owner ?? undefined,
    };
  }

  /** Deletes a live response the reader may use; false when there was none (unknown, expired or another key's). */
  delete(id: string, reader: ResponseReader): boolean {
    return this.remove.run(...readableBy(id, reader), this.now()).changes > 0;
  }

  /** Whether a live response with this id has no owner: what a keyed caller is told when it asks for one. */
  isUnowned(id: string): boolean {
    return this.unowned.get(id, this.now()) !== undefined;
  }
}

function readableBy(id: string, reader: ResponseReader): [string, string | null, number] {
  return [id, reader.owner ?? null, reader.readsUnowned ? 1 : 0];
}
