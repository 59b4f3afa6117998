import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * The fake upstream (fake-upstream.ts) in a child process, for benchmarks
 * where the load generator and the upstream must not share an event loop.
 * Resolves with its URL; closing the child's stdin stops it.
 */
export async function startFakeUpstreamProcess(apiKey: string, cwd: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fake-upstream-server.ts'), apiKey], {
    cwd,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`fake upstream exited (${code})`)));
  });
  return { url, child };
}
