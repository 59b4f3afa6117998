import { z } from 'zod';
import { StrategySchema } from '../routing/strategy.js';
import { extractRoutingText } from '../routing/conversation.js';

export interface RouteLimits {
  maxQueryChars: number;
  batchMax: number;
  /** Most messages in one conversation. */
  maxMessages?: number;
}

/**
 * A lone surrogate (`"\ud800"` is valid JSON) is not text: it has no UTF-8
 * encoding, so the tokenizer would see U+FFFD, a character the client never sent.
 */
const LONE_SURROGATE = /\p{Cs}/u;
const wellFormed = (text: string) => !LONE_SURROGATE.test(text);
const NOT_WELL_FORMED = 'is not valid Unicode (it holds a lone surrogate)';

const ContentPartSchema = z.looseObject({
  type: z.string().min(1),
  text: z.string().refine(wellFormed, NOT_WELL_FORMED).optional(),
});

export function messageSchema(limits: RouteLimits) {
  return z.looseObject({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
    content: z
      .union([
        z
          .string()
          .max(limits.maxQueryChars, `longer than ${limits.maxQueryChars} characters`)
          .refine(wellFormed, NOT_WELL_FORMED),
        z.array(ContentPartSchema).max(256),
        z.null(),
      ])
      .optional(),
  });
}

function queryText(limits: RouteLimits) {
  return z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(limits.maxQueryChars, `longer than ${limits.maxQueryChars} characters (MAX_QUERY_CHARS)`)
    .refine(wellFormed, NOT_WELL_FORMED);
}

const strategyField = z.string().pipe(StrategySchema).optional().describe('strategy');

export function routeRequestSchema(limits: RouteLimits) {
  return z
    .object({
      query: queryText(limits).optional(),
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
        ctx.addIssue({
          code: 'custom',
          path: [],
          message: 'send exactly one of "query" (a string) or "messages" (OpenAI chat format)',
        });
      }
      if (body.messages && !body.messages.some((message) => message.role === 'user')) {
        ctx.addIssue({ code: 'custom', path: ['messages'], message: 'needs at least one message with role "user"' });
      } else if (body.messages) {
        // Routing reads the user's words only; a decision about no words would be a guess presented as evidence.
        const { query, history } = extractRoutingText(body.messages, Number.POSITIVE_INFINITY);
        if (query === '' && history.length === 0) {
          ctx.addIssue({ code: 'custom', path: ['messages'], message: 'no user message has any text to route on' });
        }
      }
    });
}
export type RouteRequest = z.infer<ReturnType<typeof routeRequestSchema>>;

export function routeBatchRequestSchema(limits: RouteLimits) {
  return z
    .object({
      queries: z
        .array(queryText(limits))
        .min(1, 'must hold at least one query')
        .max(limits.batchMax, `at most ${limits.batchMax} queries per call (ROUTE_BATCH_MAX)`),
      strategy: strategyField,
    })
    .strict();
}
