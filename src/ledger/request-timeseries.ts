import type Database from 'better-sqlite3';

export const TIMESERIES_BUCKETS = ['hour', 'minute'] as const;
export type TimeseriesBucket = (typeof TIMESERIES_BUCKETS)[number];

export interface TimeseriesPoint {
  /** Start of the bucket, ISO-8601 UTC (`2026-01-31T10:00:00.000Z`). */
  start: string;
  requests: number;
  errors: number;
  /** Requests that the router routed (`model: "auto"`), as opposed to pass-through. */
  routed: number;
  cost_usd: number;
  baseline_cost_usd: number;
}

export interface Timeseries {
  since: string | null;
  bucket: TimeseriesBucket;
  /** Only buckets that hold at least one request, oldest first. */
  points: TimeseriesPoint[];
}

/**
 * `created_at` is always written by `new Date().toISOString()`, so a bucket is
 * a prefix of it: the first 13 characters name the hour, the first 16 the
 * minute. Grouping on the prefix keeps the query on the created_at index.
 */
const PREFIX_LENGTH: Record<TimeseriesBucket, number> = { hour: 13, minute: 16 };
const PREFIX_SUFFIX: Record<TimeseriesBucket, string> = { hour: ':00:00.000Z', minute: ':00.000Z' };

interface PointRow {
  prefix: string;
  requests: number;
  errors: number;
  routed: number;
  cost: number | null;
  baseline: number | null;
}

const roundUsd = (usd: number) => Math.round(usd * 1e10) / 1e10;

/**
 * Requests per time bucket from the `requests` ledger table, read-only. Cost
 * and baseline sum the same rows as GET /v1/stats does (the baseline only where
 * a cost is known), so the series adds up to the totals.
 */
export class RequestTimeseries {
  private readonly statements: Record<TimeseriesBucket, Database.Statement>;

  constructor(db: Database.Database) {
    const statement = (length: number) =>
      db.prepare(`
        SELECT substr(created_at, 1, ${length}) AS prefix, COUNT(*) AS requests, SUM(status = 'error') AS errors,
          SUM(routed) AS routed, SUM(cost_usd) AS cost,
          SUM(CASE WHEN cost_usd IS NOT NULL THEN baseline_cost_usd END) AS baseline
        FROM requests WHERE created_at >= ? GROUP BY prefix ORDER BY prefix`);
    this.statements = { hour: statement(PREFIX_LENGTH.hour), minute: statement(PREFIX_LENGTH.minute) };
  }

  series(since: string | undefined, bucket: TimeseriesBucket): Timeseries {
    const rows = this.statements[bucket].all(since ?? '') as PointRow[];
    return {
      since: since ?? null,
      bucket,
      points: rows.map((row) => ({
        start: `${row.prefix}${PREFIX_SUFFIX[bucket]}`,
        requests: row.requests,
        errors: row.errors,
        routed: row.routed,
        cost_usd: roundUsd(row.cost ?? 0),
        baseline_cost_usd: roundUsd(row.baseline ?? 0),
      })),
    };
  }
}
