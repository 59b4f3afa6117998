import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { startDeadline } from './deadline.js';
import { createPooledFetch } from './pooled-fetch.js';
import { errorMessage, toProviderError, truncatedStreamError, type UpstreamFailure } from './provider-errors.js';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest, Provider, ProviderCallOptions } from './types.js';

export interface OpenAIProviderOptions {
  apiKey: string;
  /** Any OpenAI-compatible base URL; `undefined` means the SDK's default (api.openai.com). */
  baseURL?: string | undefined;
}

/** OpenAI and every OpenAI-compatible upstream, through the official SDK: the request is already in its format. */
export function createOpenAIProvider(options: OpenAIProviderOptions): Provider {
  const client = new OpenAI({
    apiKey: options.apiKey,
    // `null`, not `undefined`: the SDK reads OPENAI_BASE_URL, OPENAI_ORG_ID,
    // OPENAI_PROJECT_ID and OPENAI_ADMIN_KEY from process.env for missing
    // options, which would send OpenAI account headers to third-party base URLs.
    baseURL: options.baseURL ?? null,
    organization: null,
    project: null,
    adminAPIKey: null,
    // Our fallback loop owns retries; an SDK retry would hide failures from it and the breaker.
    maxRetries: 0,
    // The SDK's transport: keep-alive node:http instead of the global fetch (see pooled-fetch.ts).
    fetch: createPooledFetch(),
  });
  const secrets = [options.apiKey];

  return {
    kind: 'openai',

    async complete(request: ChatRequest, call: ProviderCallOptions): Promise<ChatCompletion> {
      const deadline = startDeadline(call.signal, call.timeoutMs);
      try {
        return await client.chat.completions.create({ ...upstreamBody(request, call.model), stream: false }, { signal: deadline.signal });
      } catch (error) {
        throw toProviderError(error, { deadline, secrets, describe: describeOpenAIError });
      } finally {
        deadline.dispose();
      }
    },

    async *stream(request: ChatRequest, call: ProviderCallOptions): AsyncGenerator<ChatCompletionChunk> {
      const deadline = startDeadline(call.signal, call.timeoutMs);
      try {
        const upstream = await client.chat.completions.create(
          {
            ...upstreamBody(request, call.model),
            stream: true,
            stream_options: { ...request.stream_options, include_usage: true },
          },
          { signal: deadline.signal },
        );
        let finished = false;
        for await (const chunk of upstream) {
          if (chunk.choices.some((choice) => choice.finish_reason !== null)) finished = true;
          // The consumer may be slow (a client reading slowly); that is not upstream idle time.
          deadline.pause();
          yield chunk;
          deadline.restart();
        }
        // The SDK ends the iteration quietly when its signal aborts, and a clean
        // close before the finish chunk looks like a normal end; both are failures.
        if (deadline.signal.aborted || !finished) throw deadline.signal.aborted ? deadline.signal.reason : truncatedStreamError();
      } catch (error) {
        throw toProviderError(error, { deadline, secrets, describe: describeOpenAIError });
      } finally {
        deadline.dispose();
      }
    },
  };
}

function upstreamBody(request: ChatRequest, model: string) {
  // `stream_options` is rejected by OpenAI on a non-streaming call; the stream call sets its own.
  const { stream: _stream, stream_options: _streamOptions, ...rest } = request;
  return { ...rest, model };
}

export function describeOpenAIError(error: unknown): UpstreamFailure | undefined {
  if (error instanceof APIConnectionTimeoutError) return { type: 'timeout' };
  if (error instanceof APIUserAbortError) return { type: 'abort' };
  if (error instanceof APIConnectionError) return { type: 'connection', message: errorMessage(error) };
  if (error instanceof APIError) {
    // The SDK puts the body's `error` object here; its message is the upstream's own words.
    const body = error.error as { message?: unknown } | undefined;
    const message = typeof body?.message === 'string' ? body.message : error.message;
    if (typeof error.status === 'number') return { type: 'http', status: error.status, message, headers: error.headers as Headers | undefined };
    return { type: 'stream', message };
  }
  return undefined;
}
