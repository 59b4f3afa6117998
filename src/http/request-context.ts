import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../logger.js';
import type { RouterMetrics } from '../metrics/metrics.js';
import type { AppEnv } from './app-env.js';
import { afterResponse } from './node-request.js';

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Gives every request an id of ours (a UUID), a logger that stamps it on every
 * line, an access-log line and the request metrics. The id becomes the
 * decision id, so logs, ledger and headers agree. A client's own
 * `x-request-id` (when it is sane) is recorded beside it, never used as a key:
 * as the ledger's key it let a client overwrite, or hide, its own rows.
 */
export function requestContext(options: { logger: Logger; metrics: RouterMetrics }): MiddlewareHandler<AppEnv> {
  return async function context(c, next) {
    const started = performance.now();
    const offered = c.req.header('x-request-id');
    const clientRequestId = offered !== undefined && CLIENT_REQUEST_ID.test(offered) ? offered : undefined;
    const requestId = randomUUID();
    const fields: Record<string, string> = { request_id: requestId };
    if (clientRequestId !== undefined) fields.client_request_id = clientRequestId;
    // With tracing on, every line of the request names its trace, so a log line leads to the trace and back.
    const traceId = c.get('trace')?.traceId;
    if (traceId !== undefined) fields.trace_id = traceId;
    const log = options.logger.child(fields);
    c.set('requestId', requestId);
    c.set('clientRequestId', clientRequestId);
    c.set('log', log);
    // Set before the handler runs, so every response Hono builds (c.json, errors) carries it from the start.
    // Setting it afterwards made Hono rebuild the finished response around a web stream: node-server then
    // wrote it through a stream reader instead of in one piece (about 5% of a proxied call's CPU).
    c.header('x-request-id', requestId);
    try {
      await next();
    } finally {
      // A handler that returns its own Response (an SSE stream) bypasses the prepared headers.
      if (c.res.headers.get('x-request-id') !== requestId) c.header('x-request-id', requestId);
      const endpoint = c.req.routePath && c.req.routePath !== '/*' ? c.req.routePath : 'unmatched';
      const seconds = (performance.now() - started) / 1000;
      const { method, path } = c.req;
      const status = c.res.status;
      // Measured here, reported once the response is on its way: the client does not wait for our bookkeeping.
      afterResponse(c, () => {
        options.metrics.observeRequest(endpoint, method, status, seconds);
        log.info('request', { method, path, status, ms: Math.round(seconds * 10000) / 10 });
      });
    }
  };
}
