import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import { bootRouter } from './boot.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger } from './logger.js';
import { RouterMetrics } from './metrics/metrics.js';
import { DataFileError } from './routes-config/data-error.js';
import type { RouterServices } from './services.js';
import { startTracing } from './tracing/tracing.js';

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

const config = readConfig();
const logger = createLogger(config.logLevel, undefined, config.secrets);
const metrics = new RouterMetrics();
let services: RouterServices | undefined;
let stopping = false;
/** The collector URL for the log, without a user or password in it (`https://user:token@collector`). */
function withoutCredentials(url: string): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return parsed.href;
}

const tracing = startTracing(config.tracing);
if (tracing) {
  const { exporter, otlp, sampler, serviceName } = config.tracing;
  logger.info('tracing on', {
    exporter,
    service_name: serviceName,
    sampler,
    ...(exporter === 'otlp' ? { url: withoutCredentials(otlp.url), protocol: otlp.protocol } : {}),
  });
}
const app = createApp({ config, logger, metrics, tracing, services: () => services, draining: () => stopping });

if (config.access.clientKeys.length === 0) {
  logger.warn('no CLIENT_API_KEYS configured: /v1/* is open to anyone who can reach this port');
}
if (config.access.adminKey === undefined) logger.info('no ADMIN_API_KEY configured: the admin API is disabled');

// Listen first so liveness probes pass while the model loads; /readyz says when routing can start.
const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
  logger.info('listening', { host: config.host, port: info.port });
});

bootRouter(config, logger, undefined, metrics)
  .then((result) => {
    services = result;
    const exemplars = result.router.exemplarSet();
    logger.info('ready', { embedder: result.router.embedder.id, exemplars: exemplars.total, version: exemplars.version });
  })
  .catch((error: unknown) => {
    logger.error(`startup failed: ${(error as Error).message}`);
    process.exit(1);
  });

/**
 * Drain, then stop. For SHUTDOWN_DRAIN_MS the service keeps accepting and
 * answering, with /readyz at 503 (so the load balancer takes it out) and
 * `connection: close` on every response (so keep-alive clients move to a new
 * connection instead of meeting a reset). Then it stops accepting, lets
 * in-flight requests and streams finish up to SHUTDOWN_GRACE_MS, and closes
 * SQLite cleanly (every ledger row is written by then).
 */
function shutdown(signal: string): void {
  if (stopping) return;
  stopping = true;
  logger.info('shutting down: draining', { signal, drain_ms: config.shutdownDrainMs, grace_ms: config.shutdownGraceMs });
  let finished = false;
  const finish = (reason: string) => {
    if (finished) return;
    finished = true;
    // Rows the ledger queued in this turn go in before SQLite closes.
    services?.ledger.flush();
    services?.store.close();
    logger.info('stopped', { reason });
    // The spans still batched go to the collector before the process ends (the exporter's own timeout bounds the wait).
    const flushed = tracing ? tracing.shutdown() : Promise.resolve();
    flushed
      .catch((error: unknown) => logger.warn('trace export at shutdown failed', { error: (error as Error).message }))
      .finally(() => process.exit(0));
  };
  setTimeout(() => {
    logger.info('drain period over: no longer accepting connections', { grace_ms: config.shutdownGraceMs });
    server.close(() => finish('drained'));
    // A connection whose last answer went out before the drain carried no `connection: close`; it is closed once idle.
    if ('closeIdleConnections' in server) server.closeIdleConnections();
    setInterval(() => {
      if ('closeIdleConnections' in server) server.closeIdleConnections();
    }, 200).unref();
    setTimeout(() => {
      if ('closeAllConnections' in server) server.closeAllConnections();
      finish('grace period over');
    }, config.shutdownGraceMs).unref();
  }, config.shutdownDrainMs);
}
// SIGHUP re-reads routes-data, as POST /admin/reload does; an invalid set is logged and changes nothing.
process.on('SIGHUP', () => {
  if (!services) return logger.warn('SIGHUP before the router was ready: nothing to reload');
  try {
    services.reloadRoutes();
  } catch (error) {
    const problems = error instanceof DataFileError ? error.problems : [(error as Error).message];
    logger.error('routes-data reload refused, nothing changed', { problems });
  }
});
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
