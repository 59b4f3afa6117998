import { randomUUID } from 'node:crypto';
import type {
  Response,
  ResponseCreateParamsNonStreaming,
  ResponseCreateParamsStreaming,
  ResponseInputItem,
  ResponseStreamEvent,
} from 'openai/resources/responses/responses';
import { AppError } from '../errors.js';
import { createResponsesEventMapper } from '../responses/responses-inbound-stream.js';
import {
  inputItems,
  outputAsInput,
  routingMessages,
  toChatRequest,
  toResponse,
  type ResponseIdentity,
  type ResponsesInboundRequest,
} from '../responses/responses-inbound.js';
import type { ThinkingContext } from '../providers/reasoning.js';
import type { ChatRequest, Provider, ProviderCallOptions } from '../providers/types.js';
import { listInputItems, type InputItemList, type InputItemsPage } from '../responses/input-items.js';
import type { ResponseReader, ResponseStore, StoredResponse } from '../responses/response-store.js';
import {
  reasoningFor,
  type ChatProxy,
  type ProxyCallContext,
  type ProxyCandidate,
  type ProxyOutcome,
  type ProxyPlan,
} from './chat-proxy.js';

/** A Responses request resolved against the store: the conversation so far and its chat form for routing. */
export interface PreparedResponse {
  request: ResponsesInboundRequest;
  previous: StoredResponse | undefined;
  /** The items before this request's `input` (the stored conversation of `previous_response_id`). */
  history: ResponseInputItem[];
  /** The conversation as chat messages: what routing reads and what the ledger prices when the upstream sends no usage. */
  chat: ChatRequest;
  identity: Omit<ResponseIdentity, 'model'>;
}

export interface CompletedResponse extends ProxyOutcome {
  response: Response;
  costUsd: number | undefined;
}

export interface StreamingResponse extends ProxyOutcome {
  /** Events with our response id; the last one is response.completed or response.incomplete. */
  events: AsyncIterable<ResponseStreamEvent>;
}

/** Fields of the Responses API that need state or machinery the router does not have. */
const UNSUPPORTED_FIELDS = ['conversation', 'prompt'] as const;

export interface ResponsesProxyOptions {
  /** undefined: nothing is stored and previous_response_id is always refused. */
  store: ResponseStore | undefined;
  now?: () => number;
}

/**
 * POST /v1/responses over the chat proxy: the same decision, fallback,
 * breaker and ledger. An upstream with the Responses API gets the request as
 * is (with the stored conversation expanded into `input`); any other gets it
 * translated to chat, and its answer translated back. The router owns the
 * conversation state, so upstreams are asked not to store anything.
 */
export class ResponsesProxy {
  private readonly now: () => number;

  constructor(
    private readonly chat: ChatProxy,
    private readonly options: ResponsesProxyOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** previous_response_id only reaches the responses `reader` may use (its key's own, see ResponseReader). */
  prepare(request: ResponsesInboundRequest, reader: ResponseReader): PreparedResponse {
    for (const field of UNSUPPORTED_FIELDS) {
      if (request[field] != null)
        throw new AppError('invalid_request', 400, `${field} is not supported by this router; send the input items`, {
          param: field,
        });
    }
    if (request.background === true)
      throw new AppError('invalid_request', 400, 'background responses are not supported by this router', {
        param: 'background',
      });
    let previous: StoredResponse | undefined;
    const previousId = request.previous_response_id ?? undefined;
    if (previousId !== undefined) {
      previous = this.options.store?.find(previousId, reader);
      if (previous === undefined) {
        throw new AppError(
          'previous_response_not_found',
          400,
          `Previous response with id '${previousId}' not found: ${this.unownedNote(previousId) ?? 'the router only continues responses it stored itself (store not false), within RESPONSES_TTL_SECONDS'}`,
          { param: 'previous_response_id' },
        );
      }
    }
    const history = previous?.conversation ?? [];
    const chat: ChatRequest = { model: request.model, messages: routingMessages(request, history) };
    // Not sent anywhere in this form: the limits are here for the attempt spans' gen_ai.request.* attributes.
    if (request.max_output_tokens != null) chat.max_completion_tokens = request.max_output_tokens;
    if (request.temperature != null) chat.temperature = request.temperature;
    if (chat.messages.length === 0)
      throw new AppError('invalid_request', 400, 'input must hold at least one item', { param: 'input' });
    const id = `resp_${randomUUID().replaceAll('-', '')}`;
    return {
      request,
      previous,
      history,
      chat,
      identity: { id, createdAt: Math.floor(this.now() / 1000), previousResponseId: previousId },
    };
  }

  plan(prepared: PreparedResponse, context: ProxyCallContext): Promise<ProxyPlan> {
    return this.chat.plan(prepared.chat, context);
  }

  async complete(
    prepared: PreparedResponse,
    plan: ProxyPlan,
    context: ProxyCallContext,
    started: number,
  ): Promise<CompletedResponse> {
    const call = await this.chat.completeWith(
      prepared.chat,
      plan,
      context,
      started,
      (provider, candidate, attempt) =>
        this.completeOne(provider, candidate, prepared, {
          model: candidate.providerModel,
          ...attempt,
          reasoning: reasoningFor(candidate, context, thinkingContext(prepared)),
        }),
      (response) => ({
        reported: response.usage
          ? { inputTokens: response.usage.input_tokens, outputTokens: response.usage.output_tokens }
          : undefined,
        completion: () => response.output_text,
      }),
    );
    this.save(prepared, plan, call.candidate, call.value, context.owner);
    return {
      plan,
      candidate: call.candidate,
      attempts: call.attempts,
      reasoning: reasoningFor(call.candidate, context, thinkingContext(prepared)),
      response: call.value,
      costUsd: call.costUsd,
    };
  }

  async stream(
    prepared: PreparedResponse,
    plan: ProxyPlan,
    context: ProxyCallContext,
    started: number,
  ): Promise<StreamingResponse> {
    const call = await this.chat.streamWith(
      prepared.chat,
      plan,
      context,
      started,
      (provider, candidate, attempt) =>
        this.streamOne(provider, candidate, prepared, {
          model: candidate.providerModel,
          ...attempt,
          reasoning: reasoningFor(candidate, context, thinkingContext(prepared)),
        }),
      (event) => ({
        text:
          event.type === 'response.output_text.delta' || event.type === 'response.function_call_arguments.delta'
            ? event.delta
            : '',
        reported:
          (event.type === 'response.completed' || event.type === 'response.incomplete') && event.response.usage
            ? { inputTokens: event.response.usage.input_tokens, outputTokens: event.response.usage.output_tokens }
            : undefined,
      }),
    );
    const save = (response: Response) => this.save(prepared, plan, call.candidate, response, context.owner);
    const events = (async function* () {
      for await (const event of call.stream) {
        if (event.type === 'response.completed' || event.type === 'response.incomplete') save(event.response);
        yield event;
      }
    })();
    return {
      plan,
      candidate: call.candidate,
      attempts: call.attempts,
      reasoning: reasoningFor(call.candidate, context, thinkingContext(prepared)),
      events,
    };
  }

  private identity(prepared: PreparedResponse, candidate: ProxyCandidate): ResponseIdentity {
    return { ...prepared.identity, model: candidate.providerModel };
  }

  /** The Responses request an upstream with that API gets: the conversation expanded, no state kept upstream. */
  private nativeRequest(prepared: PreparedResponse): Omit<ResponseCreateParamsNonStreaming, 'stream'> {
    const { previous_response_id: _previous, stream: _stream, store: _store, ...rest } = prepared.request;
    return { ...rest, input: [...prepared.history, ...inputItems(prepared.request.input)], store: false };
  }

  private async completeOne(
    provider: Provider,
    candidate: ProxyCandidate,
    prepared: PreparedResponse,
    call: ProviderCallOptions,
  ): Promise<Response> {
    const identity = this.identity(prepared, candidate);
    if (provider.responses) {
      const response = await provider.responses.create({ ...this.nativeRequest(prepared), stream: false }, call);
      return withIdentity(response, identity, prepared.request.store ?? true);
    }
    const completion = await provider.complete(
      { ...toChatRequest(prepared.request, prepared.history), model: call.model, stream: false },
      call,
    );
    return toResponse(prepared.request, completion, identity);
  }

  private async *streamOne(
    provider: Provider,
    candidate: ProxyCandidate,
    prepared: PreparedResponse,
    call: ProviderCallOptions,
  ): AsyncGenerator<ResponseStreamEvent> {
    const identity = this.identity(prepared, candidate);
    if (provider.responses) {
      const request: ResponseCreateParamsStreaming = { ...this.nativeRequest(prepared), stream: true };
      for await (const event of provider.responses.stream(request, call)) {
        yield 'response' in event && typeof event.response === 'object'
          ? {
              ...event,
              response: withIdentity(event.response, identity, prepared.request.store ?? true),
            }
          : event;
      }
      return;
    }
    const chatRequest = { ...toChatRequest({ ...prepared.request, stream: true }, prepared.history), model: call.model };
    const mapper = createResponsesEventMapper(prepared.request, identity);
    // Nothing is yielded before the upstream's first chunk, so fallback still works until then.
    for await (const chunk of provider.stream(chatRequest, call)) yield* mapper.push(chunk);
    yield* mapper.finish();
  }

  private save(
    prepared: PreparedResponse,
    plan: ProxyPlan,
    candidate: ProxyCandidate,
    response: Response,
    owner: string | undefined,
  ): void {
    if (prepared.request.store === false || this.options.store === undefined) return;
    this.options.store.save({
      id: response.id,
      model: candidate.model,
      tier: plan.tier,
      conversation: [...prepared.history, ...inputItems(prepared.request.input), ...outputAsInput(response.output)],
      response,
      owner,
    });
  }

  /** GET /v1/responses/{id}: the stored response as it was answered. */
  retrieve(id: string, reader: ResponseReader): Response {
    return this.stored(id, reader).response;
  }

  /** GET /v1/responses/{id}/input_items: the items the response was generated from, a page at a time. */
  inputItems(id: string, reader: ResponseReader, page: InputItemsPage): InputItemList {
    return listInputItems(this.stored(id, reader), page);
  }

  /** DELETE /v1/responses/{id}: afterwards it can be neither read nor continued. */
  delete(id: string, reader: ResponseReader): { id: string; object: 'response'; deleted: true } {
    if (this.options.store?.delete(id, reader) !== true) throw this.responseNotFound(id);
    return { id, object: 'response', deleted: true };
  }

  private stored(id: string, reader: ResponseReader): StoredResponse {
    const stored = this.options.store?.find(id, reader);
    if (stored === undefined) throw this.responseNotFound(id);
    return stored;
  }

  /** Unknown, expired, stored with `store: false`, or another key's: all look the same to the caller. */
  private responseNotFound(id: string): AppError {
    return new AppError(
      'response_not_found',
      404,
      `Response with id '${id}' not found: ${this.unownedNote(id) ?? 'the router only keeps responses it answered with store not false, for RESPONSES_TTL_SECONDS, for the API key that created them'}`,
    );
  }

  /**
   * Why a keyed caller cannot use a response that has no owner. Saying that it exists tells nothing about whose it
   * is or what it holds, and spares an operator after an upgrade from hunting for a bug.
   */
  private unownedNote(id: string): string | undefined {
    if (this.options.store?.isUnowned(id) !== true) return undefined;
    return 'it was stored without an owner (before this router recorded which API key created a response, or by a caller without a key), so only the admin key can read, continue or delete it until it expires';
  }
}

/** What decides whether thinking can be sent: the conversation, and the Responses request's own tool choice. */
function thinkingContext(prepared: PreparedResponse): ThinkingContext {
  return { messages: prepared.chat.messages, tool_choice: prepared.request.tool_choice };
}

/** The upstream's answer under our id, and the model name the chat endpoints report. */
function withIdentity(response: Response, identity: ResponseIdentity, store: boolean): Response {
  // `store` echoes the client: upstream it is always false, as the router keeps the state.
  return {
    ...response,
    id: identity.id,
    model: identity.model,
    previous_response_id: identity.previousResponseId ?? null,
    store,
  } as Response;
}
