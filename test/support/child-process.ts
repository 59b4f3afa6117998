import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PROJECT_ROOT, ROUTES_DATA_DIR, TINY_STANDIN_DIR } from '../support/env.js';

/**
 * Real processes for the crash tests: the seed script and the service itself,
 * started with `node --import tsx` from the project root, in a hermetic
 * environment (no provider keys or settings from the developer's shell), and
 * killed with SIGKILL at chosen moments.
 */

export function hermeticEnv(settings: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? '/tmp',
    TMPDIR: process.env['TMPDIR'] ?? '/tmp',
    EMBEDDER: 'minilm',
    MINILM_MODEL_DIR: TINY_STANDIN_DIR,
    EMBEDDING_OFFLINE: 'true',
    MODEL_CACHE_DIR: join(PROJECT_ROOT, '.cache/test-empty-model-cache'),
    ROUTES_DATA_DIR,
    LOG_LEVEL: 'info',
    ...settings,
  };
}

export interface Tracked {
  child: ChildProcess;
  /** Every line written so far, stdout and stderr together, in order. */
  lines: string[];
  /** Resolves with the first line (past or future) that matches. */
  waitForLine(pattern: RegExp | ((line: string) => boolean), timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL, and wait until the process is gone. */
  kill(): Promise<void>;
}

export function spawnTracked(t: { after: (fn: () => Promise<void>) => void }, args: string[], env: NodeJS.ProcessEnv): Tracked {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters = new Set<{ matches: (line: string) => boolean; resolve: (line: string) => void }>();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let alive = true;
  void exited.then(() => (alive = false));
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (data: string) => {
      const parts = (partial + data).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        for (const waiter of waiters) {
          if (waiter.matches(line)) {
            waiters.delete(waiter);
            waiter.resolve(line);
          }
        }
      }
    });
  }
  const kill = async () => {
    if (alive) child.kill('SIGKILL');
    await exited;
  };
  t.after(kill);
  return {
    child,
    lines,
    exited,
    kill,
    waitForLine(pattern, timeoutMs = 30_000) {
      const matches = typeof pattern === 'function' ? pattern : (line: string) => pattern.test(line);
      const seen = lines.find(matches);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = { matches, resolve };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(`no line matching ${String(pattern)} within ${timeoutMs} ms; output:\n${lines.slice(-20).join('\n')}`),
          );
        }, timeoutMs);
        waiter.resolve = (line) => {
          clearTimeout(timer);
          resolve(line);
        };
        waiters.add(waiter);
        void exited.then(({ code, signal }) => {
          if (!waiters.has(waiter)) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          reject(
            new Error(
              `exited (${code ?? signal}) before a line matching ${String(pattern)}; output:\n${lines.slice(-20).join('\n')}`,
            ),
          );
        });
      });
    },
  };
}

export interface ServiceProcess extends Tracked {
  url: string;
}

/** The real service (src/main.ts) on an ephemeral loopback port, read from its "listening" log line, once ready. */
export async function startServiceProcess(
  t: { after: (fn: () => Promise<void>) => void },
  settings: Record<string, string>,
): Promise<ServiceProcess> {
  const tracked = spawnTracked(t, ['src/main.ts'], hermeticEnv({ PORT: '0', HOST: '127.0.0.1', ...settings }));
  const listening = JSON.parse(await tracked.waitForLine(/"msg":"listening"/)) as { port: number };
  await tracked.waitForLine(/"msg":"ready"/, 60_000);
  return { ...tracked, url: `http://127.0.0.1:${listening.port}` };
}

export interface DatabaseState {
  integrity: string;
  foreignKeyProblems: number;
  total: number;
  bySource: Map<string, number>;
  /** Exemplars with no vector for the embedder. */
  withoutVector: number;
  revision: number;
}

/** Opens the file as a restarted process would (SQLite recovers the WAL) and reports what it holds. */
export function inspectDatabase(path: string, embedderId: string): DatabaseState {
  const db = new Database(path);
  try {
    const integrity = (db.pragma('integrity_check') as { integrity_check: string }[])
      .map((row) => row.integrity_check)
      .join('; ');
    const rows = db.prepare('SELECT source, COUNT(*) AS n FROM exemplars GROUP BY source').all() as {
      source: string;
      n: number;
    }[];
    const withoutVector = db
      .prepare(
        'SELECT COUNT(*) AS n FROM exemplars e WHERE NOT EXISTS (SELECT 1 FROM embeddings v WHERE v.exemplar_id = e.id AND v.embedder_id = ?)',
      )
      .get(embedderId) as { n: number };
    const revision = db.prepare("SELECT value FROM meta WHERE key = 'exemplar_revision'").get() as { value: string };
    return {
      integrity,
      foreignKeyProblems: (db.pragma('foreign_key_check') as unknown[]).length,
      total: rows.reduce((sum, row) => sum + row.n, 0),
      bySource: new Map(rows.map((row) => [row.source, row.n])),
      withoutVector: withoutVector.n,
      revision: Number(revision.value),
    };
  } finally {
    db.close();
  }
}

/** Deterministic labelled rows, distinct by their prefix, about `words` words each. */
export function labelledRows(
  prefix: string,
  count: number,
  words = 12,
): { text: string; label: string; axis: 'intent' | 'tier'; lang: string }[] {
  const vocabulary =
    'invoice refund parser deploy cluster shipping weather poem integral password upgrade discount greeting recipe'.split(' ');
  const intents = ['smalltalk', 'sales', 'support', 'faq', 'code', 'math', 'writing'];
  const tiers = ['simple', 'medium', 'complex'];
  return Array.from({ length: count }, (_, i) => {
    const text = [
      `${prefix} ${i}:`,
      ...Array.from({ length: words }, (_, j) => vocabulary[(i * 7 + j * 3 + (i >> 3)) % vocabulary.length]!),
    ].join(' ');
    return i % 4 === 3
      ? { text, label: tiers[i % 3]!, axis: 'tier', lang: 'en' }
      : { text, label: intents[i % 7]!, axis: 'intent', lang: i % 5 === 0 ? 'es' : 'en' };
  });
}
