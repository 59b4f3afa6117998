import type { MiddlewareHandler } from 'hono';

/**
 * While the service drains (after SIGTERM), every response carries
 * `connection: close`: a keep-alive client learns with its next answer to open
 * a new connection (to another replica, once the load balancer has seen
 * /readyz turn 503) instead of reusing this one and meeting a reset when the
 * server closes it.
 */
export function closeConnectionsWhileDraining(draining: () => boolean): MiddlewareHandler {
  return async function drainConnections(c, next) {
    await next();
    if (draining()) c.header('connection', 'close');
  };
}
