import { Hono } from 'hono';
import type { AppEnv } from './app-env.js';
import { callerFingerprint } from './auth.js';
import { readJsonBody } from './body.js';
import { requestSignal } from './request-timeout.js';
import { cascadeHeaders } from '../proxy/decision-headers.js';
import { routeResponse } from './route-response.js';
import { routeBatchRequestSchema, routeRequestSchema, type RouteLimits } from './route-schemas.js';

/** POST /v1/route and /v1/route/batch: the decision and its evidence, without calling any model. */
export function routeRoutes(limits: RouteLimits): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const single = routeRequestSchema(limits);
  const batch = routeBatchRequestSchema(limits);

  routes.post('/v1/route', async (c) => {
    const body = await readJsonBody(c, single);
    const { router } = c.get('services');
    const outcome = await router.route({
      query: body.query,
      messages: body.messages,
      strategy: body.strategy,
      sessionId: body.session_id,
      decisionId: c.get('requestId'),
      owner: callerFingerprint(c),
      signal: requestSignal(c),
      trace: c.get('trace'),
    });
    return c.json(routeResponse(outcome, router.embedder, router.exemplarSet()), 200, cascadeHeaders(outcome.cascade));
  });

  routes.post('/v1/route/batch', async (c) => {
    const body = await readJsonBody(c, batch);
    const { router } = c.get('services');
    const owner = callerFingerprint(c);
    const signal = requestSignal(c);
    const trace = c.get('trace');
    const outcomes = await Promise.all(
      body.queries.map(async (query, index) => {
        // One span per query, each with its own decision, under the request's span.
        const span = trace?.child('route', { attributes: { 'router.batch.index': index } });
        try {
          return await router.route({ query, strategy: body.strategy, owner, signal, trace: span });
        } finally {
          span?.end();
        }
      }),
    );
    return c.json({ decisions: outcomes.map((outcome) => routeResponse(outcome, router.embedder, router.exemplarSet())) });
  });

  return routes;
}
