import { Hono } from 'hono';
import type { RouterServices } from '../services.js';
import { embedderView } from './route-response.js';

/** GET /healthz (the process is alive) and GET /readyz (it can route). */
export function healthRoutes(services: () => RouterServices | undefined, draining: () => boolean): Hono {
  const routes = new Hono();
  routes.get('/healthz', (c) => c.json({ status: 'ok' }));
  routes.get('/readyz', (c) => {
    const router = services()?.router;
    if (draining()) {
      return c.json(
        { status: 'draining', error: { code: 'not_ready', message: 'shutting down: finishing in-flight requests' } },
        503,
      );
    }
    if (!router) {
      return c.json({ status: 'not_ready', error: { code: 'not_ready', message: 'loading the embedder and exemplars' } }, 503);
    }
    const exemplars = router.exemplarSet();
    const counts: Record<string, Record<string, number>> = { tier: {}, intent: {} };
    const byLang: Record<string, number> = {};
    for (const row of exemplars.counts) {
      const axis = (counts[row.axis] ??= {});
      axis[row.label] = (axis[row.label] ?? 0) + row.count;
      byLang[row.lang] = (byLang[row.lang] ?? 0) + row.count;
    }
    return c.json({
      status: 'ready',
      embedder: embedderView(router.embedder),
      scoring: router.scoringSource,
      config_version: router.configVersion,
      exemplars: { version: exemplars.version, revision: exemplars.revision, total: exemplars.total, counts, by_lang: byLang },
    });
  });
  return routes;
}
