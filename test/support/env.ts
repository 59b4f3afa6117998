import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';

export const PROJECT_ROOT = resolve(import.meta.dirname, '../..');
export const ROUTES_DATA_DIR = join(PROJECT_ROOT, 'routes-data');
export const STANDIN_ROOT = join(PROJECT_ROOT, '.cache/minilm-standin');
/** Built by `npm run pretest` (scripts/make-minilm-standin.ts --variant all). */
export const TINY_STANDIN_DIR = join(STANDIN_ROOT, 'tiny');
export const FULL_STANDIN_DIR = join(STANDIN_ROOT, 'full');

/** A temporary directory removed when the test ends. */
export function tempDir(t: { after: (fn: () => void) => void }, prefix = 'router-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Hermetic settings: never the Hub, never a key from the developer's shell. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    EMBEDDING_OFFLINE: 'true',
    ROUTES_DATA_DIR,
    MODEL_CACHE_DIR: join(PROJECT_ROOT, '.cache/test-empty-model-cache'),
    LOG_LEVEL: 'silent',
    ...overrides,
  });
}
