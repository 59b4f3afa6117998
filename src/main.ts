import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import { bootRouter, type BootedRouter } from './boot.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger } from './logger.js';
import { RouterMetrics } from './metrics/metrics.js';
import { createServiceState } from './service-state.js';

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
const logger = createLogger(config.logLevel);
const state = createServiceState();
const metrics = new RouterMetrics();
const app = createApp({ config, logger, state, metrics });

// Listen first so liveness probes pass while the model loads; /readyz says when routing can start.
const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
  logger.info('listening', { host: config.host, port: info.port });
});

let booted: BootedRouter | undefined;
bootRouter(config, logger, undefined, metrics)
  .then((result) => {
    booted = result;
    state.router = result.router;
    state.proxy = result.proxy;
    state.admin = result.admin;
    const exemplars = result.router.exemplarSet();
    logger.info('ready', { embedder: result.router.embedder.id, exemplars: exemplars.total, version: exemplars.version });
  })
  .catch((error: unknown) => {
    logger.error(`startup failed: ${(error as Error).message}`);
    process.exit(1);
  });

function shutdown(signal: string): void {
  logger.info('shutting down', { signal });
  server.close(() => {
    booted?.store.close();
    process.exit(0);
  });
  // Keep-alive connections can hold close() open; do not outlive the orchestrator's grace period.
  setTimeout(() => {
    booted?.store.close();
    process.exit(0);
  }, 10_000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
