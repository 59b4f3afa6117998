import { Hono } from 'hono';
import type { RouterMetrics } from '../metrics/metrics.js';

/** GET /metrics in the Prometheus text format. */
export function metricsRoutes(metrics: RouterMetrics): Hono {
  const routes = new Hono();
  routes.get('/metrics', async (c) =>
    c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }),
  );
  return routes;
}
