import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../logger.js';
import type { RouterMetrics } from '../metrics/metrics.js';
import type { AppEnv } from './app-env.js';

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Gives every request an id (the client's `x-request-id` when it is sane),
 * a logger that stamps it on every line, an access-log line and the request
 * metrics. The id becomes the decision id, so logs, ledger and headers agree.
 */
export function requestContext(options: { logger: Logger; metrics: RouterMetrics }): MiddlewareHandler<AppEnv> {
  return async function context(c, next) {
    const started = performance.now();
    const offered = c.req.header('x-request-id');
    const requestId = offered !== undefined && CLIENT_REQUEST_ID.test(offered) ? offered : randomUUID();
    const log = options.logger.child({ request_id: requestId });
    c.set('requestId', requestId);
    c.set('log', log);
    try {
      await next();
    } finally {
      c.header('x-request-id', requestId);
      const endpoint = c.req.routePath && c.req.routePath !== '/*' ? c.req.routePath : 'unmatched';
      const seconds = (performance.now() - started) / 1000;
      options.metrics.observeRequest(endpoint, c.req.method, c.res.status, seconds);
      log.info('request', { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(seconds * 10000) / 10 });
    }
  };
}
