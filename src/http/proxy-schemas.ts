import { z } from 'zod';
import { DEFAULT_EFFORTS, EffortSchema } from '../routes-config/schemas.js';
import type { RouteLimits } from './route-schemas.js';

/**
 * Only what the router itself needs is checked; every other field passes
 * through untouched to the provider, which validates it against its own API.
 */
export function chatCompletionRequestSchema(limits: RouteLimits) {
  return z.looseObject({
    model: z.string().min(1, 'must name a model, or "auto"'),
    messages: z
      .array(
        z.looseObject({
          role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
          content: z
            .union([
              z.string().max(limits.maxQueryChars, `longer than ${limits.maxQueryChars} characters`),
              z.array(z.looseObject({ type: z.string().min(1) })).max(256),
              z.null(),
            ])
            .optional(),
        }),
      )
      .min(1, 'must hold at least one message')
      .max(limits.maxMessages ?? 1000, `at most ${limits.maxMessages ?? 1000} messages (MAX_MESSAGES)`),
    stream: z.boolean().optional(),
    stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
    n: z.number().int().min(1).max(16).nullable().optional(),
    // Read by the router, which fits it to the model that answers (src/providers/reasoning.ts).
    reasoning_effort: EffortSchema.nullable().optional(),
  });
}

export function anthropicMessagesRequestSchema(limits: RouteLimits) {
  return z.looseObject({
    model: z.string().min(1, 'must name a model, or "auto"'),
    max_tokens: z.number().int().positive(),
    messages: z
      .array(
        z.looseObject({
          role: z.enum(['user', 'assistant']),
          content: z.union([
            z.string().max(limits.maxQueryChars, `longer than ${limits.maxQueryChars} characters`),
            z.array(z.looseObject({ type: z.string().min(1) })).max(256),
          ]),
        }),
      )
      .min(1, 'must hold at least one message')
      .max(limits.maxMessages ?? 1000, `at most ${limits.maxMessages ?? 1000} messages (MAX_MESSAGES)`),
    system: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]).optional(),
    stream: z.boolean().optional(),
    // Sent as is to Anthropic models that take thinking (src/providers/reasoning.ts); Anthropic checks the rest.
    thinking: z.looseObject({ type: z.string().min(1) }).optional(),
    output_config: z
      .looseObject({ effort: z.enum(DEFAULT_EFFORTS.anthropic).nullable().optional() })
      .nullable()
      .optional(),
  });
}
