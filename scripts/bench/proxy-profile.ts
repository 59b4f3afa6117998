/**
 * node --import tsx scripts/bench/proxy-profile.ts [requests=3000]
 * CPU profile of the service answering POST /v1/chat/completions with an explicit model (the proxy-overhead path)
 * against the fake upstream, one keep-alive connection; prints where the service's own CPU goes, by function and by
 * package. Uses dist/ (run `npm run build` first, or `npm run bench` once). PROXY_PROFILE_KEEP=1 keeps the .cpuprofile.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { keepAliveAgent, sequentialLatencies } from './http-client.js';
import { PROJECT_ROOT } from './service-process.js';
import { percentiles } from './stats.js';
import { startFakeUpstreamProcess } from '../../test/support/fake-upstream-process.js';

const requests = Number(process.argv[2] ?? 3000);
const dir = mkdtempSync(join(tmpdir(), 'proxy-profile-'));
const { url: upstreamUrl, child: upstream } = await startFakeUpstreamProcess('bench-key', PROJECT_ROOT);
const service = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, join(PROJECT_ROOT, 'dist/src/main.js')], {
  cwd: PROJECT_ROOT,
  env: {
    PATH: process.env.PATH ?? '',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    EMBEDDER: 'minilm',
    EMBEDDING_OFFLINE: 'true',
    MINILM_MODEL_DIR: join(PROJECT_ROOT, '.cache/minilm-standin/tiny'),
    SEED_ON_START: 'false',
    DATABASE_PATH: join(dir, 'p.db'),
    OPENAI_API_KEY: 'bench-key',
    OPENAI_BASE_URL: `${upstreamUrl}/v1`,
  },
  stdio: ['ignore', 'ignore', 'pipe'],
});
let port = 0;
await new Promise<void>((resolve) =>
  createInterface({ input: service.stderr }).on('line', (line) => {
    let record: { msg?: string; port?: number };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      return;
    }
    if (record.msg === 'listening') port = record.port!;
    if (record.msg === 'ready') resolve();
  }),
);
const url = `http://127.0.0.1:${port}/v1/chat/completions`;
const agent = keepAliveAgent();
const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello in one short sentence.' }] };
await sequentialLatencies(agent, url, 300, () => body);
const p = percentiles(await sequentialLatencies(agent, url, requests, () => body));
agent.destroy();
service.kill('SIGINT');
await new Promise((resolve) => service.once('exit', resolve));
upstream.stdin!.end();
console.log(`router round trip over ${requests} requests: p50 ${p.p50.toFixed(3)} ms, p99 ${p.p99.toFixed(3)} ms`);

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
// The embedding worker writes a profile of its own; the main thread's is the largest.
const profileFile = readdirSync(dir)
  .filter((name) => name.endsWith('.cpuprofile'))
  .map((name) => join(dir, name))
  .sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
const profile = JSON.parse(readFileSync(profileFile, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
let total = 0;
for (const node of profile.nodes) {
  const us = self.get(node.id) ?? 0;
  const { functionName, url: file, lineNumber } = node.callFrame;
  if (functionName === '(idle)' || functionName === '(program)' || functionName === '(garbage collector)') {
    if (functionName !== '(idle)') byPackage.set(functionName, (byPackage.get(functionName) ?? 0) + us);
    if (functionName !== '(idle)') total += us;
    continue;
  }
  total += us;
  const pkg =
    /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ??
    (file.includes('/dist/src/')
      ? `src/${file.split('/dist/src/')[1]!.split('/')[0]}`
      : file.startsWith('node:')
        ? 'node internals'
        : file || '(native)');
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  const key = `${functionName || '(anonymous)'} ${file.replace(/^.*node_modules\//, '').replace(/^.*dist\//, '')}:${lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
}
const show = (title: string, map: Map<string, number>, n: number) => {
  console.log(`\n${title} (busy CPU ${(total / 1000).toFixed(0)} ms, ${(total / requests).toFixed(0)} us per request)`);
  for (const [key, us] of [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n))
    console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}`);
};
show('self time by package', byPackage, 15);
show('self time by function', byFunction, 25);
if (process.env.PROXY_PROFILE_KEEP) console.log(`profile kept in ${dir}`);
else rmSync(dir, { recursive: true, force: true });
