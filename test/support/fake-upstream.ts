/**
 * A fake OpenAI and Anthropic upstream: a real HTTP server on 127.0.0.1 that
 * the official SDKs talk to through their base URLs, answering with the wire
 * shapes the real APIs use (JSON bodies, SSE streams, error bodies, headers).
 *
 *   POST /v1/chat/completions  OpenAI: JSON, or SSE `data: {...}` lines ending in `data: [DONE]`
 *   POST /v1/messages          Anthropic: JSON, or SSE with `event:` lines
 *   POST /v1/responses         OpenAI Responses: JSON, or SSE with `event:` lines and `sequence_number`s
 *
 * Answers are deterministic: the text names the model that answered and echoes
 * the last user text, tool calls fill the tool's schema, and the usage is
 * computed from the request and answer sizes (recorded for tests to compare).
 *
 * Faults are queued with `fail(...)` and consumed one per request, in order.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  /** An HTTP error with the provider's real error body; `message` replaces the default text. */
  | { type: 'status'; status: number; message?: string }
  /** 429 with a `retry-after` header in seconds. */
  | { type: 'rate_limit'; retryAfterSeconds: number }
  /** Answers normally, but with this text as the whole answer (a scripted reply). */
  | { type: 'reply'; text: string }
  /** Waits before answering (normally, if the client is still there). */
  | { type: 'delay'; ms: number }
  /** Destroys the socket before sending anything. */
  | { type: 'reset' }
  /** A stream: sends `afterEvents` events, then destroys the socket. */
  | { type: 'stream_cut'; afterEvents: number }
  /** A stream: sends `afterEvents` events, then ends the response cleanly, as a buggy proxy would. */
  | { type: 'stream_truncate'; afterEvents: number }
  /** A stream: sends `afterEvents` events, pauses `ms`, then sends the rest. */
  | { type: 'stream_stall'; afterEvents: number; ms: number }
  /** A stream: sends `afterEvents` events, then the provider's in-stream error event. */
  | { type: 'stream_error'; afterEvents: number; message?: string };

export type Api = 'openai' | 'anthropic' | 'responses';

export interface RecordedRequest {
  api: Api | 'unknown';
  method: string;
  path: string;
  /** Request headers, with every credential header's value replaced by "[redacted]". */
  headers: Record<string, string>;
  body: unknown;
  auth: 'ok' | 'missing' | 'invalid';
  fault: Fault | undefined;
  /** The usage the fake reported for this request, when it answered. */
  usage: { input: number; output: number } | undefined;
  /** The client closed the connection before the answer was complete. */
  clientClosed: boolean;
}

export interface FakeUpstream {
  /** http://127.0.0.1:<port> */
  url: string;
  /** For the openai SDK: `${url}/v1`. */
  openaiBaseURL: string;
  /** For the Anthropic SDK, which adds /v1 itself. */
  anthropicBaseURL: string;
  requests: RecordedRequest[];
  fail(...faults: Fault[]): void;
  /** Every request for this model (the body's `model`) gets `fault`, until called again with undefined; queued faults go first. */
  failModel(model: string, fault: Fault | undefined): void;
  close(): Promise<void>;
}

export interface FakeUpstreamOptions {
  /** The only key the fake accepts; anything else gets the provider's 401. */
  apiKey: string;
  /** Pause between SSE events, to make streams observable chunk by chunk. */
  eventGapMs?: number;
  /** Awaited before each SSE event is written: a test paces a stream by its own clock instead of by sleeping. */
  beforeEvent?: (index: number, event: string) => Promise<void>;
}

/** A fixed `created` so responses are byte-for-byte reproducible. */
export const FAKE_CREATED = 1_700_000_000;
const CREDENTIAL_HEADERS = new Set(['authorization', 'x-api-key', 'api-key']);
const API_BY_PATH: Record<string, Api> = {
  '/v1/chat/completions': 'openai',
  '/v1/messages': 'anthropic',
  '/v1/responses': 'responses',
};

export async function startFakeUpstream(options: FakeUpstreamOptions): Promise<FakeUpstream> {
  const requests: RecordedRequest[] = [];
  const faults: Fault[] = [];
  const modelFaults = new Map<string, Fault>();
  const timers = new Set<NodeJS.Timeout>();
  let counter = 0;

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(error) } });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? '/';
    const api: Api | 'unknown' = req.method === 'POST' ? (API_BY_PATH[path] ?? 'unknown') : 'unknown';
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      body = raw;
    }
    const record: RecordedRequest = {
      api,
      method: req.method ?? '',
      path,
      headers: redactHeaders(req),
      body,
      auth: authOf(req, api, options.apiKey),
      fault: faults.shift() ?? (isObject(body) && typeof body['model'] === 'string' ? modelFaults.get(body['model']) : undefined),
      usage: undefined,
      clientClosed: false,
    };
    requests.push(record);
    res.on('close', () => {
      if (!res.writableFinished) record.clientClosed = true;
    });
    counter += 1;
    const n = counter;

    if (api === 'unknown') return sendJson(res, 404, { error: { message: `no route for ${req.method} ${path}` } });
    const fault = record.fault;
    if (fault?.type === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.type === 'delay') {
      await sleep(fault.ms);
      if (record.clientClosed || res.destroyed) return;
    }
    if (record.auth !== 'ok') return sendError(res, api, 401, authMessage(api, req));
    if (fault?.type === 'status') return sendError(res, api, fault.status, fault.message);
    if (fault?.type === 'rate_limit') {
      res.setHeader('retry-after', String(fault.retryAfterSeconds));
      return sendError(res, api, 429);
    }
    if (!isObject(body)) return sendError(res, api, 400, 'the request body is not a JSON object');
    const invalid =
      api === 'openai' ? validateOpenAI(body) : api === 'responses' ? validateResponses(body) : validateAnthropic(req, body);
    if (invalid !== undefined) return sendError(res, api, 400, invalid);

    const composed = api === 'openai' ? answerOpenAI(body) : api === 'responses' ? answerResponses(body) : answerAnthropic(body);
    const answer =
      fault?.type === 'reply'
        ? { ...composed, text: fault.text, usage: { ...composed.usage, output: sizeTokens(fault.text) } }
        : composed;
    record.usage = { input: answer.usage.input, output: answer.usage.output };
    const streaming = body['stream'] === true;
    if (!streaming) {
      const json =
        api === 'openai'
          ? openaiCompletion(n, answer)
          : api === 'responses'
            ? responsesObject(n, answer, body, 'completed')
            : anthropicMessage(n, answer);
      return sendJson(res, 200, json, requestIdHeader(api, n));
    }
    const events =
      api === 'openai'
        ? openaiEvents(n, answer, includeUsage(body))
        : api === 'responses'
          ? responsesEvents(n, answer, body)
          : anthropicEvents(n, answer);
    await writeStream(res, api, n, events, fault, record);
  }

  async function writeStream(
    res: ServerResponse,
    api: Api,
    n: number,
    events: string[],
    fault: Fault | undefined,
    record: RecordedRequest,
  ): Promise<void> {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      ...requestIdHeader(api, n),
    });
    for (const [index, event] of events.entries()) {
      if (record.clientClosed || res.destroyed) return;
      if (fault !== undefined && 'afterEvents' in fault && index === fault.afterEvents) {
        if (fault.type === 'stream_cut') {
          // Let the events already written leave the process before the socket dies.
          await sleep(20);
          res.socket?.destroy();
          return;
        }
        if (fault.type === 'stream_truncate') {
          res.end();
          return;
        }
        if (fault.type === 'stream_error') {
          await write(res, streamErrorEvent(api, fault.message));
          res.end();
          return;
        }
        await sleep(fault.ms);
        if (record.clientClosed || res.destroyed) return;
      }
      await options.beforeEvent?.(index, event);
      if (record.clientClosed || res.destroyed) return;
      await write(res, event);
      if (options.eventGapMs !== undefined && options.eventGapMs > 0) await sleep(options.eventGapMs);
    }
    res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    openaiBaseURL: `${url}/v1`,
    anthropicBaseURL: url,
    requests,
    fail: (...more) => {
      faults.push(...more);
    },
    failModel: (model, fault) => {
      if (fault === undefined) modelFaults.delete(model);
      else modelFaults.set(model, fault);
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------- requests

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function redactHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name] = CREDENTIAL_HEADERS.has(name) ? '[redacted]' : Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function authOf(req: IncomingMessage, api: Api | 'unknown', apiKey: string): RecordedRequest['auth'] {
  const bearer = req.headers.authorization;
  const xApiKey = api === 'anthropic' ? req.headers['x-api-key'] : undefined;
  if (bearer === undefined && xApiKey === undefined) return 'missing';
  return bearer === `Bearer ${apiKey}` || xApiKey === apiKey ? 'ok' : 'invalid';
}

function presentedKey(req: IncomingMessage): string {
  const bearer = req.headers.authorization ?? '';
  return bearer.startsWith('Bearer ') ? bearer.slice('Bearer '.length) : String(req.headers['x-api-key'] ?? '');
}

function authMessage(api: Api, req: IncomingMessage): string {
  // OpenAI's real message quotes the presented key (masked); the fake quotes it
  // whole, the worst case, so tests can prove the router never passes it on.
  if (api !== 'anthropic') {
    return `Incorrect API key provided: ${presentedKey(req)}. You can find your API key at https://platform.openai.com/account/api-keys.`;
  }
  return 'invalid x-api-key';
}

/** Rules of the real OpenAI API that a wrong adapter would break. */
/** OpenAI's models without reasoning (the gpt-4o family, gpt-4.1) refuse a reasoning effort outright. */
const takesNoReasoning = (model: unknown) => typeof model === 'string' && model.startsWith('gpt-4');
/** What the fake's reasoning models take, as GPT-5 does: it has no `none` (gpt-5.1 added it) and no `xhigh` or `max`. */
const OPENAI_EFFORTS = ['minimal', 'low', 'medium', 'high'];

/** OpenAI's answer to an effort a reasoning model does not take (its real wording and param). */
function unsupportedEffort(effort: unknown, model: unknown): string | undefined {
  if (effort == null || (typeof effort === 'string' && OPENAI_EFFORTS.includes(effort))) return undefined;
  const supported = OPENAI_EFFORTS.map((value) => `'${value}'`);
  return `Unsupported value: '${typeof effort === 'string' ? effort : JSON.stringify(effort)}' is not supported with the '${String(model)}' model. Supported values are: ${supported.slice(0, -1).join(', ')}, and ${supported.at(-1)}.`;
}

function validateOpenAI(body: Json): string | undefined {
  if (typeof body['model'] !== 'string') return 'you must provide a model parameter';
  if (body['reasoning_effort'] != null && takesNoReasoning(body['model']))
    return "Unsupported parameter: 'reasoning_effort' is not supported with this model.";
  const effort = unsupportedEffort(body['reasoning_effort'], body['model']);
  if (effort !== undefined) return effort;
  const messages = asArray(body['messages']);
  if (messages.length === 0) return "[] is too short - 'messages'";
  if (body['stream_options'] != null && body['stream'] !== true) {
    return "The 'stream_options' parameter is only allowed when 'stream' is enabled.";
  }
  let previous: unknown;
  for (const message of messages) {
    if (isObject(message) && message['role'] === 'tool') {
      const ok =
        isObject(previous) &&
        (previous['role'] === 'tool' || (previous['role'] === 'assistant' && asArray(previous['tool_calls']).length > 0));
      if (!ok)
        return "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.";
    }
    previous = message;
  }
  return undefined;
}

const ANTHROPIC_EFFORTS = ['low', 'medium', 'high', 'xhigh', 'max'];

/** Rules of the real Anthropic Messages API that a wrong translation would break. */
function validateAnthropic(req: IncomingMessage, body: Json): string | undefined {
  if (req.headers['anthropic-version'] === undefined) return 'anthropic-version: header is required';
  if (typeof body['model'] !== 'string') return 'model: Field required';
  if (typeof body['max_tokens'] !== 'number') return 'max_tokens: Field required';
  const temperature = body['temperature'];
  if (typeof temperature === 'number' && (temperature < 0 || temperature > 1)) return 'temperature: range: 0..1';
  const thinking = body['thinking'];
  if (thinking !== undefined && String(body['model']).startsWith('claude-3-5'))
    return `thinking: '${String(body['model'])}' does not support thinking.`;
  if (isObject(thinking) && thinking['type'] === 'enabled') {
    const choice = body['tool_choice'];
    if (isObject(choice) && (choice['type'] === 'any' || choice['type'] === 'tool'))
      return 'Thinking may not be enabled when tool_choice forces tool use.';
    const lastAssistant = asArray(body['messages']).findLast((message) => isObject(message) && message['role'] === 'assistant');
    const blocks = isObject(lastAssistant) ? asArray(lastAssistant['content']) : [];
    const first = blocks[0];
    const usesTool = blocks.some((block) => isObject(block) && block['type'] === 'tool_use');
    if (usesTool && !(isObject(first) && (first['type'] === 'thinking' || first['type'] === 'redacted_thinking')))
      return 'messages: Expected `thinking` or `redacted_thinking`, but found `tool_use`. When `thinking` is enabled, a final `assistant` message must start with a thinking block.';
    const budget = thinking['budget_tokens'];
    if (typeof budget !== 'number' || budget < 1024)
      return 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024';
    if (budget >= Number(body['max_tokens'])) return '`max_tokens` must be greater than `thinking.budget_tokens`.';
    if (temperature !== undefined && temperature !== 1) return '`temperature` may only be set to 1 when thinking is enabled.';
  }
  const outputConfig = body['output_config'];
  if (outputConfig !== undefined) {
    if (!isObject(outputConfig)) return 'output_config: Input should be an object';
    const effort = outputConfig['effort'];
    if (effort != null && (typeof effort !== 'string' || !ANTHROPIC_EFFORTS.includes(effort)))
      return `output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'`;
  }
  const messages = asArray(body['messages']);
  if (messages.length === 0) return 'messages: at least one message is required';
  let previous: Json | undefined;
  for (const [index, message] of messages.entries()) {
    if (!isObject(message) || (message['role'] !== 'user' && message['role'] !== 'assistant')) {
      return `messages.${index}.role: Input should be 'user' or 'assistant'`;
    }
    const content = message['content'];
    const blocks = typeof content === 'string' ? [{ type: 'text', text: content }] : asArray(content);
    for (const block of blocks) {
      if (!isObject(block)) return `messages.${index}.content: invalid block`;
      if (block['type'] === 'text' && block['text'] === '') return 'messages: text content blocks must be non-empty';
      if (block['type'] === 'tool_result') {
        const ids = asArray(previous?.['content'])
          .filter(isObject)
          .filter((b) => b['type'] === 'tool_use')
          .map((b) => b['id']);
        if (previous?.['role'] !== 'assistant' || !ids.includes(block['tool_use_id'])) {
          return `messages.${index}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(block['tool_use_id'])}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
        }
      }
    }
    previous = message;
  }
  return undefined;
}

function includeUsage(body: Json): boolean {
  const streamOptions = body['stream_options'];
  return isObject(streamOptions) && streamOptions['include_usage'] === true;
}

// ---------------------------------------------------------------- answers

interface Answer {
  model: string;
  text: string;
  toolCall: { name: string; arguments: string } | undefined;
  /** OpenAI finish_reason and Anthropic stop_reason for this answer. */
  finish: 'stop' | 'length' | 'tool_calls';
  stopSequence: string | undefined;
  /** Thinking tokens, counted in `usage.output` as the real APIs bill them. */
  reasoning: number;
  usage: { input: number; output: number };
}

/** Thinking tokens the fake reports for an OpenAI reasoning effort (an Anthropic budget spends a 32nd of itself). */
const REASONING_TOKENS: Record<string, number> = { minimal: 0, low: 16, medium: 64, high: 256 };

function reasoningTokens(body: Json): number {
  const effort = body['reasoning_effort'] ?? (isObject(body['reasoning']) ? body['reasoning']['effort'] : undefined);
  if (typeof effort === 'string') return REASONING_TOKENS[effort] ?? 0;
  const thinking = body['thinking'];
  return isObject(thinking) && typeof thinking['budget_tokens'] === 'number' ? Math.floor(thinking['budget_tokens'] / 32) : 0;
}

function textOfContent(content: unknown): string {
  if (typeof content === 'string') return content;
  return asArray(content)
    .filter(isObject)
    .map((part) => (part['type'] === 'text' && typeof part['text'] === 'string' ? part['text'] : ''))
    .join('');
}

/** Fills a JSON schema's properties with plausible values so the arguments fit the tool. */
function argumentsFor(schema: unknown, userText: string): string {
  const properties = isObject(schema) && isObject(schema['properties']) ? schema['properties'] : {};
  const values: Json = {};
  for (const [name, property] of Object.entries(properties)) {
    const type = isObject(property) ? property['type'] : undefined;
    values[name] = type === 'number' || type === 'integer' ? 42 : type === 'boolean' ? true : userText;
  }
  return JSON.stringify(values);
}

function sizeTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function compose(
  model: string,
  promptSize: string,
  lastUserText: string,
  toolResult: string | undefined,
  tool: { name: string; schema: unknown } | undefined,
  stops: string[],
  maxTokens: number | undefined,
  reasoning = 0,
): Answer {
  let text =
    toolResult === undefined
      ? `Answer from ${model}: ${lastUserText}`
      : `Answer from ${model} using the tool result: ${toolResult}`;
  let finish: Answer['finish'] = 'stop';
  let stopSequence: string | undefined;
  let toolCall: Answer['toolCall'];
  if (tool !== undefined && toolResult === undefined) {
    toolCall = { name: tool.name, arguments: argumentsFor(tool.schema, lastUserText) };
    text = `Calling ${tool.name}.`;
    finish = 'tool_calls';
  }
  for (const stop of stops) {
    const at = text.indexOf(stop);
    if (stop !== '' && at >= 0) {
      text = text.slice(0, at);
      stopSequence = stop;
      finish = 'stop';
      toolCall = undefined;
      break;
    }
  }
  if (maxTokens !== undefined && sizeTokens(text) > maxTokens) {
    text = text.slice(0, maxTokens * 4);
    finish = 'length';
    toolCall = undefined;
  }
  const output = sizeTokens(text + (toolCall?.arguments ?? '')) + reasoning;
  return { model, text, toolCall, finish, stopSequence, reasoning, usage: { input: sizeTokens(promptSize) + 7, output } };
}

function answerOpenAI(body: Json): Answer {
  const messages = asArray(body['messages']).filter(isObject);
  const lastUser = [...messages].reverse().find((message) => message['role'] === 'user');
  const last = messages.at(-1);
  const toolResult = last?.['role'] === 'tool' ? textOfContent(last['content']) : undefined;
  const tools = asArray(body['tools']).filter(isObject);
  const choice = body['tool_choice'];
  let tool: { name: string; schema: unknown } | undefined;
  if (tools.length > 0 && choice !== 'none') {
    const wanted = isObject(choice) && isObject(choice['function']) ? choice['function']['name'] : undefined;
    const picked = tools.find(
      (candidate) => isObject(candidate['function']) && (wanted === undefined || candidate['function']['name'] === wanted),
    );
    const fn = picked?.['function'];
    if (isObject(fn) && typeof fn['name'] === 'string') tool = { name: fn['name'], schema: fn['parameters'] };
  }
  const stop = body['stop'];
  const stops = typeof stop === 'string' ? [stop] : asArray(stop).filter((s): s is string => typeof s === 'string');
  const maxTokens =
    typeof body['max_completion_tokens'] === 'number'
      ? body['max_completion_tokens']
      : typeof body['max_tokens'] === 'number'
        ? body['max_tokens']
        : undefined;
  return compose(
    String(body['model']),
    JSON.stringify(messages),
    textOfContent(lastUser?.['content']),
    toolResult,
    tool,
    stops,
    maxTokens,
    reasoningTokens(body),
  );
}

function answerAnthropic(body: Json): Answer {
  const messages = asArray(body['messages']).filter(isObject);
  const last = messages.at(-1);
  const lastBlocks = typeof last?.['content'] === 'string' ? [] : asArray(last?.['content']).filter(isObject);
  const resultBlock = lastBlocks.find((block) => block['type'] === 'tool_result');
  const toolResult = resultBlock === undefined ? undefined : textOfContent(resultBlock['content']);
  const lastUserText =
    [...messages]
      .reverse()
      .filter((message) => message['role'] === 'user')
      .map((message) => textOfContent(message['content']))
      .find((text) => text !== '') ?? '';
  const tools = asArray(body['tools']).filter(isObject);
  const choice = isObject(body['tool_choice']) ? body['tool_choice'] : undefined;
  let tool: { name: string; schema: unknown } | undefined;
  if (tools.length > 0 && choice?.['type'] !== 'none') {
    const wanted = choice?.['type'] === 'tool' ? choice['name'] : undefined;
    const picked = tools.find((candidate) => wanted === undefined || candidate['name'] === wanted);
    if (picked !== undefined && typeof picked['name'] === 'string')
      tool = { name: picked['name'], schema: picked['input_schema'] };
  }
  const stops = asArray(body['stop_sequences']).filter((s): s is string => typeof s === 'string');
  const prompt = JSON.stringify([body['system'] ?? '', messages]);
  const thinking = isObject(body['thinking']) ? Number(body['thinking']['budget_tokens']) : 0;
  return compose(
    String(body['model']),
    prompt,
    lastUserText,
    toolResult,
    tool,
    stops,
    Number(body['max_tokens']) - thinking,
    reasoningTokens(body),
  );
}

/** The answer text in the pieces a stream sends: one word (with its space) per event. */
function pieces(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

function argumentPieces(json: string): string[] {
  const result: string[] = [];
  for (let i = 0; i < json.length; i += 8) result.push(json.slice(i, i + 8));
  return result;
}

// ---------------------------------------------------------------- OpenAI wire format

function openaiUsage(answer: Answer) {
  return {
    prompt_tokens: answer.usage.input,
    completion_tokens: answer.usage.output,
    total_tokens: answer.usage.input + answer.usage.output,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: answer.reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function openaiCompletion(n: number, answer: Answer): Json {
  const message: Json =
    answer.toolCall === undefined
      ? { role: 'assistant', content: answer.text, refusal: null, annotations: [] }
      : {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: `call_fake_${n}`, type: 'function', function: answer.toolCall }],
          refusal: null,
          annotations: [],
        };
  return {
    id: `chatcmpl-fake-${n}`,
    object: 'chat.completion',
    created: FAKE_CREATED,
    model: answer.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: answer.finish }],
    usage: openaiUsage(answer),
    service_tier: 'default',
    system_fingerprint: 'fp_fake',
  };
}

function openaiEvents(n: number, answer: Answer, withUsage: boolean): string[] {
  const base = {
    id: `chatcmpl-fake-${n}`,
    object: 'chat.completion.chunk',
    created: FAKE_CREATED,
    model: answer.model,
    service_tier: 'default',
    system_fingerprint: 'fp_fake',
  };
  // With include_usage, OpenAI adds `"usage": null` to every chunk before the last.
  const usageNull = withUsage ? { usage: null } : {};
  const chunk = (delta: Json, finish: string | null = null): string =>
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...usageNull })}\n\n`;
  const events: string[] = [];
  if (answer.toolCall === undefined) {
    events.push(chunk({ role: 'assistant', content: '', refusal: null }));
    for (const piece of pieces(answer.text)) events.push(chunk({ content: piece }));
  } else {
    events.push(
      chunk({
        role: 'assistant',
        content: null,
        tool_calls: [
          { index: 0, id: `call_fake_${n}`, type: 'function', function: { name: answer.toolCall.name, arguments: '' } },
        ],
        refusal: null,
      }),
    );
    for (const piece of argumentPieces(answer.toolCall.arguments))
      events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }));
  }
  events.push(chunk({}, answer.finish));
  if (withUsage) events.push(`data: ${JSON.stringify({ ...base, choices: [], usage: openaiUsage(answer) })}\n\n`);
  events.push('data: [DONE]\n\n');
  return events;
}

// ---------------------------------------------------------------- Anthropic wire format

const STOP_REASON: Record<Answer['finish'], string> = { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use' };

function stopReasonOf(answer: Answer): string {
  return answer.stopSequence !== undefined ? 'stop_sequence' : STOP_REASON[answer.finish];
}

function anthropicUsage(input: number, output: number): Json {
  return {
    input_tokens: input,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: output,
    service_tier: 'standard',
  };
}

function anthropicMessage(n: number, answer: Answer): Json {
  const content: Json[] = [];
  if (answer.text !== '') content.push({ type: 'text', text: answer.text });
  if (answer.toolCall !== undefined) {
    content.push({
      type: 'tool_use',
      id: `toolu_fake_${n}`,
      name: answer.toolCall.name,
      input: JSON.parse(answer.toolCall.arguments) as unknown,
    });
  }
  return {
    id: `msg_fake_${n}`,
    type: 'message',
    role: 'assistant',
    model: answer.model,
    content,
    stop_reason: stopReasonOf(answer),
    stop_sequence: answer.stopSequence ?? null,
    usage: anthropicUsage(answer.usage.input, answer.usage.output),
  };
}

function sse(event: string, data: Json): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function anthropicEvents(n: number, answer: Answer): string[] {
  const events: string[] = [
    sse('message_start', {
      type: 'message_start',
      message: {
        id: `msg_fake_${n}`,
        type: 'message',
        role: 'assistant',
        model: answer.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: anthropicUsage(answer.usage.input, 1),
      },
    }),
  ];
  let index = 0;
  if (answer.text !== '') {
    events.push(sse('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }));
    events.push(sse('ping', { type: 'ping' }));
    for (const piece of pieces(answer.text)) {
      events.push(sse('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } }));
    }
    events.push(sse('content_block_stop', { type: 'content_block_stop', index }));
    index += 1;
  }
  if (answer.toolCall !== undefined) {
    events.push(
      sse('content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { type: 'tool_use', id: `toolu_fake_${n}`, name: answer.toolCall.name, input: {} },
      }),
    );
    events.push(
      sse('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: '' } }),
    );
    for (const piece of argumentPieces(answer.toolCall.arguments)) {
      events.push(
        sse('content_block_delta', {
          type: 'content_block_delta',
          index,
          delta: { type: 'input_json_delta', partial_json: piece },
        }),
      );
    }
    events.push(sse('content_block_stop', { type: 'content_block_stop', index }));
  }
  events.push(
    sse('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stopReasonOf(answer), stop_sequence: answer.stopSequence ?? null },
      usage: { output_tokens: answer.usage.output },
    }),
  );
  events.push(sse('message_stop', { type: 'message_stop' }));
  return events;
}

// ---------------------------------------------------------------- OpenAI Responses wire format

/** Rules of the real Responses API that a wrong adapter would break. */
function validateResponses(body: Json): string | undefined {
  if (typeof body['model'] !== 'string') return "Missing required parameter: 'model'.";
  if (body['reasoning'] != null && takesNoReasoning(body['model']))
    return "Unsupported parameter: 'reasoning.effort' is not supported with this model.";
  const effort = unsupportedEffort(isObject(body['reasoning']) ? body['reasoning']['effort'] : undefined, body['model']);
  if (effort !== undefined) return effort;
  for (const moved of ['messages', 'max_tokens', 'max_completion_tokens', 'stream_options']) {
    if (body[moved] !== undefined) return `Unsupported parameter: '${moved}'.`;
  }
  // The fake stores nothing, as a router that forwards a previous_response_id of its own would find out.
  if (body['previous_response_id'] != null)
    return `Previous response with id '${typeof body['previous_response_id'] === 'string' ? body['previous_response_id'] : JSON.stringify(body['previous_response_id'])}' not found.`;
  const input = body['input'];
  if (typeof input !== 'string' && asArray(input).length === 0) return "Missing required parameter: 'input'.";
  const calls = new Set<unknown>();
  for (const item of asArray(input)) {
    if (!isObject(item)) return 'Invalid input item.';
    if (item['type'] === 'function_call') calls.add(item['call_id']);
    if (item['type'] === 'function_call_output' && !calls.has(item['call_id'])) {
      return `No tool call found for function call output with call_id ${String(item['call_id'])}.`;
    }
  }
  return undefined;
}

function responsesItemText(content: unknown): string {
  if (typeof content === 'string') return content;
  return asArray(content)
    .filter(isObject)
    .map((part) =>
      (part['type'] === 'input_text' || part['type'] === 'output_text') && typeof part['text'] === 'string' ? part['text'] : '',
    )
    .join('');
}

function answerResponses(body: Json): Answer {
  const input = body['input'];
  const items = typeof input === 'string' ? [{ role: 'user', content: input }] : asArray(input).filter(isObject);
  const lastUser = [...items].reverse().find((item) => item['role'] === 'user');
  const last = items.at(-1);
  const toolResult = last?.['type'] === 'function_call_output' ? responsesItemText(last['output']) : undefined;
  const tools = asArray(body['tools'])
    .filter(isObject)
    .filter((candidate) => candidate['type'] === 'function');
  const choice = body['tool_choice'];
  let tool: { name: string; schema: unknown } | undefined;
  if (tools.length > 0 && choice !== 'none') {
    const wanted = isObject(choice) && choice['type'] === 'function' ? choice['name'] : undefined;
    const picked = tools.find((candidate) => wanted === undefined || candidate['name'] === wanted);
    if (picked !== undefined && typeof picked['name'] === 'string') tool = { name: picked['name'], schema: picked['parameters'] };
  }
  const maxTokens = typeof body['max_output_tokens'] === 'number' ? body['max_output_tokens'] : undefined;
  const prompt = JSON.stringify([body['instructions'] ?? '', items]);
  return compose(
    String(body['model']),
    prompt,
    responsesItemText(lastUser?.['content']),
    toolResult,
    tool,
    [],
    maxTokens,
    reasoningTokens(body),
  );
}

function responsesUsage(answer: Answer): Json {
  return {
    input_tokens: answer.usage.input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: answer.usage.output,
    output_tokens_details: { reasoning_tokens: answer.reasoning },
    total_tokens: answer.usage.input + answer.usage.output,
  };
}

function responsesOutput(n: number, answer: Answer): Json[] {
  if (answer.toolCall !== undefined) {
    return [
      {
        type: 'function_call',
        id: `fc_fake_${n}`,
        call_id: `call_fake_${n}`,
        name: answer.toolCall.name,
        arguments: answer.toolCall.arguments,
        status: 'completed',
      },
    ];
  }
  return [
    {
      type: 'message',
      id: `msg_fake_${n}`,
      status: answer.finish === 'length' ? 'incomplete' : 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: answer.text, annotations: [], logprobs: [] }],
    },
  ];
}

function responsesObject(n: number, answer: Answer, body: Json, status: 'in_progress' | 'completed'): Json {
  const done = status === 'completed';
  const incomplete = done && answer.finish === 'length';
  return {
    id: `resp_fake_${n}`,
    object: 'response',
    created_at: FAKE_CREATED,
    status: incomplete ? 'incomplete' : status,
    background: false,
    error: null,
    incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
    instructions: body['instructions'] ?? null,
    max_output_tokens: body['max_output_tokens'] ?? null,
    model: answer.model,
    output: done ? responsesOutput(n, answer) : [],
    parallel_tool_calls: body['parallel_tool_calls'] ?? true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    service_tier: 'default',
    store: body['store'] ?? true,
    temperature: body['temperature'] ?? 1,
    text: body['text'] ?? { format: { type: 'text' } },
    tool_choice: body['tool_choice'] ?? 'auto',
    tools: body['tools'] ?? [],
    top_p: body['top_p'] ?? 1,
    truncation: 'disabled',
    usage: done ? responsesUsage(answer) : null,
    user: null,
    metadata: {},
  };
}

/** The real event sequence: created, in_progress, one output item with its parts and deltas, completed. */
function responsesEvents(n: number, answer: Answer, body: Json): string[] {
  let sequence = 0;
  const event = (type: string, data: Json): string => sse(type, { type, ...data, sequence_number: sequence++ });
  const events = [event('response.created', { response: responsesObject(n, answer, body, 'in_progress') })];
  events.push(event('response.in_progress', { response: responsesObject(n, answer, body, 'in_progress') }));
  const [item] = responsesOutput(n, answer) as [Json];
  if (answer.toolCall !== undefined) {
    const id = `fc_fake_${n}`;
    events.push(
      event('response.output_item.added', { output_index: 0, item: { ...item, arguments: '', status: 'in_progress' } }),
    );
    for (const piece of argumentPieces(answer.toolCall.arguments)) {
      events.push(event('response.function_call_arguments.delta', { item_id: id, output_index: 0, delta: piece }));
    }
    events.push(
      event('response.function_call_arguments.done', {
        item_id: id,
        output_index: 0,
        name: answer.toolCall.name,
        arguments: answer.toolCall.arguments,
      }),
    );
    events.push(event('response.output_item.done', { output_index: 0, item }));
  } else {
    const id = `msg_fake_${n}`;
    const empty = { type: 'output_text', text: '', annotations: [], logprobs: [] };
    events.push(event('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', content: [] } }));
    events.push(event('response.content_part.added', { item_id: id, output_index: 0, content_index: 0, part: empty }));
    for (const piece of pieces(answer.text)) {
      events.push(
        event('response.output_text.delta', { item_id: id, output_index: 0, content_index: 0, delta: piece, logprobs: [] }),
      );
    }
    events.push(
      event('response.output_text.done', { item_id: id, output_index: 0, content_index: 0, text: answer.text, logprobs: [] }),
    );
    events.push(
      event('response.content_part.done', {
        item_id: id,
        output_index: 0,
        content_index: 0,
        part: { ...empty, text: answer.text },
      }),
    );
    events.push(event('response.output_item.done', { output_index: 0, item }));
  }
  const final = responsesObject(n, answer, body, 'completed');
  events.push(event(final['status'] === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: final }));
  return events;
}

// ---------------------------------------------------------------- errors

/** Error `type`s and default messages as each API sends them for a status. */
const OPENAI_ERRORS: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: 'invalid_request_error', code: null, message: 'Invalid request.' },
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  403: {
    type: 'invalid_request_error',
    code: 'unsupported_country_region_territory',
    message: 'Country, region, or territory not supported',
  },
  404: {
    type: 'invalid_request_error',
    code: 'model_not_found',
    message: 'The model does not exist or you do not have access to it.',
  },
  408: { type: 'server_error', code: null, message: 'Request timed out.' },
  409: { type: 'invalid_request_error', code: null, message: 'Conflict.' },
  422: { type: 'invalid_request_error', code: null, message: 'Unprocessable entity.' },
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests. Please try again in 7s.' },
  500: { type: 'server_error', code: null, message: 'The server had an error while processing your request. Sorry about that!' },
  503: { type: 'server_error', code: null, message: 'The engine is currently overloaded, please try again later.' },
};

const ANTHROPIC_ERRORS: Record<number, { type: string; message: string }> = {
  400: { type: 'invalid_request_error', message: 'Invalid request.' },
  401: { type: 'authentication_error', message: 'invalid x-api-key' },
  403: { type: 'permission_error', message: 'Your API key does not have permission to use the specified resource.' },
  404: { type: 'not_found_error', message: 'Not found.' },
  408: { type: 'timeout_error', message: 'Request timed out.' },
  409: { type: 'conflict_error', message: 'Conflict.' },
  413: { type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.' },
  429: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit.' },
  500: { type: 'api_error', message: 'Internal server error' },
  529: { type: 'overloaded_error', message: 'Overloaded' },
};

function requestIdHeader(api: Api, n: number): Record<string, string> {
  return api !== 'anthropic' ? { 'x-request-id': `req_fake_${n}` } : { 'request-id': `req_fake_${n}` };
}

function sendError(res: ServerResponse, api: Api, status: number, message?: string): void {
  if (api !== 'anthropic') {
    const known = OPENAI_ERRORS[status] ?? {
      type: status >= 500 ? 'server_error' : 'invalid_request_error',
      code: null,
      message: `Error ${status}.`,
    };
    return sendJson(res, status, {
      error: { message: message ?? known.message, type: known.type, param: null, code: known.code },
    });
  }
  const known = ANTHROPIC_ERRORS[status] ?? {
    type: status >= 500 ? 'api_error' : 'invalid_request_error',
    message: `Error ${status}.`,
  };
  sendJson(res, status, {
    type: 'error',
    error: { type: known.type, message: message ?? known.message },
    request_id: 'req_fake',
  });
}

function streamErrorEvent(api: Api, message = 'Overloaded'): string {
  if (api === 'responses')
    return sse('error', { type: 'error', code: 'server_error', message, param: null, sequence_number: 9999 });
  if (api === 'openai')
    return `data: ${JSON.stringify({ error: { message, type: 'server_error', param: null, code: null } })}\n\n`;
  return sse('error', { type: 'error', error: { type: 'overloaded_error', message } });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function write(res: ServerResponse, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) return resolve();
    res.write(text, () => resolve());
  });
}
