import Anthropic, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import type { MessageCreateParamsNonStreaming, MessageCreateParamsStreaming } from '@anthropic-ai/sdk/resources/messages';
import { toAnthropicRequest, withReasoning } from './anthropic-request.js';
import { fromAnthropicMessage } from './anthropic-response.js';
import { createAnthropicChunkMapper } from './anthropic-stream.js';
import { startDeadline, type DeadlineTimers } from './deadline.js';
import { createPooledFetch } from './pooled-fetch.js';
import { sdkRequestOptions } from './request-options.js';
import { errorMessage, toProviderError, truncatedStreamError, type UpstreamFailure } from './provider-errors.js';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest, Provider, ProviderCallOptions } from './types.js';

export interface AnthropicProviderOptions {
  apiKey: string;
  /** `undefined` means the SDK's default (api.anthropic.com). */
  baseURL?: string | undefined;
  /** Seconds since the epoch for `created`; injectable so tests can pin it. */
  now?: () => number;
  /** The clock of each call's deadline (the SDK call, and the idle wait between stream events); tests step their own. */
  timers?: DeadlineTimers | undefined;
}

/** Anthropic through the official SDK, translating the canonical OpenAI format both ways. */
export function createAnthropicProvider(options: AnthropicProviderOptions): Provider {
  const client = new Anthropic({
    apiKey: options.apiKey,
    // `null`, not `undefined`: the SDK would otherwise read ANTHROPIC_BASE_URL from process.env.
    baseURL: options.baseURL ?? null,
    // Our fallback loop owns retries; an SDK retry would hide failures from it and the breaker.
    maxRetries: 0,
    // The SDK's transport: keep-alive node:http instead of the global fetch (see pooled-fetch.ts).
    fetch: createPooledFetch(),
  });
  const secrets = [options.apiKey];
  const created = (): number => options.now?.() ?? Math.floor(Date.now() / 1000);

  return {
    kind: 'anthropic',

    async complete(request: ChatRequest, call: ProviderCallOptions): Promise<ChatCompletion> {
      const deadline = startDeadline(call.signal, call.timeoutMs, options.timers);
      try {
        const body: MessageCreateParamsNonStreaming = {
          ...withReasoning(toAnthropicRequest(request, call.model), call.reasoning),
          stream: false,
        };
        const message = await client.messages.create(body, sdkRequestOptions(deadline.signal, call));
        return fromAnthropicMessage(message, created());
      } catch (error) {
        throw toProviderError(error, { deadline, secrets, describe: describeAnthropicError });
      } finally {
        deadline.dispose();
      }
    },

    async *stream(request: ChatRequest, call: ProviderCallOptions): AsyncGenerator<ChatCompletionChunk> {
      const deadline = startDeadline(call.signal, call.timeoutMs, options.timers);
      try {
        const body: MessageCreateParamsStreaming = {
          ...withReasoning(toAnthropicRequest(request, call.model), call.reasoning),
          stream: true,
        };
        const events = await client.messages.create(body, sdkRequestOptions(deadline.signal, call));
        const mapper = createAnthropicChunkMapper({ created: created() });
        for await (const event of events) {
          const chunks = mapper.map(event);
          // Every event is the upstream at work, a block's start or end too: the idle wait starts again. (The SDK drops
          // `ping` events before they get here, so a long silence with pings still times out.)
          if (chunks.length === 0) {
            deadline.restart();
            continue;
          }
          // The consumer may be slow (a client reading slowly); that is not upstream idle time.
          deadline.pause();
          for (const chunk of chunks) yield chunk;
          deadline.restart();
        }
        // The SDK ends the iteration quietly when its signal aborts, and a clean
        // close before message_stop looks like a normal end; both are failures.
        if (deadline.signal.aborted || !mapper.complete)
          throw deadline.signal.aborted ? deadline.signal.reason : truncatedStreamError();
      } catch (error) {
        throw toProviderError(error, { deadline, secrets, describe: describeAnthropicError });
      } finally {
        deadline.dispose();
      }
    },
  };
}

/**
 * Error types Anthropic sends in a stream's `error` event (no HTTP status
 * there), mapped to the status the same error has as an HTTP answer.
 */
const STATUS_BY_ERROR_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

export function describeAnthropicError(error: unknown): UpstreamFailure | undefined {
  if (error instanceof APIConnectionTimeoutError) return { type: 'timeout' };
  if (error instanceof APIUserAbortError) return { type: 'abort' };
  if (error instanceof APIConnectionError) return { type: 'connection', message: errorMessage(error) };
  if (error instanceof APIError) {
    // `apiMessage` is the body's error.message; the SDK's own `message` is the whole body as JSON.
    const message = error.apiMessage ?? error.message;
    if (typeof error.status === 'number')
      return { type: 'http', status: error.status, message, headers: error.headers as Headers | undefined };
    return { type: 'stream', message, status: error.type === null ? undefined : STATUS_BY_ERROR_TYPE[error.type] };
  }
  return undefined;
}
