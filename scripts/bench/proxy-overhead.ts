import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { keepAliveAgent, sequentialLatencies } from './http-client.js';
import { EMBEDDERS, scratchDir, type BenchSettings } from './service-bench.js';
import { PROJECT_ROOT, startService } from './service-process.js';
import { percentiles, spread, spreadEach, type Spread } from './stats.js';
import { rmSync } from 'node:fs';
import { startFakeUpstreamProcess } from '../../test/support/fake-upstream-process.js';
import { freePort } from '../../test/support/free-port.js';

export interface ProxyTarget {
  name: string;
  p50Ms: Spread;
  p99Ms: Spread;
  addedP50Ms: Spread | undefined;
  addedP99Ms: Spread | undefined;
  maxRps: Spread;
  loadP99Ms: Spread;
  errors: number;
}

export interface ProxyResult {
  requestsPerRun: number;
  connections: number;
  targets: ProxyTarget[];
  note: string | undefined;
}

const API_KEY = 'bench-key';
/** An explicit model: the router forwards without embedding anything. */
const BODY = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello in one short sentence.' }] };

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
  });
}

/** Portkey's open-source gateway (@portkey-ai/gateway from npm) on a loopback port, headless. */
async function startPortkey(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const entry = join(PROJECT_ROOT, 'node_modules/@portkey-ai/gateway/build/start-server.js');
  const child = spawn(process.execPath, [entry, `--port=${port}`, '--headless'], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production' },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Portkey gateway exited (${child.exitCode})`);
    try {
      const response = await fetch(`${url}/`);
      await response.arrayBuffer();
      return { url, child };
    } catch {
      if (performance.now() > deadline) throw new Error('Portkey gateway did not start in 30 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

interface Measured {
  latency: { p50: number; p99: number }[];
  load: { rps: number; p99: number }[];
  errors: number;
}

/** Targets take turns within each run, so drift on a shared machine hits all of them alike. */
async function measureTargets(
  targets: readonly Target[],
  settings: BenchSettings,
  requestsPerRun: number,
  connections: number,
): Promise<Measured[]> {
  const measured: Measured[] = targets.map(() => ({ latency: [], load: [], errors: 0 }));
  const agents = targets.map(() => keepAliveAgent());
  const url = (target: Target) => `${target.url}/v1/chat/completions`;
  try {
    for (const [i, target] of targets.entries())
      await sequentialLatencies(agents[i]!, url(target), 200, () => BODY, target.headers); // warm-up
    for (let run = 0; run < settings.runs; run++) {
      for (const [i, target] of targets.entries()) {
        const samples = percentiles(
          await sequentialLatencies(agents[i]!, url(target), requestsPerRun, () => BODY, target.headers),
        );
        measured[i]!.latency.push({ p50: samples.p50, p99: samples.p99 });
        settings.log(
          `proxy ${target.name} run ${run + 1}: c=1 p50 ${samples.p50.toFixed(3)} ms, p99 ${samples.p99.toFixed(3)} ms`,
        );
      }
      for (const [i, target] of targets.entries()) {
        const result = await autocannon({
          url: url(target),
          connections,
          duration: settings.throughputSeconds,
          timeout: 10,
          method: 'POST',
          headers: { 'content-type': 'application/json', ...target.headers },
          body: JSON.stringify(BODY),
        });
        measured[i]!.errors += result.errors + result.timeouts + result.non2xx;
        measured[i]!.load.push({ rps: result.requests.total / settings.throughputSeconds, p99: result.latency.p99 });
        settings.log(
          `proxy ${target.name} run ${run + 1}: c=${connections} ${(result.requests.total / settings.throughputSeconds).toFixed(0)} req/s, p99 ${result.latency.p99} ms`,
        );
      }
    }
    return measured;
  } finally {
    for (const agent of agents) agent.destroy();
  }
}

/**
 * POST /v1/chat/completions with an explicit model through the router, against
 * the same request sent to the fake upstream directly and through Portkey's
 * gateway pointed at the same upstream (x-portkey-custom-host), in one run.
 */
export async function benchProxy(settings: BenchSettings): Promise<ProxyResult> {
  const requestsPerRun = settings.requestsPerRun * 2;
  const connections = 32;
  const dir = scratchDir();
  const children: ChildProcess[] = [];
  let router: Awaited<ReturnType<typeof startService>> | undefined;
  try {
    const upstream = await startFakeUpstreamProcess(API_KEY, PROJECT_ROOT);
    children.push(upstream.child);
    const portkey = await startPortkey();
    children.push(portkey.child);
    router = await startService({
      env: {
        ...EMBEDDERS['minilm-q8'],
        ...settings.serviceEnv,
        DATABASE_PATH: join(dir, 'proxy.db'),
        // An explicit model needs no exemplars: skip seeding so the router is ready at once.
        SEED_ON_START: 'false',
        OPENAI_API_KEY: API_KEY,
        OPENAI_BASE_URL: `${upstream.url}/v1`,
      },
    });
    // The router and Portkey get the caller's key the same way: the router holds it, Portkey forwards the caller's.
    const targets: Target[] = [
      { name: 'direct (fake upstream)', url: upstream.url, headers: { authorization: `Bearer ${API_KEY}` } },
      { name: 'router', url: router.url, headers: {} },
      {
        name: 'portkey gateway',
        url: portkey.url,
        headers: {
          authorization: `Bearer ${API_KEY}`,
          'x-portkey-provider': 'openai',
          'x-portkey-custom-host': `${upstream.url}/v1`,
        },
      },
    ];
    for (const target of targets) {
      const check = await fetch(`${target.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...target.headers },
        body: JSON.stringify(BODY),
      });
      const text = await check.text();
      if (check.status !== 200) throw new Error(`${target.name} answered ${check.status}: ${text.slice(0, 300)}`);
    }
    const measured = await measureTargets(targets, settings, requestsPerRun, connections);
    const direct = measured[0]!;
    const result: ProxyTarget[] = measured.map(({ latency, load, errors }, i) => {
      const target = targets[i]!;
      const x = spreadEach(latency);
      const isDirect = i === 0;
      return {
        name: target.name,
        p50Ms: x.p50,
        p99Ms: x.p99,
        addedP50Ms: isDirect ? undefined : spread(latency.map((run, i) => run.p50 - direct.latency[i]!.p50)),
        addedP99Ms: isDirect ? undefined : spread(latency.map((run, i) => run.p99 - direct.latency[i]!.p99)),
        maxRps: spread(load.map((run) => run.rps)),
        loadP99Ms: spread(load.map((run) => run.p99)),
        errors,
      };
    });
    return {
      requestsPerRun,
      connections,
      targets: result,
      note: "Added latency is per run against the direct call measured in the same run; the router holds the upstream key, Portkey forwards the caller's.",
    };
  } finally {
    await router?.stop();
    for (const child of children) await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  }
}
