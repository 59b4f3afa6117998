import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const PROJECT_ROOT = join(import.meta.dirname, '../..');
const MAIN_JS = join(PROJECT_ROOT, 'dist/src/main.js');
const LOOP_PROBE = join(import.meta.dirname, 'loop-probe.mjs');
/** Enough for a hostile run's few hundred requests (one info line each) and the shutdown lines after them. */
const LOG_TAIL_LINES = 5_000;

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The service runs as `npm start` runs it: compiled JavaScript, no loader. The
 * build is refreshed when any source file is newer than dist/src/main.js.
 */
export function ensureBuilt(log: (line: string) => void): void {
  if (existsSync(MAIN_JS) && statSync(MAIN_JS).mtimeMs >= newestMtime(join(PROJECT_ROOT, 'src'))) return;
  log('dist/ is older than src/: running npm run build (about 30 s)');
  const result = spawnSync('npm', ['run', 'build', '--silent'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  // tsc emits even with type errors elsewhere in the tree; only a missing entry point stops the benchmark.
  if (!existsSync(MAIN_JS)) throw new Error(`npm run build failed (exit ${result.status ?? 'signal'})`);
}

export interface ServiceOptions {
  env: Record<string, string>;
  /** Preload the event-loop-delay probe (adds an IPC channel; off for cold-start timing). */
  probe?: boolean;
}

export interface RunningService {
  url: string;
  pid: number;
  /** Milliseconds from spawn to the service's `ready` log line. */
  readyMs: number;
  child: ChildProcess;
  /** The service's most recent log lines (its stderr), up to LOG_TAIL_LINES. */
  logLines(): readonly string[];
  rssMb(): number;
  loopDelay(): Promise<LoopDelay>;
  stop(): Promise<void>;
}

export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** Starts the service on 127.0.0.1 with an ephemeral port and waits for its `ready` log line. */
export async function startService(options: ServiceOptions, timeoutMs = 120_000): Promise<RunningService> {
  const args = options.probe ? ['--import', LOOP_PROBE, MAIN_JS] : [MAIN_JS];
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    EMBEDDING_OFFLINE: 'true',
    // No load balancer to drain from: with the service's 5 s default every stop() waited 5 s, then was killed
    // mid-shutdown. A run that measures the drain (the hostile one) sets its own.
    SHUTDOWN_DRAIN_MS: '0',
    SHUTDOWN_GRACE_MS: '10000',
    ...options.env,
  };
  // SIGKILL only once the service has had its whole drain and grace to stop by itself.
  const killAfterMs = Number(env.SHUTDOWN_DRAIN_MS) + Number(env.SHUTDOWN_GRACE_MS) + 5_000;
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    env,
    stdio: options.probe ? ['ignore', 'ignore', 'pipe', 'ipc'] : ['ignore', 'ignore', 'pipe'],
  });
  const lines: string[] = [];
  let port: number | undefined;
  const ready = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`service not ready after ${timeoutMs} ms:\n${lines.slice(-20).join('\n')}`)),
      timeoutMs,
    );
    createInterface({ input: child.stderr! }).on('line', (line) => {
      const at = performance.now();
      lines.push(line);
      if (lines.length > LOG_TAIL_LINES) lines.shift();
      let record: { msg?: string; port?: number };
      try {
        record = JSON.parse(line) as typeof record;
      } catch {
        return;
      }
      if (record.msg === 'listening' && typeof record.port === 'number') port = record.port;
      if (record.msg === 'ready') {
        clearTimeout(timer);
        resolve(at - started);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`service exited (${code}) before ready:\n${lines.slice(-20).join('\n')}`));
    });
  });
  let readyMs: number;
  try {
    readyMs = await ready;
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  if (port === undefined) throw new Error('service did not log its port');
  const url = `http://127.0.0.1:${port}`;
  const readyz = await fetch(`${url}/readyz`);
  if (readyz.status !== 200) throw new Error(`/readyz answered ${readyz.status} after the ready log line`);
  await readyz.arrayBuffer();

  return {
    url,
    pid: child.pid!,
    readyMs,
    child,
    logLines: () => lines,
    rssMb: () => rssMb(child.pid!),
    loopDelay: () =>
      new Promise<LoopDelay>((resolve, reject) => {
        if (!child.send) return reject(new Error('service started without the probe'));
        child.once('message', (message) => resolve(message as LoopDelay));
        child.send('loop-delay');
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), killAfterMs).unref();
      }),
  };
}

/** Resident set size from /proc (Linux), in MB. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}
