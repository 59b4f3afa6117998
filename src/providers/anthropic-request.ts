import type {
  ContentBlockParam,
  ImageBlockParam,
  MessageCreateParamsBase,
  MessageParam,
  TextBlockParam,
  Tool,
  ToolChoice,
  ToolResultBlockParam,
  ToolUseBlockParam,
} from '@anthropic-ai/sdk/resources/messages';
import type {
  ChatCompletionAssistantMessageParam,
  ChatCompletionContentPart,
  ChatCompletionContentPartText,
  ChatCompletionToolChoiceOption,
  ChatCompletionToolMessageParam,
} from 'openai/resources/chat/completions';
import { DEFAULT_EFFORTS, type Effort } from '../routes-config/schemas.js';
import type { SentReasoning } from './reasoning.js';
import { ProviderError, type ChatRequest } from './types.js';

/** Anthropic requires `max_tokens`; OpenAI clients usually leave it out. */
export const DEFAULT_MAX_TOKENS = 4096;

/**
 * The 1.x SDK types no longer list the sampling parameters, but the Messages
 * API still accepts them for the models in routes-data, and the SDK sends the
 * body as given, so they ride along as extra fields.
 */
export interface SamplingParams {
  temperature?: number;
  top_p?: number;
  top_k?: number;
}
export type AnthropicRequest = Omit<MessageCreateParamsBase, 'stream'> & SamplingParams;

type Role = 'user' | 'assistant';
interface Turn {
  role: Role;
  content: ContentBlockParam[];
}

const IMAGE_MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;
type ImageMediaType = (typeof IMAGE_MEDIA_TYPES)[number];

/**
 * OpenAI chat request -> Anthropic Messages request. Pure. Parameters with no
 * Anthropic counterpart that only tune sampling (seed, penalties, logprobs) are
 * dropped; ones that change the answer's shape (n > 1, audio, custom tools)
 * are refused, because silently answering something else would be worse.
 */
export function toAnthropicRequest(request: ChatRequest, model: string): AnthropicRequest {
  if (request.n != null && request.n > 1) throw ProviderError.unsupported('anthropic: n > 1 is not supported');
  if (request.modalities?.includes('audio')) throw ProviderError.unsupported('anthropic: audio output is not supported');

  const system: string[] = [];
  const turns: Turn[] = [];
  const push = (role: Role, blocks: ContentBlockParam[]): void => {
    if (blocks.length === 0) return;
    const last = turns.at(-1);
    // The API wants alternating turns; consecutive same-role messages (a tool
    // result after a tool result, a user note after it) merge into one turn.
    if (last?.role === role) last.content.push(...blocks);
    else turns.push({ role, content: [...blocks] });
  };

  for (const message of request.messages) {
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(textOf(message.content));
        break;
      case 'user':
        push('user', userBlocks(message.content));
        break;
      case 'assistant':
        push('assistant', assistantBlocks(message));
        break;
      case 'tool':
        push('user', [toolResultBlock(message)]);
        break;
      case 'function':
        throw ProviderError.unsupported('anthropic: the deprecated "function" role is not supported; use tools');
    }
  }

  const note = responseFormatNote(request.response_format);
  if (note !== undefined) system.push(note);
  const systemText = system.filter((text) => text !== '').join('\n\n');

  const result: AnthropicRequest = {
    model,
    max_tokens: request.max_completion_tokens ?? request.max_tokens ?? DEFAULT_MAX_TOKENS,
    messages: turns.map(toMessageParam),
  };
  if (systemText !== '') result.system = systemText;
  // Anthropic's temperature range is 0..1 where OpenAI's is 0..2: clamping
  // keeps a valid OpenAI request from becoming an upstream 400.
  if (request.temperature != null) result.temperature = Math.min(1, Math.max(0, request.temperature));
  if (request.top_p != null) result.top_p = request.top_p;
  const stop = typeof request.stop === 'string' ? [request.stop] : request.stop;
  if (stop != null && stop.length > 0) result.stop_sequences = [...stop];
  if (request.user !== undefined) result.metadata = { user_id: request.user };

  const tools = request.tools?.map(toTool);
  if (tools !== undefined && tools.length > 0) result.tools = tools;
  const toolChoice = toToolChoice(request.tool_choice, request.parallel_tool_calls);
  if (toolChoice !== undefined) result.tool_choice = toolChoice;
  return result;
}

export type AnthropicEffort = NonNullable<NonNullable<AnthropicRequest['output_config']>['effort']>;

/** `output_config.effort` takes `low` to `max`; reasoningToSend has already moved a client's effort onto that scale. */
function anthropicEffort(effort: Effort | undefined): AnthropicEffort | undefined {
  return effort !== undefined && (DEFAULT_EFFORTS.anthropic as readonly string[]).includes(effort)
    ? (effort as AnthropicEffort)
    : undefined;
}

function toMessageParam(turn: Turn): MessageParam {
  if (turn.role === 'assistant') return { role: 'assistant', content: turn.content };
  // The API requires tool results to open a user turn, before any text.
  const results = turn.content.filter((block) => block.type === 'tool_result');
  const rest = turn.content.filter((block) => block.type !== 'tool_result');
  return { role: 'user', content: [...results, ...rest] };
}

function textOf(content: string | ChatCompletionContentPartText[]): string {
  return typeof content === 'string' ? content : content.map((part) => part.text).join('\n');
}

function textBlock(text: string): TextBlockParam[] {
  // Anthropic rejects empty text blocks; OpenAI clients send `content: ""` freely.
  return text === '' ? [] : [{ type: 'text', text }];
}

function userBlocks(content: string | ChatCompletionContentPart[]): ContentBlockParam[] {
  if (typeof content === 'string') return textBlock(content);
  return content.flatMap((part): ContentBlockParam[] => {
    switch (part.type) {
      case 'text':
        return textBlock(part.text);
      case 'image_url':
        return [imageBlock(part.image_url.url)];
      default:
        throw ProviderError.unsupported(`anthropic: content parts of type "${part.type}" are not supported`);
    }
  });
}

/** `data:` URLs become base64 sources, http(s) URLs become URL sources the API fetches itself. */
export function imageBlock(url: string): ImageBlockParam {
  const data = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (data) {
    const mediaType = data[1] ?? '';
    if (!isImageMediaType(mediaType)) {
      throw ProviderError.unsupported(
        `anthropic: images of type "${mediaType}" are not supported (use ${IMAGE_MEDIA_TYPES.join(', ')})`,
      );
    }
    return { type: 'image', source: { type: 'base64', media_type: mediaType, data: data[2] ?? '' } };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  throw ProviderError.unsupported('anthropic: an image must be a data: URL or an http(s) URL');
}

function isImageMediaType(value: string): value is ImageMediaType {
  return (IMAGE_MEDIA_TYPES as readonly string[]).includes(value);
}

function assistantBlocks(message: ChatCompletionAssistantMessageParam): ContentBlockParam[] {
  const blocks: ContentBlockParam[] = [];
  if (typeof message.content === 'string') blocks.push(...textBlock(message.content));
  else if (message.content != null) {
    for (const part of message.content) blocks.push(...textBlock(part.type === 'text' ? part.text : part.refusal));
  }
  for (const call of message.tool_calls ?? []) {
    if (call.type !== 'function') throw ProviderError.unsupported('anthropic: custom tool calls are not supported');
    const block: ToolUseBlockParam = {
      type: 'tool_use',
      id: call.id,
      name: call.function.name,
      input: parseToolArguments(call.function.arguments),
    };
    blocks.push(block);
  }
  return blocks;
}

/**
 * Anthropic wants the tool input as an object; OpenAI carries it as a JSON
 * string the model wrote, which may be cut short. Unparsable text is kept under
 * `arguments` so the model still sees what it said.
 */
export function parseToolArguments(raw: string): Record<string, unknown> {
  if (raw.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  return { arguments: raw };
}

function toolResultBlock(message: ChatCompletionToolMessageParam): ToolResultBlockParam {
  const content = typeof message.content === 'string' ? message.content : message.content.flatMap((part) => textBlock(part.text));
  return { type: 'tool_result', tool_use_id: message.tool_call_id, content };
}

function toTool(tool: NonNullable<ChatRequest['tools']>[number]): Tool {
  if (tool.type !== 'function') throw ProviderError.unsupported('anthropic: custom (non-function) tools are not supported');
  const fn = tool.function;
  const result: Tool = {
    name: fn.name,
    input_schema: (fn.parameters as Tool.InputSchema | undefined) ?? { type: 'object', properties: {} },
  };
  if (fn.description !== undefined) result.description = fn.description;
  return result;
}

function toToolChoice(choice: ChatCompletionToolChoiceOption | undefined, parallel: boolean | undefined): ToolChoice | undefined {
  const single = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined) return parallel === false ? { type: 'auto', ...single } : undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'auto') return { type: 'auto', ...single };
  if (choice === 'required') return { type: 'any', ...single };
  if (choice.type === 'function') return { type: 'tool', name: choice.function.name, ...single };
  throw ProviderError.unsupported(`anthropic: tool_choice of type "${choice.type}" is not supported`);
}

/** Anthropic has no JSON mode for these models; the closest faithful thing is to ask for it. */
function responseFormatNote(format: ChatRequest['response_format']): string | undefined {
  if (format === undefined || format.type === 'text') return undefined;
  if (format.type === 'json_object') return 'Respond with a single valid JSON object and nothing else.';
  const schema = format.json_schema.schema === undefined ? '' : `\n${JSON.stringify(format.json_schema.schema)}`;
  return `Respond with a single valid JSON value that matches the JSON Schema "${format.json_schema.name}" and nothing else.${schema}`;
}

/**
 * Extended thinking from the routing table (`thinking_budget`) when the
 * request has none. The budget is added to `max_tokens`, which Anthropic
 * requires to exceed it, so the visible answer keeps its own allowance; the
 * thinking tokens are billed as output tokens, which is how they are priced.
 * Thinking refuses a changed temperature or top_p, so those are dropped.
 */
export function withThinkingBudget(request: AnthropicRequest, budget: number | undefined): AnthropicRequest {
  if (budget === undefined || request.thinking !== undefined) return request;
  const { temperature: _temperature, top_p: _topP, ...rest } = request;
  return { ...rest, max_tokens: request.max_tokens + budget, thinking: { type: 'enabled', budget_tokens: budget } };
}

/**
 * How hard an Anthropic model works, as reasoningToSend decided: the client's
 * own `thinking` as it sent it (its `max_tokens` already has room for it), or
 * the routing table's budget (withThinkingBudget), and `output_config.effort`
 * (what newer models take; they think adaptively and refuse a budget).
 */
export function withReasoning(request: AnthropicRequest, sent: SentReasoning | undefined): AnthropicRequest {
  const thinking = sent?.thinking;
  const thought =
    thinking === undefined
      ? request
      : thinking.source === 'table' && thinking.config.type === 'enabled'
        ? withThinkingBudget(request, thinking.config.budget_tokens)
        : { ...request, thinking: thinking.config };
  const effort = anthropicEffort(sent?.effort?.value);
  if (effort === undefined) return thought;
  return { ...thought, output_config: { ...thought.output_config, effort } };
}
