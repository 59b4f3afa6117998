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
    // `IS` rather than `=`: a keyless caller's responses have a NULL owner, and only keyless callers match it.
    this.select = db.prepare(
      'SELECT id, created_at, model, tier, conversation, response, owner FROM responses WHERE id = ? AND owner IS ? AND expires_at > ?',
    );
    this.remove = db.prepare('DELETE FROM responses WHERE id = ? AND owner IS ? AND expires_at > ?');
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
   * The response if it exists, has not expired and belongs to `owner`. Another
   * key's response is as absent as an unknown one: ids appear in logs and
   * transcripts, and knowing one must not be enough to read a conversation.
   */
  find(id: string, owner: string | undefined): StoredResponse | undefined {
    const row = this.select.get(id, owner ?? null, this.now()) as
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

  /** Deletes `owner`'s live response; false when there was none to delete (unknown, expired or another key's). */
  delete(id: string, owner: string | undefined): boolean {
    return this.remove.run(id, owner ?? null, this.now()).changes > 0;
  }
}
