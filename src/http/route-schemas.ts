import { z } from 'zod';
import { StrategySchema } from '../config.js';

export interface RouteLimits {
  maxQueryChars: number;
  batchMax: number;
  /** Most messages in one conversation. */
  maxMessages?: number;
}

const ContentPartSchema = z.looseObject({ type: z.string().min(1), text: z.string().optional() });

export function messageSchema(limits: RouteLimits) {
  return z.looseObject({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
    content: z
      .union([z.string().max(limits.maxQueryChars, `longer than ${limits.maxQueryChars} characters`), z.array(ContentPartSchema).max(256), z.null()])
      .optional(),
  });
}

const strategyField = z.string().pipe(StrategySchema).optional().describe('strategy');

export function routeRequestSchema(limits: RouteLimits) {
  return z
    .object({
      query: z
        .string()
        .trim()
        .min(1, 'must not be empty')
        .max(limits.maxQueryChars, `longer than ${limits.maxQueryChars} characters (MAX_QUERY_CHARS)`)
        .optional(),
      messages: z
        .array(messageSchema(limits))
        .min(1, 'must hold at least one message')
        .max(limits.maxMessages ?? 1000, `at most ${limits.maxMessages ?? 1000} messages (MAX_MESSAGES)`)
        .optional(),
      strategy: strategyField,
      session_id: z.string().min(1).max(256).optional(),
    })
    .strict()
    .superRefine((body, ctx) => {
      if ((body.query === undefined) === (body.messages === undefined)) {
        ctx.addIssue({ code: 'custom', path: [], message: 'send exactly one of "query" (a string) or "messages" (OpenAI chat format)' });
      }
      if (body.messages && !body.messages.some((message) => message.role === 'user')) {
        ctx.addIssue({ code: 'custom', path: ['messages'], message: 'needs at least one message with role "user"' });
      }
    });
}
export type RouteRequest = z.infer<ReturnType<typeof routeRequestSchema>>;

export function routeBatchRequestSchema(limits: RouteLimits) {
  return z
    .object({
      queries: z
        .array(
          z
            .string()
            .trim()
            .min(1, 'must not be empty')
            .max(limits.maxQueryChars, `longer than ${limits.maxQueryChars} characters (MAX_QUERY_CHARS)`),
        )
        .min(1, 'must hold at least one query')
        .max(limits.batchMax, `at most ${limits.batchMax} queries per call (ROUTE_BATCH_MAX)`),
      strategy: strategyField,
    })
    .strict();
}
