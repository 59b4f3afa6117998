import { Hono } from 'hono';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { AppEnv } from './app-env.js';

const SinceSchema = z.iso.datetime({ offset: true });

/** The `since` query parameter as an ISO-8601 instant, undefined when absent; anything else is a 400. */
export function sinceParameter(since: string | undefined): string | undefined {
  if (since === undefined) return undefined;
  const parsed = SinceSchema.safeParse(since);
  if (!parsed.success)
    throw new AppError(
      'invalid_request',
      400,
      `since: expected an ISO-8601 date-time such as 2026-01-31T00:00:00Z, got "${since}"`,
    );
  return new Date(parsed.data).toISOString();
}

/** GET /v1/stats?since=ISO-8601: requests, cost, baseline cost and savings, by tier, intent and model. */
export function statsRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/v1/stats', (c) => c.json(c.get('services').ledger.stats(sinceParameter(c.req.query('since')))));
  return routes;
}
