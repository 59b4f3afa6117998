import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { startDeadline, type DeadlineTimers } from './deadline.js';
import { createPooledFetch } from './pooled-fetch.js';
import { sdkRequestOptions } from './request-options.js';
import { errorMessage, toProviderError, truncatedStreamError, type UpstreamFailure } from './provider-errors.js';
import type {
  Response,
  ResponseCreateParamsNonStreaming,
  ResponseCreateParamsStreaming,
  ResponseStreamEvent,
} from 'openai/resources/responses/responses';
import {
  ProviderError,
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatRequest,
  type Provider,
  type ProviderCallOptions,
  type ResponsesApi,
} from './types.js';

export interface OpenAIProviderOptions {
  apiKey: string;
  /** Any OpenAI-compatible base URL; `undefined` means the SDK's default (api.openai.com). */
  baseURL?: string | undefined;
  /** The upstream has the Responses API (OpenAI itself does; most OpenAI-compatible servers do not). */
  responsesApi?: boolean | undefined;
  /** The clock of each call's deadline (the SDK call, and the idle wait between stream events); tests step their own. */
  timers?: DeadlineTimers | undefined;
}

/** The events after which a Responses stream is over; ending before one of them is a truncation. */
const TERMINAL_EVENTS = new Set(['response.completed', 'response.incomplete', 'response.failed']);

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

  /** One call under the attempt's deadline, its failure translated for the fallback loop and the breaker. */
  const once = async <T>(call: ProviderCallOptions, send: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const deadline = startDeadline(call.signal, call.timeoutMs, options.timers);
    try {
      return await send(deadline.signal);
    } catch (error) {
      throw toProviderError(error, { deadline, secrets, describe: describeOpenAIError });
    } finally {
      deadline.dispose();
    }
  };

  /**
   * A stream under the attempt's idle deadline. `isFinal` sees every item (and may throw for an upstream error
   * item); a stream that ends before it saw the last one failed.
   */
  async function* relay<T>(
    call: ProviderCallOptions,
    open: (signal: AbortSignal) => Promise<AsyncIterable<T>>,
    isFinal: (item: T) => boolean,
  ): AsyncGenerator<T> {
    const deadline = startDeadline(call.signal, call.timeoutMs, options.timers);
    try {
      const upstream = await open(deadline.signal);
      let finished = false;
      for await (const item of upstream) {
        if (isFinal(item)) finished = true;
        // The consumer may be slow (a client reading slowly); that is not upstream idle time.
        deadline.pause();
        yield item;
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
  }

  const responses: ResponsesApi = {
    create: (request: ResponseCreateParamsNonStreaming, call: ProviderCallOptions): Promise<Response> =>
      once(call, (signal) =>
        client.responses.create(
          { ...withResponsesReasoning(request, call), model: call.model, stream: false },
          sdkRequestOptions(signal, call),
        ),
      ),

    stream: (request: ResponseCreateParamsStreaming, call: ProviderCallOptions): AsyncGenerator<ResponseStreamEvent> =>
      relay(
        call,
        (signal) =>
          client.responses.create(
            { ...withResponsesReasoning(request, call), model: call.model, stream: true },
            sdkRequestOptions(signal, call),
          ),
        (event) => {
          // An `error` event is the upstream failing mid-stream: the same as a dropped connection to the caller.
          if (event.type === 'error') throw new ProviderError({ kind: 'server', retryable: true, message: event.message });
          return TERMINAL_EVENTS.has(event.type);
        },
      ),
  };

  return {
    kind: 'openai',
    ...(options.responsesApi === true ? { responses } : {}),

    complete: (request: ChatRequest, call: ProviderCallOptions): Promise<ChatCompletion> =>
      once(call, (signal) =>
        client.chat.completions.create({ ...upstreamBody(request, call), stream: false }, sdkRequestOptions(signal, call)),
      ),

    stream: (request: ChatRequest, call: ProviderCallOptions): AsyncGenerator<ChatCompletionChunk> =>
      relay(
        call,
        (signal) =>
          client.chat.completions.create(
            { ...upstreamBody(request, call), stream: true, stream_options: { ...request.stream_options, include_usage: true } },
            sdkRequestOptions(signal, call),
          ),
        (chunk) => chunk.choices.some((choice) => choice.finish_reason !== null),
      ),
  };
}

/**
 * The effort decided for this model (ProviderCallOptions.reasoning), never the request's own: models without
 * reasoning (gpt-4o, gpt-4o-mini) refuse `reasoning_effort` with a 400, and reasoning models refuse efforts they do
 * not take (GPT-5 `xhigh`, `max`), so an agent that sends one on every call was failing wherever `auto` sent it.
 */
function upstreamBody(request: ChatRequest, call: ProviderCallOptions) {
  // `stream_options` is rejected by OpenAI on a non-streaming call; the stream call sets its own.
  const { stream: _stream, stream_options: _streamOptions, reasoning_effort: _clientEffort, ...rest } = request;
  const effort = call.reasoning?.effort?.value;
  return { ...rest, model: call.model, ...(effort !== undefined ? { reasoning_effort: effort } : {}) };
}

/** As upstreamBody, for the Responses API: `reasoning` (effort and summary) only for a model that takes it. */
function withResponsesReasoning<R extends ResponseCreateParamsNonStreaming | ResponseCreateParamsStreaming>(
  request: R,
  call: ProviderCallOptions,
): R {
  const { reasoning, ...rest } = request;
  if (call.reasoning?.takesEffort !== true) return rest as R;
  const effort = call.reasoning.effort?.value;
  if (effort === undefined) return request;
  return { ...request, reasoning: { ...reasoning, effort } };
}

export function describeOpenAIError(error: unknown): UpstreamFailure | undefined {
  if (error instanceof APIConnectionTimeoutError) return { type: 'timeout' };
  if (error instanceof APIUserAbortError) return { type: 'abort' };
  if (error instanceof APIConnectionError) return { type: 'connection', message: errorMessage(error) };
  if (error instanceof APIError) {
    // The SDK puts the body's `error` object here; its message is the upstream's own words.
    const body = error.error as { message?: unknown } | undefined;
    const message = typeof body?.message === 'string' ? body.message : error.message;
    if (typeof error.status === 'number')
      return { type: 'http', status: error.status, message, headers: error.headers as Headers | undefined };
    return { type: 'stream', message };
  }
  return undefined;
}
