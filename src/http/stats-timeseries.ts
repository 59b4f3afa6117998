import { Hono } from 'hono';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { TIMESERIES_BUCKETS } from '../ledger/request-timeseries.js';
import type { AppEnv } from './app-env.js';
import { sinceParameter } from './stats.js';

const BucketSchema = z.enum(TIMESERIES_BUCKETS);

/** GET /v1/stats/timeseries?since=ISO-8601&bucket=hour|minute: requests, errors, cost and baseline per bucket. */
export function statsTimeseriesRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/v1/stats/timeseries', (c) => {
    const from = sinceParameter(c.req.query('since'));
    const bucketParam = c.req.query('bucket') ?? 'hour';
    const bucket = BucketSchema.safeParse(bucketParam);
    if (!bucket.success) throw new AppError('invalid_request', 400, `bucket: expected "hour" or "minute", got "${bucketParam}"`);
    const { ledger, timeseries } = c.get('services');
    // The ledger writes its rows at the end of a turn; rows recorded in this one belong in the answer.
    ledger.flush();
    return c.json(timeseries.series(from, bucket.data));
  });
  return routes;
}
