import { Hono } from 'hono';
import { z } from 'zod';
import type { Config } from '../config.js';
import { DASHBOARD_ENTRY, loadDashboardAssets } from '../dashboard/client-assets.js';
import { estimateRequestCost } from '../dashboard/cost-estimate.js';
import { renderDashboardPage } from '../dashboard/page.js';
import { AppError } from '../errors.js';
import type { RouterServices } from '../services.js';
import type { AppEnv } from './app-env.js';
import { readJsonBody } from './body.js';
import { statsTimeseriesRoutes } from './stats-timeseries.js';

/**
 * Everything the page loads comes from this service: the policy makes a
 * browser refuse any other origin, which keeps the dashboard honest about
 * working offline.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const MAX_ESTIMATE_MODELS = 64;

function estimateRequestSchema(maxChars: number) {
  return z
    .object({
      text: z.string().max(maxChars, `longer than ${maxChars} characters (MAX_QUERY_CHARS)`),
      output_tokens: z.number().int().min(0).max(10_000_000),
      models: z.array(z.string().min(1).max(200)).max(MAX_ESTIMATE_MODELS),
    })
    .strict();
}

/**
 * GET /dashboard (the page), its two assets, GET /dashboard/api/prices,
 * POST /dashboard/api/estimate, and GET /v1/stats/timeseries for the traffic view.
 */
export function dashboardRoutes(services: () => RouterServices | undefined, config: Config): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const estimateSchema = estimateRequestSchema(config.routing.maxQueryChars);
  const assets = loadDashboardAssets();

  routes.get('/dashboard', async (c) => {
    const html = await renderDashboardPage({
      defaultStrategy: config.routing.defaultStrategy,
      // The page is served while the router loads (its API calls then answer not_ready).
      baselineModel: services()?.routesData.routing.baseline_model ?? 'the baseline model',
      assetVersion: assets.version,
    });
    c.header('content-security-policy', CONTENT_SECURITY_POLICY);
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'no-referrer');
    c.header('cache-control', 'no-cache');
    return c.html(html);
  });

  routes.get('/dashboard/assets/:name', (c) => {
    const name = c.req.param('name');
    const asset = assets.files.get(name);
    if (!asset && name === DASHBOARD_ENTRY) {
      throw new AppError(
        'internal_error',
        500,
        `the dashboard client is not built (no ${DASHBOARD_ENTRY} in ${assets.clientDir}): run npm run build`,
      );
    }
    if (!asset) return c.notFound();
    const etag = `"${assets.version}"`;
    c.header('etag', etag);
    c.header('cache-control', 'no-cache');
    c.header('x-content-type-options', 'nosniff');
    if (c.req.header('if-none-match') === etag) return c.body(null, 304);
    c.header('content-type', asset.type);
    return c.body(asset.body);
  });

  routes.get('/dashboard/api/prices', (c) => {
    const { routesData } = c.get('services');
    return c.json({ ...routesData.prices, baseline_model: routesData.routing.baseline_model });
  });

  routes.post('/dashboard/api/estimate', async (c) => {
    const body = await readJsonBody(c, estimateSchema);
    const { routesData } = c.get('services');
    return c.json(
      estimateRequestCost(routesData.prices, routesData.routing.baseline_model, {
        text: body.text,
        outputTokens: body.output_tokens,
        models: body.models,
      }),
    );
  });

  routes.route('/', statsTimeseriesRoutes());
  return routes;
}
