import type { MiddlewareHandler } from 'hono';
import { AppError } from '../errors.js';
import type { RouterServices } from '../services.js';
import type { AppEnv } from './app-env.js';

/**
 * The one readiness check: the service listens while the embedder and the
 * exemplars load, and every route that needs them answers not_ready until
 * boot has produced the whole services record.
 */
export function ready(services: () => RouterServices | undefined): MiddlewareHandler<AppEnv> {
  return async function readiness(c, next) {
    const current = services();
    if (!current) throw new AppError('not_ready', 503, 'the router is still loading its embedder and exemplars; retry shortly');
    c.set('services', current);
    await next();
  };
}
