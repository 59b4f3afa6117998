import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Hono } from 'hono';
import type { AppEnv } from '../../src/http/app-env.js';
import { createApp } from '../../src/app.js';
import { bootRouter } from '../../src/boot.js';
import type { Config } from '../../src/config.js';
import { createLogger, silentLogger, type Logger } from '../../src/logger.js';
import { RouterMetrics } from '../../src/metrics/metrics.js';
import { loadExemplarFiles } from '../../src/routes-config/load-routes-data.js';
import type { RouterServices } from '../../src/services.js';
import type { Tracing } from '../../src/tracing/tracing.js';
import { PROJECT_ROOT, ROUTES_DATA_DIR, TINY_STANDIN_DIR, tempDir, testConfig } from './env.js';

export type TestEmbedder = 'use-lite' | 'tiny-standin';

const EMBEDDER_ENV: Record<TestEmbedder, Record<string, string>> = {
  'use-lite': { EMBEDDER: 'use-lite' },
  'tiny-standin': { EMBEDDER: 'minilm', MINILM_MODEL_DIR: TINY_STANDIN_DIR },
};

/**
 * Embedding the shipped exemplars with USE-lite takes ~20 s, so the seeded
 * database is built once per exemplar set and copied into each test.
 */
async function seededTemplate(embedder: TestEmbedder): Promise<string> {
  const key = createHash('sha256');
  for (const exemplar of loadExemplarFiles(ROUTES_DATA_DIR))
    key.update(`${exemplar.contentHash}:${exemplar.label}:${exemplar.lang}\n`);
  const dir = join(PROJECT_ROOT, '.cache/test-fixtures');
  const path = join(dir, `${embedder}-${key.digest('hex').slice(0, 16)}.db`);
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  const building = `${path}.${process.pid}.tmp`;
  const booted = await bootRouter(testConfig({ ...EMBEDDER_ENV[embedder], DATABASE_PATH: building }), silentLogger);
  booted.store.close();
  await booted.embedder.close?.();
  renameSync(building, path);
  return path;
}

export interface TestService extends RouterServices {
  metrics: RouterMetrics;
  app: Hono<AppEnv>;
  config: Config;
  logLines: string[];
}

/**
 * A private copy of the seeded database, for a service started as a child
 * process (which opens the file itself): seeded already, so it starts in about a second.
 */
export async function seededDatabaseCopy(
  t: { after: (fn: () => void | Promise<void>) => void },
  embedder: TestEmbedder = 'tiny-standin',
): Promise<string> {
  const databasePath = join(tempDir(t), 'router.db');
  copyFileSync(await seededTemplate(embedder), databasePath);
  return databasePath;
}

/** The real service (real embedder, real SQLite file, real app) on a private copy of the seeded database. */
export async function startTestService(
  t: { after: (fn: () => void | Promise<void>) => void },
  embedder: TestEmbedder,
  env: Record<string, string> = {},
  options: { now?: () => number; tracing?: Tracing } = {},
): Promise<TestService> {
  const databasePath = await seededDatabaseCopy(t, embedder);
  const config = testConfig({ ...EMBEDDER_ENV[embedder], DATABASE_PATH: databasePath, ...env });
  const logLines: string[] = [];
  const logger: Logger = createLogger('debug', (line) => logLines.push(line), config.secrets);
  const metrics = new RouterMetrics();
  const booted = await bootRouter(config, logger, undefined, metrics);
  t.after(async () => {
    booted.store.close();
    await booted.embedder.close?.();
  });
  return {
    ...booted,
    config,
    logLines,
    metrics,
    app: createApp({
      config,
      logger,
      metrics,
      services: () => booted,
      tracing: options.tracing,
      ...(options.now ? { now: options.now } : {}),
    }),
  };
}

export function postJson(
  app: Pick<Hono<AppEnv>, 'request'>,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return Promise.resolve(
    app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );
}
