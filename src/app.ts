import { Hono } from 'hono';
import type { Config } from './config.js';
import { AppError } from './errors.js';
import { adminExemplarRoutes } from './http/admin-exemplars.js';
import { adminHealthRoutes } from './http/admin-health.js';
import { adminReloadRoutes } from './http/admin-reload.js';
import type { AppEnv } from './http/app-env.js';
import { authFailureCounter, requireAdmin, requireClient } from './http/auth.js';
import { chatCompletionRoutes } from './http/chat-completions.js';
import { errorBodyFor } from './http/client-errors.js';
import { dashboardRoutes } from './http/dashboard-routes.js';
import { closeConnectionsWhileDraining } from './http/drain.js';
import { adminFeedbackRoutes, feedbackRoutes } from './http/feedback.js';
import { healthRoutes } from './http/health.js';
import { messagesRoutes } from './http/messages.js';
import { metricsRoutes } from './http/metrics-route.js';
import { requestBodyLimit } from './http/node-request.js';
import { rateLimit } from './http/rate-limit.js';
import { ready } from './http/ready.js';
import { requestContext } from './http/request-context.js';
import { requestTimeout } from './http/request-timeout.js';
import { responsesRoutes } from './http/responses.js';
import { routeRoutes } from './http/route.js';
import { statsRoutes } from './http/stats.js';
import type { Logger } from './logger.js';
import { RouterMetrics } from './metrics/metrics.js';
import { traceRequests } from './http/request-span.js';
import type { Tracing } from './tracing/tracing.js';
import type { RouterServices } from './services.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  /** The booted services, or undefined while they load: the app listens (and answers /healthz) before boot ends. */
  services: () => RouterServices | undefined;
  /** True once shutdown has begun: /readyz turns 503 so the load balancer stops sending traffic while requests drain. */
  draining?: () => boolean;
  metrics?: RouterMetrics;
  /** Milliseconds clock for the rate limits (requests and failed authentications); tests pass their own to step time instead of sleeping. */
  now?: () => number;
  /** OpenTelemetry (src/tracing), when OTEL_TRACES_EXPORTER configures it; tests pass one with an in-memory exporter. */
  tracing?: Tracing | undefined;
}

/** The same factory serves production and tests: everything it needs comes in through deps. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { routing, access } = deps.config;
  const metrics = deps.metrics ?? new RouterMetrics();
  const keys = { clientKeys: access.clientKeys, adminKey: access.adminKey };
  const clock = deps.now ? { now: deps.now } : {};
  const limiter = rateLimit({ perSecond: access.rateLimitPerSecond, burst: access.rateLimitBurst, ...clock });
  const authFailures = authFailureCounter({ burst: access.authFailureBurst, perMinute: access.authFailuresPerMinute, ...clock });
  const timeoutGuard = requestTimeout(access.requestTimeoutMs);

  // First, so the request's span covers every middleware; without tracing not even a pass-through is mounted.
  if (deps.tracing) app.use('*', traceRequests(deps.tracing));
  app.use('*', requestContext({ logger: deps.logger, metrics }));
  app.use('*', closeConnectionsWhileDraining(deps.draining ?? (() => false)));
  app.use(
    '*',
    requestBodyLimit({
      maxSize: routing.maxBodyBytes,
      onError: () => {
        throw new AppError(
          'payload_too_large',
          413,
          `request body is larger than ${routing.maxBodyBytes} bytes (MAX_BODY_BYTES)`,
        );
      },
    }),
  );
  // Authentication and limits come before readiness: an unknown caller learns nothing about the service's state.
  const whenReady = ready(deps.services);
  app.use('/v1/*', requireClient(keys, authFailures), limiter, whenReady);
  app.use('/admin/*', requireAdmin(keys, authFailures), limiter, whenReady);
  // Open like the page itself, but not free: the estimate reads up to MAX_QUERY_CHARS of text per call.
  app.use('/dashboard/api/*', limiter, whenReady);
  // Proxied calls have their own upstream timeouts (a long generation is not a hung request); everything else gets this one.
  for (const path of ['/v1/route', '/v1/route/*', '/v1/feedback', '/v1/stats', '/admin/*']) app.use(path, timeoutGuard);

  const limits = { maxQueryChars: routing.maxQueryChars, batchMax: routing.batchMax, maxMessages: access.maxMessages };
  app.route('/', healthRoutes(deps.services, deps.draining ?? (() => false)));
  app.route('/', metricsRoutes(metrics));
  app.route('/', routeRoutes(limits));
  app.route('/', chatCompletionRoutes(limits, deps.logger));
  app.route('/', messagesRoutes(limits, deps.logger));
  app.route('/', responsesRoutes(limits, deps.logger, keys));
  app.route('/', statsRoutes());
  app.route('/', feedbackRoutes(keys));
  app.route('/', adminHealthRoutes());
  app.route('/', adminExemplarRoutes(100_000));
  app.route('/', adminFeedbackRoutes());
  app.route('/', adminReloadRoutes());
  app.route('/', dashboardRoutes(deps.services, deps.config));

  app.notFound((c) =>
    c.json(errorBodyFor(c.req.path, new AppError('not_found', 404, `no route for ${c.req.method} ${c.req.path}`)), 404),
  );

  // The only place errors become responses, whichever middleware or handler raised them: known errors keep their code,
  // anything else is a 500 without internals, and each in the shape of the protocol the path speaks (OpenAI,
  // Anthropic or ours), so an SDK raises its own typed error for a 401 from auth as for a 502 from upstream.
  app.onError((error, c) => {
    if (error instanceof AppError) return c.json(errorBodyFor(c.req.path, error), error.status, error.headers);
    (c.get('log') ?? deps.logger).error('unhandled error', {
      path: c.req.path,
      method: c.req.method,
      error: error.message,
      stack: error.stack,
    });
    return c.json(
      errorBodyFor(c.req.path, new AppError('internal_error', 500, 'internal error; the server log has details')),
      500,
    );
  });
  return app;
}
