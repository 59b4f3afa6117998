import type Database from 'better-sqlite3';
import { Hono } from 'hono';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { RequestTimeseries, TIMESERIES_BUCKETS } from '../ledger/request-timeseries.js';
import type { ServiceState } from '../service-state.js';

const SinceSchema = z.iso.datetime({ offset: true });
const BucketSchema = z.enum(TIMESERIES_BUCKETS);

/** One RequestTimeseries per database: its statements are prepared once. */
const byDatabase = new WeakMap<Database.Database, RequestTimeseries>();
function timeseriesFor(db: Database.Database): RequestTimeseries {
  let timeseries = byDatabase.get(db);
  if (!timeseries) {
    timeseries = new RequestTimeseries(db);
    byDatabase.set(db, timeseries);
  }
  return timeseries;
}

/** GET /v1/stats/timeseries?since=ISO-8601&bucket=hour|minute: requests, errors, cost and baseline per bucket. */
export function statsTimeseriesRoutes(state: ServiceState): Hono {
  const routes = new Hono();
  routes.get('/v1/stats/timeseries', (c) => {
    const since = c.req.query('since');
    let from: string | undefined;
    if (since !== undefined) {
      const parsed = SinceSchema.safeParse(since);
      if (!parsed.success)
        throw new AppError(
          'invalid_request',
          400,
          `since: expected an ISO-8601 date-time such as 2026-01-31T00:00:00Z, got "${since}"`,
        );
      from = new Date(parsed.data).toISOString();
    }
    const bucketParam = c.req.query('bucket') ?? 'hour';
    const bucket = BucketSchema.safeParse(bucketParam);
    if (!bucket.success) throw new AppError('invalid_request', 400, `bucket: expected "hour" or "minute", got "${bucketParam}"`);
    // The ledger's `requests` table lives in the exemplar store's database (see boot.ts).
    if (!state.admin) throw new AppError('not_ready', 503, state.startupError ?? 'the router is still loading; retry shortly');
    // The ledger writes its rows at the end of a turn; rows recorded in this one belong in the answer.
    state.proxy?.services.ledger.flush();
    return c.json(timeseriesFor(state.admin.store.db).series(from, bucket.data));
  });
  return routes;
}
