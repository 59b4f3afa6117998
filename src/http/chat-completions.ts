import { Hono, type Context } from 'hono';
import type { AppEnv } from './app-env.js';
import type { Logger } from '../logger.js';
import type { ChatRequest, ChatCompletionChunk } from '../providers/types.js';
import type { ClientReasoning } from '../providers/reasoning.js';
import type { ProxyCallContext } from '../proxy/chat-proxy.js';
import { callerFingerprint } from './auth.js';
import { readJsonBody } from './body.js';
import { chatCompletionRequestSchema } from './proxy-schemas.js';
import { clientSignal } from './node-request.js';
import { decisionHeaders, SSE_HEADERS } from './proxy-headers.js';
import type { RouteLimits } from './route-schemas.js';
import { sseResponse } from './sse.js';

export function callContext(
  c: Context<AppEnv>,
  endpoint: string,
  model: string,
  clientReasoning?: ClientReasoning,
): ProxyCallContext {
  return {
    clientReasoning,
    endpoint,
    model,
    strategyHeader: c.req.header('x-router-strategy'),
    sessionId: c.req.header('x-router-session-id'),
    signal: clientSignal(c),
    requestId: c.get('requestId'),
    clientRequestId: c.get('clientRequestId'),
    owner: callerFingerprint(c),
    trace: c.get('trace'),
  };
}

/** Without `stream_options.include_usage` the client asked for no usage chunk, though we always take one upstream for pricing. */
function forClient(chunk: ChatCompletionChunk, includeUsage: boolean): ChatCompletionChunk | undefined {
  if (includeUsage) return chunk;
  if (chunk.choices.length === 0) return undefined;
  const { usage: _usage, ...rest } = chunk;
  return rest;
}

/** POST /v1/chat/completions: OpenAI-compatible; `model: "auto"` routes. */
export function chatCompletionRoutes(limits: RouteLimits, logger: Logger): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const schema = chatCompletionRequestSchema(limits);

  routes.post('/v1/chat/completions', async (c) => {
    const started = performance.now();
    const body = (await readJsonBody(c, schema)) as unknown as ChatRequest;
    const { chat } = c.get('services').proxy;
    const context = callContext(c, '/v1/chat/completions', body.model, { effort: body.reasoning_effort });
    const plan = await chat.plan(body, context);

    if (body.stream !== true) {
      const call = await chat.complete(body, plan, context, started);
      return c.json(call.completion, 200, decisionHeaders(call, call.costUsd));
    }

    const includeUsage = body.stream_options?.include_usage === true;
    const call = await chat.stream(body, plan, context, started);
    const frames = async function* (): AsyncGenerator<string> {
      try {
        for await (const chunk of call.chunks) {
          const out = forClient(chunk, includeUsage);
          if (out) yield `data: ${JSON.stringify(out)}\n\n`;
        }
        yield 'data: [DONE]\n\n';
      } catch (error) {
        // Headers are gone: the only way left to report a failure is an error frame, which OpenAI SDKs raise.
        const message = error instanceof Error ? error.message : String(error);
        logger.warn('stream failed after the first chunk', { decision_id: plan.decisionId, error: message });
        yield `data: ${JSON.stringify({ error: { message: `upstream stream failed: ${message}`, type: 'api_error', code: 'stream_failed', param: null } })}\n\n`;
      }
    };
    return sseResponse(frames(), { ...SSE_HEADERS, ...decisionHeaders(call, undefined) });
  });

  routes.get('/v1/models', (c) => {
    const { registry, routesData } = c.get('services');
    const table = routesData.routing;
    const created = 0;
    const entry = (id: string, ownedBy: string, extra: Record<string, unknown> = {}) => ({
      id,
      object: 'model',
      created,
      owned_by: ownedBy,
      ...extra,
    });
    return c.json({
      object: 'list',
      data: [
        entry('auto', 'router', { description: 'routed per request; auto:<strategy> picks a strategy' }),
        ...Object.entries(table.models).map(([id, model]) =>
          entry(id, model.provider, {
            provider_model: model.model,
            capabilities: model.capabilities,
            available: registry.isAvailable(model.provider),
          }),
        ),
      ],
    });
  });

  return routes;
}
