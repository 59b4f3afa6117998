import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParams } from 'openai/resources/chat/completions';
import type {
  Response,
  ResponseCreateParamsNonStreaming,
  ResponseCreateParamsStreaming,
  ResponseStreamEvent,
} from 'openai/resources/responses/responses';
import type { ProviderKind } from '../routes-config/schemas.js';
import type { SentReasoning } from './reasoning.js';

/**
 * The canonical request and response of the proxy are OpenAI Chat Completions:
 * every adapter translates from and to these types, so the rest of the service
 * (routing, fallback, cost, the HTTP layer) only knows one format.
 */
export type ChatRequest = ChatCompletionCreateParams;
export type { ChatCompletion, ChatCompletionChunk };

export interface ProviderCallOptions {
  /** The provider's own model name (ModelConfig.model), replacing the request's `model`. */
  model: string;
  /** Aborts the upstream call: client disconnect or the caller's total deadline. */
  signal: AbortSignal;
  /**
   * Non-streaming: the whole call. Streaming: each wait for the next upstream
   * event, so a stalled stream fails while a long healthy one is not cut.
   */
  timeoutMs: number;
  /**
   * The reasoning to send (reasoningToSend: the client's where the model takes it, else the table's); the adapter
   * only puts it into its API's words. The request's own `reasoning_effort` / `reasoning.effort` is not read.
   */
  reasoning?: SentReasoning | undefined;
  /** Extra request headers for the upstream: the attempt span's `traceparent` when tracing is on. */
  headers?: Record<string, string> | undefined;
}

/**
 * One upstream, one contract. `stream` asks the upstream for a final usage
 * chunk (`choices: []`, `usage` set) whether or not the client did, so cost can
 * be measured; the HTTP layer drops it when the client did not ask. An
 * OpenAI-compatible server may still omit it: cost/tokens.ts then estimates.
 * Both methods throw only ProviderError.
 */
export interface Provider {
  readonly kind: ProviderKind;
  complete(request: ChatRequest, options: ProviderCallOptions): Promise<ChatCompletion>;
  stream(request: ChatRequest, options: ProviderCallOptions): AsyncIterable<ChatCompletionChunk>;
  /** Set when the upstream speaks OpenAI's Responses API (`responses_api` in routing.json): `/v1/responses` then goes there untranslated. */
  readonly responses?: ResponsesApi;
}

/**
 * The Responses API of an upstream, same rules as `Provider`: `stream` ends
 * only after a terminal event (completed, incomplete or failed) and throws
 * ProviderError, an in-stream `error` event included.
 */
export interface ResponsesApi {
  create(request: ResponseCreateParamsNonStreaming, options: ProviderCallOptions): Promise<Response>;
  stream(request: ResponseCreateParamsStreaming, options: ProviderCallOptions): AsyncIterable<ResponseStreamEvent>;
}

export type ProviderErrorKind = 'connection' | 'timeout' | 'rate_limited' | 'server' | 'client' | 'aborted';

export interface ProviderErrorInit {
  kind: ProviderErrorKind;
  message: string;
  retryable: boolean;
  status?: number | undefined;
  retryAfterMs?: number | undefined;
}

/**
 * Every upstream failure, whichever SDK raised it. `retryable` is what the
 * fallback loop and the circuit breaker act on; `message` is the upstream's own
 * message with any provider key removed. No `cause` is kept, so logging the
 * error can never print an SDK object that holds request details.
 */
export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  readonly retryable: boolean;
  // `declare`: only set when known, so the fields are absent rather than `undefined`.
  declare readonly status?: number;
  declare readonly retryAfterMs?: number;

  constructor(init: ProviderErrorInit) {
    super(init.message);
    this.name = 'ProviderError';
    this.kind = init.kind;
    this.retryable = init.retryable;
    if (init.status !== undefined) this.status = init.status;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
  }

  /** An HTTP error answer from an upstream, classified by its status. */
  static fromStatus(status: number, message: string, retryAfterMs?: number): ProviderError {
    return new ProviderError({ kind: kindOfStatus(status), message, retryable: isRetryableStatus(status), status, retryAfterMs });
  }

  /** A request the adapter cannot express for its upstream: the client's to fix, so no fallback. */
  static unsupported(message: string): ProviderError {
    return new ProviderError({ kind: 'client', message, retryable: false, status: 400 });
  }
}

/**
 * 408 and 409 are 4xx but transient (a timed-out or conflicting request may
 * succeed on another try or another upstream); 429 and 5xx are the upstream's
 * capacity. Every other 4xx is the request's fault and would fail anywhere.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

function kindOfStatus(status: number): ProviderErrorKind {
  if (status === 429) return 'rate_limited';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'server';
  return 'client';
}
