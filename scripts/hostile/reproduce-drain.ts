import { Agent } from 'node:http';
import { send, type Reply } from '../bench/http-client.js';
import type { DrainObservation, Reproduction } from './findings.js';
import { bearer, KEYS, type HostileStack } from './stack.js';

/** The first fresh-connection /readyz that says the service is draining; a refused connection is a failure. */
async function awaitDraining(url: string, failures: string[], timeoutMs = 5_000): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    try {
      if ((await send(new Agent({ keepAlive: false }), 'GET', `${url}/readyz`)).status === 503) return;
    } catch (error) {
      failures.push(`new connection: ${(error as Error).message}`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  failures.push(`/readyz did not turn 503 within ${timeoutMs} ms of SIGTERM`);
}

/**
 * Finding 5, last of a run (it stops the service): 16 clients each hold an idle
 * keep-alive connection when SIGTERM comes; once a new connection sees
 * /readyz 503, each asks /readyz and routes three queries on its own connection.
 */
export async function reproduceDrain(stack: HostileStack): Promise<Reproduction<DrainObservation>> {
  const { url, child } = stack.service;
  const clients = Array.from({ length: 16 }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
  // Both client keys, so the deployed rate limit (per key) is not what answers.
  const keyOf = (i: number) => bearer(i % 2 === 0 ? KEYS.client1 : KEYS.client2);
  const routesPerClient = 3;
  const failures: string[] = [];
  try {
    for (const [i, agent] of clients.entries()) {
      const warm = await send(agent, 'POST', `${url}/v1/route`, { query: `warm-up ${i}` }, keyOf(i));
      if (warm.status !== 200) throw new Error(`warm-up answered ${warm.status}: ${warm.body.slice(0, 200)}`);
    }
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const signalled = performance.now();
    child.kill('SIGTERM');
    await awaitDraining(url, failures);
    const results = await Promise.allSettled(
      clients.map(async (agent, i) => {
        const answers: Reply[] = [await send(agent, 'GET', `${url}/readyz`)];
        for (let n = 0; n < routesPerClient; n++)
          answers.push(await send(agent, 'POST', `${url}/v1/route`, { query: `client ${i} request ${n}` }, keyOf(i)));
        return answers;
      }),
    );
    const answered = results.flatMap((result) => {
      if (result.status === 'fulfilled') return [result.value];
      failures.push(`keep-alive client: ${(result.reason as Error).message}`);
      return [];
    });
    const exitCode = await exited;
    const drainMs = performance.now() - signalled;
    return {
      requests:
        `16 keep-alive clients each POST /v1/route once and keep the connection; SIGTERM (SHUTDOWN_DRAIN_MS=${stack.serviceEnv['SHUTDOWN_DRAIN_MS'] ?? 'default'} from deploy/); ` +
        `once a new connection gets /readyz 503, each client GET /readyz + ${routesPerClient} x POST /v1/route on its connection`,
      observation: {
        clients: clients.length,
        routesPerClient,
        failures,
        sawDraining: answered.filter(([readiness]) => readiness?.status === 503 && readiness.body.includes('draining')).length,
        routed200: answered.flatMap((answers) => answers.slice(1)).filter((answer) => answer.status === 200).length,
        closeHeaders: answered.flat().filter((answer) => answer.headers.connection === 'close').length,
        answers: answered.flat().length,
        exitCode,
        drainMs,
      },
    };
  } finally {
    for (const agent of clients) agent.destroy();
  }
}
