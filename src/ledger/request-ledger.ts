import type Database from 'better-sqlite3';
import type { AttemptRecord } from '../providers/forward.js';

export type LedgerStatus = 'ok' | 'error' | 'client_closed';

/** A client that left is not a failure of the router or an upstream: its own status, not `error`. */
export function ledgerStatus(errorCode: string | undefined): LedgerStatus {
  if (errorCode === undefined) return 'ok';
  return errorCode === 'client_closed' ? 'client_closed' : 'error';
}

export interface LedgerEntry {
  decisionId: string;
  /** The client's `x-request-id`, when it sent one: for joining with the client's logs, never a key. */
  clientRequestId?: string | undefined;
  createdAt: string;
  endpoint: string;
  /** False when the client named a concrete model (pass-through). */
  routed: boolean;
  strategy: string | undefined;
  tier: string | undefined;
  intent: string | undefined;
  provider: string | undefined;
  model: string | undefined;
  attempts: readonly AttemptRecord[];
  routeMs: number | undefined;
  upstreamMs: number | undefined;
  totalMs: number;
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  tokensEstimated: boolean;
  costUsd: number | undefined;
  /** The part of costUsd spent asking the cascade for the tier (metrics count it under the cascade's model). */
  cascadeCostUsd?: number | undefined;
  baselineCostUsd: number | undefined;
  /** `client_closed`: the client went away before the answer was complete; not counted as an error. */
  status: LedgerStatus;
  httpStatus: number;
  errorCode: string | undefined;
  /** Only when LEDGER_STORE_PROMPTS is on. */
  prompt: string | undefined;
}

export interface StatsBucket {
  requests: number;
  errors: number;
  cost_usd: number;
  baseline_cost_usd: number;
  savings_pct: number | null;
  input_tokens: number;
  output_tokens: number;
}

export interface LedgerStats extends StatsBucket {
  since: string | null;
  by_tier: Record<string, StatsBucket>;
  by_intent: Record<string, StatsBucket>;
  by_model: Record<string, StatsBucket>;
}

interface BucketRow {
  key: string | null;
  requests: number;
  errors: number;
  cost: number | null;
  baseline: number | null;
  input: number | null;
  output: number | null;
}

function bucket(row: BucketRow | undefined): StatsBucket {
  const cost = row?.cost ?? 0;
  const baseline = row?.baseline ?? 0;
  return {
    requests: row?.requests ?? 0,
    errors: row?.errors ?? 0,
    cost_usd: Math.round(cost * 1e10) / 1e10,
    baseline_cost_usd: Math.round(baseline * 1e10) / 1e10,
    savings_pct: baseline > 0 ? Math.round((1 - cost / baseline) * 10000) / 100 : null,
    input_tokens: row?.input ?? 0,
    output_tokens: row?.output ?? 0,
  };
}

const AGGREGATES = `COUNT(*) AS requests, SUM(status = 'error') AS errors, SUM(cost_usd) AS cost,
  SUM(CASE WHEN cost_usd IS NOT NULL THEN baseline_cost_usd END) AS baseline,
  SUM(input_tokens) AS input, SUM(output_tokens) AS output`;

/**
 * Every proxied request, its decision, attempts, tokens and cost, in SQLite.
 * Savings compare what was paid with what the baseline model would have cost
 * for the same tokens.
 */
export interface RequestLedgerOptions {
  /** A row that could not be written (the request was answered; only its record is lost). */
  onWriteError?: (error: Error, entry: LedgerEntry) => void;
}

/**
 * Rows are written after the answer, not before it: `record` queues the row
 * and the queue is written in one transaction at the end of the event-loop turn
 * (its check phase, after the turn's responses went out). A forwarded call no
 * longer waits for SQLite, and under load one commit carries every row of the
 * turn. Nothing can read a stale ledger: every read here flushes first, and a
 * request that arrives over HTTP is read from the socket in a later turn than
 * the one that queued the rows. `flush()` before closing the database.
 */
export class RequestLedger {
  private readonly insert;
  private readonly insertBatch;
  private readonly totals;
  private readonly grouped;
  private readonly onWriteError: (error: Error, entry: LedgerEntry) => void;
  private pending: LedgerEntry[] = [];
  private scheduled = false;

  constructor(
    private readonly db: Database.Database,
    options: RequestLedgerOptions = {},
  ) {
    this.onWriteError =
      options.onWriteError ??
      ((error, entry) =>
        process.emitWarning(`ledger write failed for ${entry.decisionId}: ${error.message}`, 'RequestLedgerWarning'));
    this.insert = db.prepare(`
      INSERT INTO requests (decision_id, client_request_id, created_at, endpoint, routed, strategy, tier, intent, provider, model, attempts,
        route_ms, upstream_ms, total_ms, input_tokens, output_tokens, tokens_estimated, cost_usd, baseline_cost_usd,
        status, http_status, error_code, prompt)
      VALUES (@decisionId, @clientRequestId, @createdAt, @endpoint, @routed, @strategy, @tier, @intent, @provider, @model, @attempts,
        @routeMs, @upstreamMs, @totalMs, @inputTokens, @outputTokens, @tokensEstimated, @costUsd, @baselineCostUsd,
        @status, @httpStatus, @errorCode, @prompt)`);
    this.insertBatch = db.transaction((entries: readonly LedgerEntry[]) => {
      for (const entry of entries) {
        try {
          this.write(entry);
        } catch (error) {
          // SQLite undoes only the failed statement; the rest of the batch still commits.
          this.onWriteError(error as Error, entry);
        }
      }
    });
    this.totals = db.prepare(`SELECT NULL AS key, ${AGGREGATES} FROM requests WHERE created_at >= ?`);
    this.grouped = {
      tier: db.prepare(`SELECT tier AS key, ${AGGREGATES} FROM requests WHERE created_at >= ? GROUP BY tier`),
      intent: db.prepare(`SELECT intent AS key, ${AGGREGATES} FROM requests WHERE created_at >= ? GROUP BY intent`),
      model: db.prepare(`SELECT model AS key, ${AGGREGATES} FROM requests WHERE created_at >= ? GROUP BY model`),
    };
  }

  /** Queues the row; it is written at the end of this event-loop turn (or by the next read or `flush()`). */
  record(entry: LedgerEntry): void {
    this.pending.push(entry);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Writes every queued row now, in one transaction; a row that fails is reported and the others are kept. */
  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      this.insertBatch(batch);
    } catch (error) {
      // The transaction itself failed (the database is closed or stayed locked): none of the rows is in.
      for (const entry of batch) this.onWriteError(error as Error, entry);
    }
  }

  private write(entry: LedgerEntry): void {
    this.insert.run({
      ...entry,
      clientRequestId: entry.clientRequestId ?? null,
      routed: entry.routed ? 1 : 0,
      tokensEstimated: entry.tokensEstimated ? 1 : 0,
      attempts: JSON.stringify(entry.attempts),
      strategy: entry.strategy ?? null,
      tier: entry.tier ?? null,
      intent: entry.intent ?? null,
      provider: entry.provider ?? null,
      model: entry.model ?? null,
      routeMs: entry.routeMs ?? null,
      upstreamMs: entry.upstreamMs ?? null,
      inputTokens: entry.inputTokens ?? null,
      outputTokens: entry.outputTokens ?? null,
      costUsd: entry.costUsd ?? null,
      baselineCostUsd: entry.baselineCostUsd ?? null,
      errorCode: entry.errorCode ?? null,
      prompt: entry.prompt ?? null,
    });
  }

  stats(since: string | undefined): LedgerStats {
    this.flush();
    const from = since ?? '';
    const group = (statement: Database.Statement) =>
      Object.fromEntries((statement.all(from) as BucketRow[]).map((row) => [row.key ?? 'none', bucket(row)]));
    return {
      since: since ?? null,
      ...bucket(this.totals.get(from) as BucketRow | undefined),
      by_tier: group(this.grouped.tier),
      by_intent: group(this.grouped.intent),
      by_model: group(this.grouped.model),
    };
  }

  /** One request's row, for tests and the dashboard. */
  get(decisionId: string): Record<string, unknown> | undefined {
    this.flush();
    return this.db.prepare('SELECT * FROM requests WHERE decision_id = ?').get(decisionId) as Record<string, unknown> | undefined;
  }
}
