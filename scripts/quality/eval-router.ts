import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bootRouter } from '../../src/boot.js';
import { loadConfig } from '../../src/config.js';
import type { Embedder } from '../../src/embedding/embedder.js';
import { loadMiniLmEmbedder } from '../../src/embedding/minilm.js';
import { loadUseLiteEmbedder } from '../../src/embedding/use-lite.js';
import { silentLogger } from '../../src/logger.js';
import type { RouterServices } from '../../src/services.js';
import { openEmbeddingCache, type CachingEmbedder, type EmbeddingCache } from './embedding-cache.js';

export interface EvalRouter extends RouterServices {
  embedder: CachingEmbedder;
  close(): void;
}

export interface EvalRouterOptions {
  routesDataDir?: string | undefined;
  /** Environment overrides (EMBEDDER, MINILM_MODEL_DIR, ...); EMBEDDER defaults to use-lite, the offline embedder. */
  env?: Record<string, string | undefined>;
  cachePath?: string | undefined;
}

/**
 * The router exactly as the service boots it (`bootRouter`: routes-data,
 * seeding, scoring resolution, rules), on a throw-away database seeded from
 * routes-data, with the embedder answering from the on-disk cache. Routing a
 * query through `router.route` is what `POST /v1/route` does.
 */
export async function openEvalRouter(options: EvalRouterOptions = {}): Promise<EvalRouter> {
  const env = { ...process.env, ...options.env };
  env.EMBEDDER ??= 'use-lite';
  const dir = mkdtempSync(join(tmpdir(), 'router-eval-'));
  const config = loadConfig({
    ...env,
    DATABASE_PATH: join(dir, 'router.db'),
    ROUTES_DATA_DIR: resolve(options.routesDataDir ?? env.ROUTES_DATA_DIR ?? 'routes-data'),
    SEED_ON_START: 'true',
    LOG_LEVEL: 'silent',
  });
  const cache: EmbeddingCache = openEmbeddingCache(options.cachePath);
  let caching: CachingEmbedder | undefined;
  const wrap = async (load: () => Promise<Embedder>) => (caching = cache.wrap(await load()));
  try {
    const booted = await bootRouter(config, silentLogger, {
      minilm: (minilmOptions) => wrap(() => loadMiniLmEmbedder(minilmOptions)),
      useLite: () => wrap(loadUseLiteEmbedder),
    });
    return {
      ...booted,
      embedder: caching!,
      close() {
        booted.store.close();
        cache.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    cache.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Progress on stderr, one line per tenth when not a terminal. */
export function progress(label: string): (done: number, total: number) => void {
  let last = -1;
  return (done, total) => {
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${label} ${done}/${total}`);
      if (done === total) process.stderr.write('\n');
      return;
    }
    const decile = Math.floor((done / Math.max(total, 1)) * 10);
    if (decile > last) {
      last = decile;
      process.stderr.write(`${label} ${done}/${total}\n`);
    }
  };
}
