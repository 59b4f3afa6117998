/**
 * node --import tsx scripts/bench/proxy-ab.ts [--a dist/src/main.js] [--b <other main.js>] [--a-env K=V] [--b-env K=V]
 *                                            [--blocks 12] [--per-block 200]
 * A/B of the explicit-model proxy path on a busy machine: two services (two builds, or one build with two
 * environments) against one fake upstream, measured in alternating blocks of sequential requests on keep-alive
 * connections, with the direct call as a third target. Drift from other work hits both sides alike; the report is
 * the median of the per-block p50s, and how often A beat B block by block. To compare builds, copy `dist/` to a
 * directory under the project (so `node_modules` resolves), e.g. `cp -r dist .ab-before`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { keepAliveAgent, sequentialLatencies } from './http-client.js';
import { PROJECT_ROOT } from './service-process.js';
import { percentiles } from './stats.js';
import { startFakeUpstreamProcess } from '../../test/support/fake-upstream-process.js';
import { freePort } from '../../test/support/free-port.js';

const { values } = parseArgs({
  options: {
    a: { type: 'string', default: 'dist/src/main.js' },
    b: { type: 'string', default: 'dist/src/main.js' },
    'a-env': { type: 'string', multiple: true, default: [] },
    'b-env': { type: 'string', multiple: true, default: [] },
    blocks: { type: 'string', default: '12' },
    'per-block': { type: 'string', default: '200' },
  },
});
const envPairs = (pairs: string[]) =>
  Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
const blocks = Number(values.blocks);
const perBlock = Number(values['per-block']);
const dir = mkdtempSync(join(tmpdir(), 'proxy-ab-'));
const children: ChildProcess[] = [];

const { url: upstreamUrl, child: upstream } = await startFakeUpstreamProcess('bench-key', PROJECT_ROOT);
children.push(upstream);

async function startRouter(name: string, main: string, extraEnv: Record<string, string>): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, [resolve(PROJECT_ROOT, main)], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      EMBEDDER: 'minilm',
      EMBEDDING_OFFLINE: 'true',
      MINILM_MODEL_DIR: join(PROJECT_ROOT, '.cache/minilm-standin/tiny'),
      SEED_ON_START: 'false',
      DATABASE_PATH: join(dir, `${name}.db`),
      OPENAI_API_KEY: 'bench-key',
      OPENAI_BASE_URL: `${upstreamUrl}/v1`,
      ...extraEnv,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  child.stderr.resume();
  // Polled rather than read from the log, so an environment with LOG_LEVEL=warn works too.
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = performance.now() + 60_000; ;) {
    if (child.exitCode !== null) throw new Error(`service ${name} exited (${child.exitCode})`);
    const ready = await fetch(`${url}/readyz`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ready) return url;
    if (performance.now() > deadline) throw new Error(`service ${name} not ready in 60 s`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

try {
  const targets = [
    { name: 'direct', url: upstreamUrl, headers: { authorization: 'Bearer bench-key' } },
    { name: 'A', url: await startRouter('a', values.a, envPairs(values['a-env'])), headers: {} },
    { name: 'B', url: await startRouter('b', values.b, envPairs(values['b-env'])), headers: {} },
  ];
  const agents = targets.map(() => keepAliveAgent());
  const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello in one short sentence.' }] };
  const p50s = targets.map(() => [] as number[]);
  for (const [i, target] of targets.entries())
    await sequentialLatencies(agents[i]!, `${target.url}/v1/chat/completions`, 300, () => body, target.headers);
  for (let block = 0; block < blocks; block++) {
    // Alternate the order too, so neither side always follows the other.
    const order = block % 2 === 0 ? [0, 1, 2] : [0, 2, 1];
    for (const i of order) {
      const target = targets[i]!;
      p50s[i]!.push(
        percentiles(
          await sequentialLatencies(agents[i]!, `${target.url}/v1/chat/completions`, perBlock, () => body, target.headers),
        ).p50,
      );
    }
  }
  for (const agent of agents) agent.destroy();
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const direct = p50s[0]!;
  for (const [i, target] of targets.entries()) {
    const added = p50s[i]!.map((p, k) => p - direct[k]!);
    console.log(
      `${target.name.padEnd(6)} p50 ${median(p50s[i]!).toFixed(3)} ms, added ${i === 0 ? 'n/a  ' : median(added).toFixed(3)} ms (per-block p50 ${p50s[i]!.map((p) => p.toFixed(2)).join(' ')})`,
    );
  }
  const aWins = p50s[1]!.filter((p, k) => p < p50s[2]![k]!).length;
  console.log(
    `A faster than B in ${aWins}/${blocks} blocks; median B-A ${median(p50s[2]!.map((p, k) => p - p50s[1]![k]!)).toFixed(3)} ms`,
  );
} finally {
  upstream.stdin!.end();
  for (const child of children.slice(1)) child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
