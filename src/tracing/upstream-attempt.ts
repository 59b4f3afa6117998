import { SpanKind, type Attributes } from '@opentelemetry/api';
import { endedBeforeFirstChunk } from '../providers/forward.js';
import { ProviderError, type ChatRequest } from '../providers/types.js';
import type { TraceSpan } from './trace-span.js';

/**
 * One span per call to an upstream model, with the GenAI semantic
 * conventions' attributes (span name `chat <model>`, kind client). Token
 * counts are the upstream's own; prompts and answers never go into a span.
 */
export interface UpstreamCall {
  /** The routing table's provider name (`openai`, `anthropic`, `gemini`, ...). */
  provider: string;
  /** The routing table's model id. */
  model: string;
  /** The name the upstream knows the model by. */
  providerModel: string;
  request: Pick<ChatRequest, 'max_tokens' | 'max_completion_tokens' | 'temperature'>;
}

export interface UpstreamAnswer {
  /** The model the upstream says answered. */
  responseModel: string | undefined;
  usage: { inputTokens: number; outputTokens: number } | undefined;
}

export function startAttemptSpan(parent: TraceSpan, call: UpstreamCall): TraceSpan {
  const attributes: Attributes = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': call.provider,
    // The name before semantic conventions 1.37; many backends still group GenAI spans by it.
    'gen_ai.system': call.provider,
    'gen_ai.request.model': call.providerModel,
    'router.model': call.model,
  };
  const maxTokens = call.request.max_completion_tokens ?? call.request.max_tokens;
  if (typeof maxTokens === 'number') attributes['gen_ai.request.max_tokens'] = maxTokens;
  if (typeof call.request.temperature === 'number') attributes['gen_ai.request.temperature'] = call.request.temperature;
  return parent.child(`chat ${call.providerModel}`, { kind: SpanKind.CLIENT, attributes });
}

export function recordAnswer(span: TraceSpan, answer: UpstreamAnswer): void {
  if (answer.responseModel !== undefined) span.set({ 'gen_ai.response.model': answer.responseModel });
  if (answer.usage)
    span.set({ 'gen_ai.usage.input_tokens': answer.usage.inputTokens, 'gen_ai.usage.output_tokens': answer.usage.outputTokens });
}

/** `error.type` is the upstream's HTTP status when it answered with one, else what went wrong (`timeout`, `connection`, ...). */
export function recordFailure(span: TraceSpan, error: unknown): void {
  if (error instanceof ProviderError) {
    if (error.status !== undefined) span.set({ 'http.response.status_code': error.status });
    span.fail(error.status !== undefined ? String(error.status) : error.kind, error.message);
    return;
  }
  span.failWith(error);
}

/** The `model` an answer names: a chat completion or chunk has it on top, a Responses event inside `response`. */
export function responseModelOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as { model?: unknown; response?: { model?: unknown } };
  if (typeof record.model === 'string') return record.model;
  return typeof record.response?.model === 'string' ? record.response.model : undefined;
}

/**
 * Runs one non-streaming upstream call in its own span under `parent` and
 * passes it the `traceparent` to send; without a parent (tracing off) it only
 * runs the call.
 */
export async function tracedCall<T>(
  parent: TraceSpan | undefined,
  call: UpstreamCall,
  run: (headers: Record<string, string> | undefined) => Promise<T>,
  answer: (value: T) => UpstreamAnswer,
): Promise<T> {
  if (parent === undefined) return run(undefined);
  const span = startAttemptSpan(parent, call);
  try {
    const value = await run(span.headers());
    recordAnswer(span, answer(value));
    return value;
  } catch (error) {
    recordFailure(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/**
 * A streaming attempt: the span fails and ends when the stream throws (before
 * its first chunk, so fallback moves on, or later), or when it ends without a
 * chunk: forward fails that attempt outside this wrapper (`firstChunk`), and
 * no consumer is left to end its span. A stream that goes well is ended by its
 * consumer, which knows the usage at the end.
 */
export async function* failingSpanOnError<T>(source: AsyncIterable<T>, span: TraceSpan): AsyncGenerator<T> {
  let yielded = false;
  try {
    for await (const item of source) {
      yielded = true;
      yield item;
    }
  } catch (error) {
    recordFailure(span, error);
    span.end();
    throw error;
  }
  if (!yielded) {
    recordFailure(span, endedBeforeFirstChunk());
    span.end();
  }
}
