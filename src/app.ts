import { Hono } from 'hono';
import type { Config } from './config.js';
import { AppError, renderError } from './errors.js';
import { adminExemplarRoutes } from './http/admin-exemplars.js';
import { adminHealthRoutes } from './http/admin-health.js';
import type { AppEnv } from './http/app-env.js';
import { requireAdmin, requireClient } from './http/auth.js';
import { chatCompletionRoutes } from './http/chat-completions.js';
import { dashboardRoutes } from './http/dashboard-routes.js';
import { adminFeedbackRoutes, feedbackRoutes } from './http/feedback.js';
import { healthRoutes } from './http/health.js';
import { messagesRoutes } from './http/messages.js';
import { metricsRoutes } from './http/metrics-route.js';
import { requestBodyLimit } from './http/node-request.js';
import { rateLimit } from './http/rate-limit.js';
import { requestContext } from './http/request-context.js';
import { requestTimeout } from './http/request-timeout.js';
import { responsesRoutes } from './http/responses.js';
import { routeRoutes } from './http/route.js';
import { statsRoutes } from './http/stats.js';
import type { Logger } from './logger.js';
import { RouterMetrics } from './metrics/metrics.js';
import type { ServiceState } from './service-state.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  state: ServiceState;
  metrics?: RouterMetrics;
}

/** The same factory serves production and tests: everything it needs comes in through deps. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { routing, access } = deps.config;
  const metrics = deps.metrics ?? new RouterMetrics();
  const keys = { clientKeys: access.clientKeys, adminKey: access.adminKey };
  const limiter = rateLimit({ perSecond: access.rateLimitPerSecond, burst: access.rateLimitBurst });
  const timeoutGuard = requestTimeout(access.requestTimeoutMs);

  app.use('*', requestContext({ logger: deps.logger, metrics }));
  app.use(
    '*',
    requestBodyLimit({
      maxSize: routing.maxBodyBytes,
      onError: () => {
        throw new AppError('payload_too_large', 413, `request body is larger than ${routing.maxBodyBytes} bytes (MAX_BODY_BYTES)`);
      },
    }),
  );
  app.use('/v1/*', requireClient(keys), limiter);
  app.use('/admin/*', requireAdmin(keys), limiter);
  // Proxied calls have their own upstream timeouts (a long generation is not a hung request); everything else gets this one.
  for (const path of ['/v1/route', '/v1/route/*', '/v1/feedback', '/v1/stats', '/admin/*']) app.use(path, timeoutGuard);

  const limits = { maxQueryChars: routing.maxQueryChars, batchMax: routing.batchMax, maxMessages: access.maxMessages };
  app.route('/', healthRoutes(deps.state));
  app.route('/', metricsRoutes(metrics));
  app.route('/', routeRoutes(deps.state, limits));
  app.route('/', chatCompletionRoutes(deps.state, limits, deps.logger));
  app.route('/', messagesRoutes(deps.state, limits, deps.logger));
  app.route('/', responsesRoutes(deps.state, limits, deps.logger));
  app.route('/', statsRoutes(deps.state));
  app.route('/', feedbackRoutes(deps.state));
  app.route('/', adminHealthRoutes(deps.state, () => deps.state.admin?.conflicts));
  app.route('/', adminExemplarRoutes(deps.state, 100_000));
  app.route('/', adminFeedbackRoutes(deps.state));
  app.route('/', dashboardRoutes(deps.state, deps.config));

  app.notFound((c) => c.json(renderError(new AppError('not_found', 404, `no route for ${c.req.method} ${c.req.path}`)), 404));

  // The only place errors become responses: known errors keep their code, anything else is a 500 without internals.
  app.onError((error, c) => {
    if (error instanceof AppError) return c.json(renderError(error), error.status);
    (c.get('log') ?? deps.logger).error('unhandled error', { path: c.req.path, method: c.req.method, error: error.message, stack: error.stack });
    return c.json(renderError(new AppError('internal_error', 500, 'internal error; the server log has details')), 500);
  });
  return app;
}
