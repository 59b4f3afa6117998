import type Database from 'better-sqlite3';

export interface FeedbackInput {
  decisionId: string;
  rating: number | undefined;
  expectedTier: string | undefined;
  expectedIntent: string | undefined;
  decidedTier: string | undefined;
  decidedIntent: string | undefined;
  query: string | undefined;
  comment: string | undefined;
}

export interface FeedbackRecord {
  id: number;
  decision_id: string;
  created_at: string;
  rating: number | null;
  expected_tier: string | null;
  expected_intent: string | null;
  decided_tier: string | null;
  decided_intent: string | null;
  query: string | null;
  comment: string | null;
  status: 'open' | 'promoted' | 'dismissed';
  promoted_ids: number[] | null;
}

type Row = Omit<FeedbackRecord, 'promoted_ids'> & { promoted_ids: string | null };

const parse = (row: Row): FeedbackRecord => ({
  ...row,
  promoted_ids: row.promoted_ids === null ? null : (JSON.parse(row.promoted_ids) as number[]),
});

/** Ratings and corrections from clients, kept with the decision they are about. */
export class FeedbackStore {
  private readonly insert;
  private readonly byId;
  private readonly setStatus;

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare(`INSERT INTO feedback (decision_id, created_at, rating, expected_tier, expected_intent, decided_tier,
      decided_intent, query, comment) VALUES (@decisionId, @createdAt, @rating, @expectedTier, @expectedIntent, @decidedTier,
      @decidedIntent, @query, @comment) RETURNING id`);
    this.byId = db.prepare('SELECT * FROM feedback WHERE id = ?');
    this.setStatus = db.prepare('UPDATE feedback SET status = ?, promoted_ids = ? WHERE id = ?');
  }

  add(input: FeedbackInput): FeedbackRecord {
    const nullable = Object.fromEntries(Object.entries(input).map(([key, value]) => [key, value ?? null]));
    const { id } = this.insert.get({ ...nullable, createdAt: new Date().toISOString() }) as { id: number };
    return this.get(id)!;
  }

  get(id: number): FeedbackRecord | undefined {
    const row = this.byId.get(id) as Row | undefined;
    return row && parse(row);
  }

  /** Corrections are feedback that names the label a query should have had. */
  list(filter: { status?: string | undefined; correctionsOnly: boolean; limit: number; offset: number }): {
    total: number;
    items: FeedbackRecord[];
  } {
    const where: string[] = [];
    if (filter.status) where.push('status = @status');
    if (filter.correctionsOnly) where.push('(expected_tier IS NOT NULL OR expected_intent IS NOT NULL)');
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const params = { status: filter.status ?? null, limit: filter.limit, offset: filter.offset };
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM feedback ${clause}`).get(params) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT * FROM feedback ${clause} ORDER BY id DESC LIMIT @limit OFFSET @offset`)
      .all(params) as Row[];
    return { total, items: rows.map(parse) };
  }

  mark(id: number, status: 'promoted' | 'dismissed', promotedIds: number[] | undefined): void {
    this.setStatus.run(status, promotedIds ? JSON.stringify(promotedIds) : null, id);
  }
}
