import type {
  ContentBlock,
  ContentBlockParam,
  ImageBlockParam,
  Message,
  StopReason,
  ToolChoice,
  ToolUnion,
  Usage,
} from '@anthropic-ai/sdk/resources/messages';
import type {
  ChatCompletionContentPart,
  ChatCompletionContentPartImage,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
  ChatCompletionTool,
  ChatCompletionToolChoiceOption,
} from 'openai/resources/chat/completions';
import { AppError } from '../errors.js';
import { parseToolArguments, type AnthropicRequest } from '../providers/anthropic-request.js';
import type { FinishReason } from '../providers/anthropic-response.js';
import type { ChatCompletion, ChatRequest } from '../providers/types.js';

/**
 * The Anthropic-compatible inbound endpoint (`POST /v1/messages`): an Anthropic
 * Messages request becomes the canonical OpenAI request, and the canonical
 * answer goes back as an Anthropic Message. The mirror of anthropic-request.ts
 * and anthropic-response.ts. Pure; what the client sent that we cannot express
 * is a 400 at our edge, not an upstream failure.
 */
export type AnthropicInboundRequest = AnthropicRequest & { stream?: boolean | undefined };

export function fromAnthropicRequest(request: AnthropicInboundRequest): ChatRequest {
  const messages: ChatCompletionMessageParam[] = [];
  if (request.system !== undefined) {
    const system = typeof request.system === 'string' ? request.system : request.system.map((block) => block.text).join('\n');
    if (system !== '') messages.push({ role: 'system', content: system });
  }
  for (const message of request.messages) {
    const blocks: ContentBlockParam[] =
      typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
    if (message.role === 'system') messages.push({ role: 'system', content: textOf(blocks) });
    else if (message.role === 'assistant') messages.push(...assistantMessages(blocks));
    else messages.push(...userMessages(blocks));
  }

  const result: ChatCompletionCreateParamsNonStreaming = { model: request.model, messages, max_tokens: request.max_tokens };
  if (request.temperature !== undefined) result.temperature = request.temperature;
  if (request.top_p !== undefined) result.top_p = request.top_p;
  if (request.stop_sequences !== undefined && request.stop_sequences.length > 0) result.stop = [...request.stop_sequences];
  const user = request.metadata?.user_id;
  if (typeof user === 'string') result.user = user;
  if (request.tools !== undefined && request.tools.length > 0) result.tools = request.tools.map(toOpenAITool);
  if (request.tool_choice !== undefined) {
    result.tool_choice = toOpenAIToolChoice(request.tool_choice);
    if ('disable_parallel_tool_use' in request.tool_choice && request.tool_choice.disable_parallel_tool_use === true) {
      result.parallel_tool_calls = false;
    }
  }
  // Anthropic's effort scale is a subset of OpenAI's, so the client's own effort survives the canonical format.
  const effort = request.output_config?.effort;
  if (effort != null) result.reasoning_effort = effort;
  const format = request.output_config?.format;
  if (format != null) result.response_format = { type: 'json_schema', json_schema: { name: 'response', schema: format.schema } };
  // Usage is needed for the cost and for the final message_delta of the Anthropic stream.
  return request.stream === true ? { ...result, stream: true, stream_options: { include_usage: true } } : result;
}

function textOf(blocks: readonly ContentBlockParam[]): string {
  return blocks.map((block) => (block.type === 'text' ? block.text : '')).join('');
}

function unsupported(what: string): AppError {
  return new AppError('invalid_request', 400, `${what} is not supported by this endpoint`);
}

function imagePart(block: ImageBlockParam): ChatCompletionContentPartImage {
  const source = block.source;
  if (source.type === 'base64')
    return { type: 'image_url', image_url: { url: `data:${source.media_type};base64,${source.data}` } };
  if (source.type === 'url') return { type: 'image_url', image_url: { url: source.url } };
  throw unsupported('an image given by file_id');
}

/**
 * One Anthropic user turn can hold tool results and new user content. OpenAI
 * needs each result as its own `tool` message right after the assistant's
 * calls, then the rest as a user message. Images inside a tool result cannot
 * go in an OpenAI tool message, so they move to that user message.
 */
function userMessages(blocks: readonly ContentBlockParam[]): ChatCompletionMessageParam[] {
  const tools: ChatCompletionMessageParam[] = [];
  const parts: ChatCompletionContentPart[] = [];
  for (const block of blocks) {
    switch (block.type) {
      case 'text':
        parts.push({ type: 'text', text: block.text });
        break;
      case 'image':
        parts.push(imagePart(block));
        break;
      case 'tool_result': {
        const content = block.content ?? '';
        const texts: string[] = [];
        if (typeof content === 'string') texts.push(content);
        else {
          for (const item of content) {
            if (item.type === 'text') texts.push(item.text);
            else if (item.type === 'image') parts.push(imagePart(item));
            else throw unsupported(`a tool_result holding a ${item.type} block`);
          }
        }
        const text = texts.join('\n');
        tools.push({ role: 'tool', tool_call_id: block.tool_use_id, content: block.is_error === true ? `Error: ${text}` : text });
        break;
      }
      default:
        throw unsupported(`a user content block of type "${block.type}"`);
    }
  }
  if (parts.length === 0) return tools;
  const only = parts[0];
  // A lone text part is sent as a plain string: some OpenAI-compatible servers accept nothing else.
  const content = parts.length === 1 && only?.type === 'text' ? only.text : parts;
  return [...tools, { role: 'user', content }];
}

function assistantMessages(blocks: readonly ContentBlockParam[]): ChatCompletionMessageParam[] {
  const texts: string[] = [];
  const toolCalls: ChatCompletionMessageFunctionToolCall[] = [];
  for (const block of blocks) {
    if (block.type === 'text') texts.push(block.text);
    else if (block.type === 'tool_use') {
      toolCalls.push({
        id: block.id,
        type: 'function',
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
    } else if (block.type !== 'thinking' && block.type !== 'redacted_thinking') {
      // Thinking is the model's own scratch space and means nothing to another model; anything else is refused.
      throw unsupported(`an assistant content block of type "${block.type}"`);
    }
  }
  if (texts.length === 0 && toolCalls.length === 0) return [];
  return [
    {
      role: 'assistant',
      content: texts.length > 0 ? texts.join('') : null,
      ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    },
  ];
}

function toOpenAITool(tool: ToolUnion): ChatCompletionTool {
  if (!('input_schema' in tool) || (tool.type != null && tool.type !== 'custom')) {
    throw unsupported(`the server tool "${'name' in tool ? tool.name : tool.type}"`);
  }
  return {
    type: 'function',
    function: {
      name: tool.name,
      parameters: tool.input_schema,
      ...(tool.description !== undefined ? { description: tool.description } : {}),
    },
  };
}

function toOpenAIToolChoice(choice: ToolChoice): ChatCompletionToolChoiceOption {
  switch (choice.type) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      return { type: 'function', function: { name: choice.name } };
  }
}

// ---------------------------------------------------------------- response

const STOP_REASONS: Record<FinishReason, StopReason> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
};

export function toStopReason(reason: FinishReason | null): StopReason {
  return reason === null ? 'end_turn' : (STOP_REASONS[reason] ?? 'end_turn');
}

/**
 * OpenAI's `prompt_tokens` includes cached tokens; Anthropic reports cache reads
 * apart from `input_tokens`. Fields the OpenAI side cannot know are null, as
 * the API sends them when a feature was not used.
 */
export function toAnthropicUsage(promptTokens: number, completionTokens: number, cachedTokens = 0): Usage {
  return {
    input_tokens: promptTokens - cachedTokens,
    output_tokens: completionTokens,
    cache_creation_input_tokens: null,
    cache_read_input_tokens: cachedTokens > 0 ? cachedTokens : null,
    cache_creation: null,
    inference_geo: null,
    output_tokens_details: null,
    server_tool_use: null,
    service_tier: null,
    speed: null,
  };
}

/** OpenAI ChatCompletion -> Anthropic Message. Only the first choice: Messages has no `n`. */
export function toAnthropicMessage(completion: ChatCompletion): Message {
  const choice = completion.choices[0];
  const content: ContentBlock[] = [];
  const message = choice?.message;
  const text = message?.content ?? message?.refusal ?? null;
  if (text !== null && text !== '') content.push({ type: 'text', text, citations: null });
  for (const call of message?.tool_calls ?? []) {
    if (call.type !== 'function') continue;
    content.push({
      type: 'tool_use',
      id: call.id,
      name: call.function.name,
      input: parseToolArguments(call.function.arguments),
      caller: { type: 'direct' },
    });
  }
  const usage = completion.usage;
  return {
    id: completion.id,
    type: 'message',
    role: 'assistant',
    model: completion.model,
    content,
    stop_reason: toStopReason(choice?.finish_reason ?? null),
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: toAnthropicUsage(
      usage?.prompt_tokens ?? 0,
      usage?.completion_tokens ?? 0,
      usage?.prompt_tokens_details?.cached_tokens ?? 0,
    ),
  };
}
