import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Config } from './config.js';
import { AppError, renderError } from './errors.js';
import { chatCompletionRoutes } from './http/chat-completions.js';
import { healthRoutes } from './http/health.js';
import { messagesRoutes } from './http/messages.js';
import { routeRoutes } from './http/route.js';
import { statsRoutes } from './http/stats.js';
import type { Logger } from './logger.js';
import type { ServiceState } from './service-state.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  state: ServiceState;
}

/** The same factory serves production and tests: everything it needs comes in through deps. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const { routing } = deps.config;

  app.use(
    '*',
    bodyLimit({
      maxSize: routing.maxBodyBytes,
      onError: () => {
        throw new AppError('payload_too_large', 413, `request body is larger than ${routing.maxBodyBytes} bytes (MAX_BODY_BYTES)`);
      },
    }),
  );

  app.route('/', healthRoutes(deps.state));
  const limits = { maxQueryChars: routing.maxQueryChars, batchMax: routing.batchMax };
  app.route('/', routeRoutes(deps.state, limits));
  app.route('/', chatCompletionRoutes(deps.state, limits, deps.logger));
  app.route('/', messagesRoutes(deps.state, limits, deps.logger));
  app.route('/', statsRoutes(deps.state));

  app.notFound((c) => c.json(renderError(new AppError('not_found', 404, `no route for ${c.req.method} ${c.req.path}`)), 404));

  // The only place errors become responses: known errors keep their code, anything else is a 500 without internals.
  app.onError((error, c) => {
    if (error instanceof AppError) return c.json(renderError(error), error.status);
    deps.logger.error('unhandled error', { path: c.req.path, method: c.req.method, error: error.message, stack: error.stack });
    return c.json(renderError(new AppError('internal_error', 500, 'internal error; the server log has details')), 500);
  });
  return app;
}
