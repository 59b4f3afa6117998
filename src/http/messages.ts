import { Hono } from 'hono';
import type { AppEnv } from './app-env.js';
import { estimateTokens, promptText } from '../cost/tokens.js';
import type { Logger } from '../logger.js';
import { fromAnthropicRequest, toAnthropicMessage, type AnthropicInboundRequest } from './anthropic-inbound.js';
import { createAnthropicEventMapper, type AnthropicSseEvent } from './anthropic-inbound-stream.js';
import { readJsonBody } from './body.js';
import { callContext } from './chat-completions.js';
import { decisionHeaders, SSE_HEADERS } from './proxy-headers.js';
import { anthropicMessagesRequestSchema } from './proxy-schemas.js';
import type { RouteLimits } from './route-schemas.js';
import { sseResponse } from './sse.js';

const frame = (event: AnthropicSseEvent) => `event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`;

/**
 * POST /v1/messages: Anthropic-compatible, so Anthropic SDK clients and agents
 * route the same way. Translated to the OpenAI shape inside, and back out.
 */
export function messagesRoutes(limits: RouteLimits, logger: Logger): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const schema = anthropicMessagesRequestSchema(limits);

  routes.post('/v1/messages', async (c) => {
    const started = performance.now();
    const inbound = (await readJsonBody(c, schema)) as unknown as AnthropicInboundRequest;
    const { chat } = c.get('services').proxy;
    const request = fromAnthropicRequest(inbound);
    const context = callContext(c, '/v1/messages', inbound.model, {
      effort: inbound.output_config?.effort,
      thinking: inbound.thinking,
    });
    const plan = await chat.plan(request, context);

    if (inbound.stream !== true) {
      const call = await chat.complete(request, plan, context, started);
      return c.json(toAnthropicMessage(call.completion), 200, decisionHeaders(call, call.costUsd));
    }

    const call = await chat.stream(request, plan, context, started);
    const mapper = createAnthropicEventMapper({
      model: call.candidate.providerModel,
      inputTokens: estimateTokens(promptText(request)),
    });
    const frames = async function* (): AsyncGenerator<string> {
      try {
        for await (const chunk of call.chunks) for (const event of mapper.push(chunk)) yield frame(event);
        for (const event of mapper.finish()) yield frame(event);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        logger.warn('stream failed after the first chunk', { decision_id: plan.decisionId, error: message });
        yield frame(mapper.error(`upstream stream failed: ${message}`));
      }
    };
    return sseResponse(frames(), { ...SSE_HEADERS, ...decisionHeaders(call, undefined) });
  });
  return routes;
}
