import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeUpstream, type FakeUpstream } from '../../test/support/fake-upstream.js';
import { ensureBuilt, PROJECT_ROOT, startService, type RunningService } from '../bench/service-process.js';
import { readDeploySettings, type DeploySettings } from './deploy-settings.js';

/**
 * The service as an attacker and an operator met it in issue #16: the built
 * service (`npm start`) in a child process with the limits of deploy/, two
 * client keys and an admin key, its OpenAI provider pointed at the test
 * suite's fake upstream, which runs in this process so each finding can make
 * it fail or echo as it needs.
 */

export const KEYS = {
  client1: 'hostile-client-one-0001',
  client2: 'hostile-client-two-0002',
  admin: 'hostile-admin-key-0123456789',
} as const;
/** The provider key the fake upstream accepts, and the one finding 8 makes it echo. */
export const UPSTREAM_KEY = 'sk-hostile-upstream-7d2e4b9c';
export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

export interface EmbedderChoice {
  name: 'use-lite' | 'minilm';
  env: Record<string, string>;
}

export interface HostileStack {
  service: RunningService;
  upstream: FakeUpstream;
  dbPath: string;
  deploy: DeploySettings;
  /** The service's own settings that the findings' checks depend on. */
  serviceEnv: Record<string, string>;
  stop(): Promise<void>;
}

const TEMPLATE_DIR = join(PROJECT_ROOT, '.cache/hostile');

/**
 * A database with the shipped exemplars embedded, made once per embedder by a
 * first start (seeding takes from ~25 s to minutes on a shared machine) and
 * copied for each run, so a run starts as a restarted pod does: the seeding
 * check finds nothing to embed. Later runs reseed whatever routes-data changed.
 */
async function seededTemplate(embedder: EmbedderChoice, log: (line: string) => void): Promise<string> {
  const path = join(TEMPLATE_DIR, `seeded-${embedder.name}.db`);
  if (existsSync(path)) return path;
  mkdirSync(TEMPLATE_DIR, { recursive: true });
  log(`seeding ${path} with the shipped exemplars (once per embedder)`);
  const started = performance.now();
  const seeding = await startService({ env: { ...embedder.env, DATABASE_PATH: path, SHUTDOWN_DRAIN_MS: '0' } }, 900_000);
  await seeding.stop();
  log(`seeded in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return path;
}

export async function startHostileStack(embedder: EmbedderChoice, log: (line: string) => void): Promise<HostileStack> {
  ensureBuilt(log);
  const template = await seededTemplate(embedder, log);
  const dir = mkdtempSync(join(tmpdir(), 'router-hostile-'));
  const dbPath = join(dir, 'router.db');
  copyFileSync(template, dbPath);
  const deploy = readDeploySettings();
  const upstream = await startFakeUpstream({ apiKey: UPSTREAM_KEY });
  const serviceEnv: Record<string, string> = {
    // Only the limits and the drain of the manifest: its paths and embedder are the pod's, not this run's.
    ...pick(deploy.env, ['SHUTDOWN_DRAIN_MS', 'SHUTDOWN_GRACE_MS', 'RATE_LIMIT_PER_SECOND', 'RATE_LIMIT_BURST']),
    ...embedder.env,
    DATABASE_PATH: dbPath,
    CLIENT_API_KEYS: `${KEYS.client1},${KEYS.client2}`,
    ADMIN_API_KEY: KEYS.admin,
    // One provider, so a failing model's fallback is its sibling behind the same provider (finding 6).
    OPENAI_API_KEY: UPSTREAM_KEY,
    OPENAI_BASE_URL: upstream.openaiBaseURL,
  };
  let service: RunningService;
  try {
    service = await startService({ env: serviceEnv }, 600_000);
  } catch (error) {
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    service,
    upstream,
    dbPath,
    deploy,
    serviceEnv,
    async stop() {
      await service.stop();
      await upstream.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function pick(env: Record<string, string>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.flatMap((name) => (env[name] === undefined ? [] : [[name, env[name]]])));
}
