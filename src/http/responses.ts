import { Hono, type Context } from 'hono';
import type { Response as OpenAIResponse, ResponseStreamEvent } from 'openai/resources/responses/responses';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import type { ResponsesInboundRequest } from '../responses/responses-inbound.js';
import type { AppEnv } from './app-env.js';
import { AppError } from '../errors.js';
import type { ResponseReader } from '../responses/response-store.js';
import { EffortSchema } from '../routes-config/schemas.js';
import { callerFingerprint, identifyCaller, presentedKey, type AccessKeys } from './auth.js';
import { describeValidation, readJsonBody } from './body.js';
import { callContext } from './chat-completions.js';
import { decisionHeaders, SSE_HEADERS } from './proxy-headers.js';
import type { RouteLimits } from './route-schemas.js';
import { sseResponse } from './sse.js';

const TRANSLATED_ITEMS = ['message', 'function_call', 'function_call_output'];

/** The items the router reads or translates have their shape checked; any other item type goes to the upstream as is. */
function inputItemSchema(limits: RouteLimits) {
  const content = z.union([
    z.string().max(limits.maxQueryChars, `longer than ${limits.maxQueryChars} characters`),
    z.array(z.looseObject({ type: z.string().min(1) })).max(256),
  ]);
  return z.union([
    z.looseObject({ type: z.literal('message').optional(), role: z.enum(['user', 'assistant', 'system', 'developer']), content }),
    z.looseObject({
      type: z.literal('function_call'),
      call_id: z.string().min(1),
      name: z.string().min(1),
      arguments: z.string(),
    }),
    z.looseObject({ type: z.literal('function_call_output'), call_id: z.string().min(1), output: content }),
    z.looseObject({
      type: z.string().refine((type) => !TRANSLATED_ITEMS.includes(type), 'a malformed message or function call item'),
    }),
  ]);
}

/** Only what the router reads is checked; every other field goes to the upstream, which validates it. */
export function responsesRequestSchema(limits: RouteLimits) {
  const maxItems = limits.maxMessages ?? 1000;
  return z.looseObject({
    model: z.string().min(1, 'must name a model, or "auto"'),
    input: z.union([
      z.string().max(limits.maxQueryChars, `longer than ${limits.maxQueryChars} characters`),
      z.array(inputItemSchema(limits)).max(maxItems, `at most ${maxItems} items (MAX_MESSAGES)`),
    ]),
    tools: z
      .array(z.looseObject({ type: z.string().min(1) }))
      .max(256)
      .nullable()
      .optional(),
    instructions: z.string().max(limits.maxQueryChars, `longer than ${limits.maxQueryChars} characters`).nullable().optional(),
    previous_response_id: z.string().min(1).max(200).nullable().optional(),
    store: z.boolean().nullable().optional(),
    stream: z.boolean().nullable().optional(),
    background: z.boolean().nullable().optional(),
    // Read by the router, which fits the effort to the model that answers (src/providers/reasoning.ts).
    reasoning: z.looseObject({ effort: EffortSchema.nullable().optional() }).nullable().optional(),
  });
}

/**
 * Who may use which stored response: a key its own; the admin key, or anyone on a service without client keys, also
 * the responses without an owner (stored before ownership existed, or by a caller without a key), which nobody else
 * can be shown to own.
 */
function responseReader(c: Context<AppEnv>, keys: AccessKeys): ResponseReader {
  const readsUnowned = keys.clientKeys.length === 0 || identifyCaller(keys, presentedKey(c)).role === 'admin';
  return { owner: callerFingerprint(c), readsUnowned };
}

const frame = (event: ResponseStreamEvent) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;

/**
 * POST /v1/responses: OpenAI's Responses API, so the openai SDK's
 * `responses.create` / `responses.stream` (and agents built on them) route
 * like chat completions. Errors take the OpenAI shape in the app's onError.
 */
export function responsesRoutes(limits: RouteLimits, logger: Logger, keys: AccessKeys): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const schema = responsesRequestSchema(limits);

  routes.post('/v1/responses', async (c) => {
    const started = performance.now();
    const body = (await readJsonBody(c, schema)) as unknown as ResponsesInboundRequest;
    const { responses } = c.get('services').proxy;
    const context = callContext(c, '/v1/responses', body.model, { effort: body.reasoning?.effort });
    const prepared = responses.prepare(body, responseReader(c, keys));
    const plan = await responses.plan(prepared, context);

    if (body.stream !== true) {
      const call = await responses.complete(prepared, plan, context, started);
      return c.json(call.response, 200, decisionHeaders(call, call.costUsd));
    }

    const call = await responses.stream(prepared, plan, context, started);
    const frames = async function* (): AsyncGenerator<string> {
      let latest: OpenAIResponse | undefined;
      let sequence = 0;
      try {
        for await (const event of call.events) {
          if ('response' in event && typeof event.response === 'object') latest = event.response;
          sequence = event.sequence_number + 1;
          yield frame(event);
        }
      } catch (error) {
        // Headers are gone: the stream ends with the response failed, the Responses API's own terminal event.
        const message = error instanceof Error ? error.message : String(error);
        logger.warn('stream failed after the first event', { decision_id: plan.decisionId, error: message });
        const failed = {
          ...latest,
          status: 'failed',
          error: { code: 'server_error', message: `upstream stream failed: ${message}` },
        } as OpenAIResponse;
        yield frame({ type: 'response.failed', response: failed, sequence_number: sequence });
      }
    };
    return sseResponse(frames(), { ...SSE_HEADERS, ...decisionHeaders(call, undefined) });
  });

  // Reading back what the router stored, for the SDK's responses.retrieve / inputItems.list / delete. Each answers
  // only the key that created the response (see responseReader); any other sees a 404, as for an id that never existed.
  routes.get('/v1/responses/:id', (c) => {
    const query = RetrieveQuerySchema.safeParse(c.req.query());
    if (!query.success) throw new AppError('invalid_request', 400, describeValidation(query.error));
    if (query.data.stream === 'true')
      throw new AppError(
        'invalid_request',
        400,
        'stream: only background responses can be streamed back, and this router runs none',
        {
          param: 'stream',
        },
      );
    return c.json(c.get('services').proxy.responses.retrieve(c.req.param('id'), responseReader(c, keys)));
  });
  routes.get('/v1/responses/:id/input_items', (c) => {
    const query = InputItemsQuerySchema.safeParse(c.req.query());
    if (!query.success) throw new AppError('invalid_request', 400, describeValidation(query.error));
    return c.json(c.get('services').proxy.responses.inputItems(c.req.param('id'), responseReader(c, keys), query.data));
  });
  routes.delete('/v1/responses/:id', (c) =>
    c.json(c.get('services').proxy.responses.delete(c.req.param('id'), responseReader(c, keys))),
  );
  return routes;
}

/** `include` (and the stream tuning fields) are accepted and have nothing to act on: the stored items are whole. */
const RetrieveQuerySchema = z.looseObject({ stream: z.enum(['true', 'false']).optional() });

const InputItemsQuerySchema = z.looseObject({
  after: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  order: z.enum(['asc', 'desc']).default('desc'),
});
