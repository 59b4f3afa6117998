import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { startFakeUpstream, type FakeUpstream } from './fake-upstream.js';
import type { Tracing } from '../../src/tracing/tracing.js';
import { postJson, startTestService, type TestEmbedder, type TestService } from './test-router.js';

export const UPSTREAM_KEY = 'sk-test-upstream-4f1c9a';

export interface ProxyStack extends TestService {
  upstream: FakeUpstream;
  /** http://127.0.0.1:<port> of the router itself. */
  url: string;
  /** The candidates /v1/route gives for a query (available ones, in order). */
  candidatesFor(query: string): Promise<{ model: string; provider: string; provider_model: string }[]>;
}

/**
 * The router on a loopback port, every provider pointed at one fake upstream
 * that speaks both OpenAI and Anthropic. `providers` picks which keys are set.
 */
export async function startProxyStack(
  t: { after: (fn: () => void | Promise<void>) => void },
  options: {
    providers?: ('openai' | 'anthropic' | 'gemini' | 'xai')[];
    env?: Record<string, string>;
    /** The stand-in by default (fast, meaningless scores); USE-lite where the scores are shown, as in screenshots. */
    embedder?: TestEmbedder;
    /** Tracing for the app (an in-memory exporter in the tracing tests); off otherwise, as in production by default. */
    tracing?: Tracing;
  } = {},
): Promise<ProxyStack> {
  const upstream = await startFakeUpstream({ apiKey: UPSTREAM_KEY });
  t.after(() => upstream.close());
  const env: Record<string, string> = {};
  for (const provider of options.providers ?? ['openai', 'anthropic', 'gemini', 'xai']) {
    const prefix = provider.toUpperCase();
    env[`${prefix}_API_KEY`] = UPSTREAM_KEY;
    env[`${prefix}_BASE_URL`] = provider === 'anthropic' ? upstream.anthropicBaseURL : upstream.openaiBaseURL;
  }
  const service = await startTestService(
    t,
    options.embedder ?? 'tiny-standin',
    { ...env, ...options.env },
    options.tracing ? { tracing: options.tracing } : {},
  );
  const server = serve({ fetch: service.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    ...service,
    upstream,
    url,
    async candidatesFor(query) {
      const body = (await (await postJson(service.app, '/v1/route', { query })).json()) as {
        model: string;
        provider: string;
        provider_model: string;
        fallbacks: { model: string; provider: string; provider_model: string; available: boolean }[];
      };
      return [body, ...body.fallbacks.filter((candidate) => candidate.available)].map(({ model, provider, provider_model }) => ({
        model,
        provider,
        provider_model,
      }));
    },
  };
}
