import type {
  ChatCompletionAssistantMessageParam,
  ChatCompletionContentPart,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionFunctionTool,
  ChatCompletionMessageParam,
  ChatCompletionTool,
  ChatCompletionToolChoiceOption,
} from 'openai/resources/chat/completions';
import type {
  Response,
  ResponseCreateParams,
  ResponseFunctionToolCall,
  ResponseInputItem,
  ResponseOutputItem,
  ResponseOutputMessage,
  ResponseUsage,
} from 'openai/resources/responses/responses';
import { AppError } from '../errors.js';
import { ProviderError, type ChatCompletion, type ChatRequest } from '../providers/types.js';

/**
 * The OpenAI Responses endpoint (`POST /v1/responses`) in terms of the
 * canonical chat format: Responses input items become chat messages (for
 * routing, and for upstreams that only speak chat), and a chat completion
 * becomes a Response. Pure. OpenAI models are not translated at all: they get
 * the Responses request itself (see proxy/responses-proxy.ts).
 */
export type ResponsesInboundRequest = ResponseCreateParams & { model: string };

/** A conversation as Responses input items: what `previous_response_id` expands to. */
export type ConversationItems = ResponseInputItem[];

/** The request's `input` as items: a string is one user message. */
export function inputItems(input: ResponseCreateParams['input']): ConversationItems {
  if (input === undefined) return [];
  return typeof input === 'string' ? [{ role: 'user', content: input }] : [...input];
}

function invalid(message: string): AppError {
  return new AppError('invalid_request', 400, message);
}

type InputPart = { type: string; text?: string; image_url?: string | null; detail?: string; file_id?: string | null };

function userParts(content: string | readonly InputPart[]): string | ChatCompletionContentPart[] {
  if (typeof content === 'string') return content;
  const parts: ChatCompletionContentPart[] = [];
  for (const part of content) {
    if ((part.type === 'input_text' || part.type === 'output_text') && typeof part.text === 'string')
      parts.push({ type: 'text', text: part.text });
    else if (part.type === 'input_image') {
      if (typeof part.image_url !== 'string')
        throw invalid('an input_image given by file_id is not supported by this endpoint; send image_url');
      const detail = part.detail === 'low' || part.detail === 'high' || part.detail === 'auto' ? part.detail : undefined;
      parts.push({
        type: 'image_url',
        image_url: detail === undefined ? { url: part.image_url } : { url: part.image_url, detail },
      });
    } else throw invalid(`input content of type ${part.type} is not supported by this endpoint`);
  }
  return parts;
}

function plainText(content: string | readonly InputPart[] | undefined): string {
  if (content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => (typeof part.text === 'string' ? part.text : '')).join('');
}

/**
 * Items -> chat messages. Function calls that follow each other join one
 * assistant message (chat's shape for parallel calls); a call's output becomes
 * a `tool` message. Reasoning items carry nothing another model can read.
 */
export function itemsToMessages(
  items: readonly ResponseInputItem[],
  instructions: string | null | undefined,
): ChatCompletionMessageParam[] {
  const messages: ChatCompletionMessageParam[] = [];
  if (typeof instructions === 'string' && instructions !== '') messages.push({ role: 'system', content: instructions });
  let openAssistant: ChatCompletionAssistantMessageParam | undefined;
  for (const item of items) {
    const type = 'type' in item ? item.type : 'message';
    if (type === 'function_call') {
      const call = item as ResponseFunctionToolCall;
      if (openAssistant === undefined) {
        openAssistant = { role: 'assistant', content: null, tool_calls: [] };
        messages.push(openAssistant);
      }
      openAssistant.tool_calls = [
        ...(openAssistant.tool_calls ?? []),
        { id: call.call_id, type: 'function', function: { name: call.name, arguments: call.arguments } },
      ];
      continue;
    }
    openAssistant = undefined;
    if (type === 'function_call_output') {
      const output = (item as ResponseInputItem.FunctionCallOutput).output;
      messages.push({
        role: 'tool',
        tool_call_id: (item as ResponseInputItem.FunctionCallOutput).call_id,
        content: plainText(output as string | InputPart[]),
      });
    } else if (type === 'message' && 'role' in item) {
      const content = (item as { content: string | InputPart[] }).content;
      if (item.role === 'user') messages.push({ role: 'user', content: userParts(content) });
      else if (item.role === 'assistant') {
        openAssistant = { role: 'assistant', content: plainText(content) };
        messages.push(openAssistant);
      } else messages.push({ role: 'system', content: plainText(content) });
    } else if (type !== 'reasoning') {
      throw invalid(`input items of type ${type} are not supported by this endpoint`);
    }
  }
  return messages;
}

/** The messages routing reads: the same translation, without the checks a translated upstream call needs. */
export function routingMessages(
  request: ResponsesInboundRequest,
  history: readonly ResponseInputItem[],
): ChatCompletionMessageParam[] {
  return itemsToMessages(
    [...history, ...inputItems(request.input)],
    typeof request.instructions === 'string' ? request.instructions : undefined,
  );
}

function toChatTools(tools: NonNullable<ResponseCreateParams['tools']>): ChatCompletionTool[] {
  return tools.map((tool) => {
    if (tool.type !== 'function') {
      // Only an upstream that speaks the Responses API runs built-in tools.
      throw ProviderError.unsupported(`the ${tool.type} tool needs a model served through the OpenAI Responses API`);
    }
    const fn: ChatCompletionFunctionTool['function'] = { name: tool.name, parameters: tool.parameters ?? {} };
    if (tool.description != null) fn.description = tool.description;
    if (tool.strict != null) fn.strict = tool.strict;
    return { type: 'function', function: fn };
  });
}

function toChatToolChoice(choice: NonNullable<ResponseCreateParams['tool_choice']>): ChatCompletionToolChoiceOption {
  if (typeof choice === 'string') return choice;
  if (choice.type === 'function') return { type: 'function', function: { name: choice.name } };
  throw ProviderError.unsupported(`tool_choice of type ${choice.type} needs a model served through the OpenAI Responses API`);
}

/** The whole request in chat form, for an upstream without the Responses API. */
export function toChatRequest(request: ResponsesInboundRequest, history: readonly ResponseInputItem[]): ChatRequest {
  const result: ChatCompletionCreateParamsNonStreaming = { model: request.model, messages: routingMessages(request, history) };
  if (request.max_output_tokens != null) result.max_completion_tokens = request.max_output_tokens;
  if (request.temperature != null) result.temperature = request.temperature;
  if (request.top_p != null) result.top_p = request.top_p;
  if (request.parallel_tool_calls != null) result.parallel_tool_calls = request.parallel_tool_calls;
  if (request.tools != null && request.tools.length > 0) result.tools = toChatTools(request.tools);
  if (request.tool_choice != null) result.tool_choice = toChatToolChoice(request.tool_choice);
  if (request.reasoning?.effort != null) result.reasoning_effort = request.reasoning.effort;
  const user = request.safety_identifier ?? request.user;
  if (typeof user === 'string') result.user = user;
  const format = request.text?.format;
  if (format?.type === 'json_schema') {
    result.response_format = {
      type: 'json_schema',
      json_schema: { name: format.name, schema: format.schema, ...(format.strict != null ? { strict: format.strict } : {}) },
    };
  } else if (format?.type === 'json_object') result.response_format = { type: 'json_object' };
  return request.stream === true ? { ...result, stream: true, stream_options: { include_usage: true } } : result;
}

// ---------------------------------------------------------------- answers

export interface ResponseIdentity {
  /** Our id (`resp_...`), which `previous_response_id` refers to; never the upstream's. */
  id: string;
  /** Seconds since the epoch. */
  createdAt: number;
  /** The model that answered, as its provider names it. */
  model: string;
  previousResponseId: string | undefined;
}

export function toResponseUsage(usage: { input: number; output: number; cached?: number; reasoning?: number }): ResponseUsage {
  return {
    input_tokens: usage.input,
    input_tokens_details: { cached_tokens: usage.cached ?? 0 },
    output_tokens: usage.output,
    output_tokens_details: { reasoning_tokens: usage.reasoning ?? 0 },
    total_tokens: usage.input + usage.output,
  } as ResponseUsage;
}

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

/** The Response envelope around `output`, echoing the request's settings as OpenAI does. */
export function responseEnvelope(
  request: ResponsesInboundRequest,
  identity: ResponseIdentity,
  state: {
    status: ResponseStatus;
    output: ResponseOutputItem[];
    usage: ResponseUsage | undefined;
    error?: { code: string; message: string };
  },
): Response {
  const text = state.output
    .flatMap((item) => (item.type === 'message' ? item.content : []))
    .map((part) => (part.type === 'output_text' ? part.text : ''))
    .join('');
  const response = {
    id: identity.id,
    object: 'response',
    created_at: identity.createdAt,
    status: state.status,
    error: state.error ?? null,
    incomplete_details: state.status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    model: identity.model,
    output: state.output,
    output_text: text,
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: identity.previousResponseId ?? null,
    reasoning: { effort: request.reasoning?.effort ?? null, summary: null },
    store: request.store ?? true,
    temperature: request.temperature ?? null,
    text: request.text ?? { format: { type: 'text' } },
    tool_choice: request.tool_choice ?? 'auto',
    tools: request.tools ?? [],
    top_p: request.top_p ?? null,
    truncation: request.truncation ?? 'disabled',
    metadata: request.metadata ?? {},
    ...(state.usage === undefined ? {} : { usage: state.usage }),
  };
  return response as Response;
}

export function messageItem(id: string, text: string, status: ResponseOutputMessage['status']): ResponseOutputMessage {
  return {
    type: 'message',
    id,
    status,
    role: 'assistant',
    content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
  };
}

/** A chat completion as a Response: its text as one message item, each tool call as a function_call item. */
export function toResponse(request: ResponsesInboundRequest, completion: ChatCompletion, identity: ResponseIdentity): Response {
  const choice = completion.choices[0];
  const output: ResponseOutputItem[] = [];
  const suffix = identity.id.replace(/^resp_/, '');
  const truncated = choice?.finish_reason === 'length';
  const text = choice?.message.content ?? '';
  if (text !== '') output.push(messageItem(`msg_${suffix}`, text, truncated ? 'incomplete' : 'completed'));
  for (const [index, call] of (choice?.message.tool_calls ?? []).entries()) {
    if (call.type !== 'function') continue;
    output.push({
      type: 'function_call',
      id: `fc_${suffix}_${index}`,
      call_id: call.id,
      name: call.function.name,
      arguments: call.function.arguments,
      status: 'completed',
    });
  }
  const usage = completion.usage;
  return responseEnvelope(request, identity, {
    status: truncated ? 'incomplete' : 'completed',
    output,
    usage:
      usage === undefined
        ? undefined
        : toResponseUsage({
            input: usage.prompt_tokens,
            output: usage.completion_tokens,
            cached: usage.prompt_tokens_details?.cached_tokens ?? 0,
            reasoning: usage.completion_tokens_details?.reasoning_tokens ?? 0,
          }),
  });
}

/**
 * The output as input items for the next turn. Item ids are dropped: they
 * name the upstream's objects, which a later turn (perhaps on another
 * upstream) cannot refer to; reasoning items are dropped for the same reason.
 */
export function outputAsInput(output: readonly ResponseOutputItem[]): ConversationItems {
  const items: ConversationItems = [];
  for (const item of output) {
    if (item.type === 'message') {
      const text = item.content.map((part) => (part.type === 'output_text' ? part.text : part.refusal)).join('');
      items.push({ role: 'assistant', content: text });
    } else if (item.type === 'function_call') {
      items.push({ type: 'function_call', call_id: item.call_id, name: item.name, arguments: item.arguments });
    }
  }
  return items;
}
