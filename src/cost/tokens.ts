import type { ChatCompletion, ChatCompletionCreateParams } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  /** True when the provider sent no usage and the counts come from estimateTokens. */
  estimated: boolean;
}

/**
 * About four characters of English text per token, the rule of thumb OpenAI and
 * Anthropic both publish. Only used when a provider omits usage, and such usage
 * is marked as estimated wherever it is reported.
 */
export const CHARS_PER_TOKEN = 4;

/** Tokens in `text` by the four-characters rule, counting code points so non-Latin text is not overcounted. */
export function estimateTokens(text: string): number {
  let characters = 0;
  for (const _ of text) characters += 1;
  return Math.ceil(characters / CHARS_PER_TOKEN);
}

/** The provider's own counts when it sent them; otherwise estimates from the texts, flagged as such. */
export function resolveUsage(
  reported: CompletionUsage | null | undefined,
  texts: { prompt: string; completion: string },
): TokenUsage {
  if (reported != null)
    return { inputTokens: reported.prompt_tokens, outputTokens: reported.completion_tokens, estimated: false };
  return { inputTokens: estimateTokens(texts.prompt), outputTokens: estimateTokens(texts.completion), estimated: true };
}

/** Everything in a request the model reads as text: messages, tool call arguments, tool definitions. */
export function promptText(request: ChatCompletionCreateParams): string {
  const pieces: string[] = [];
  for (const message of request.messages) {
    const content = message.content;
    if (typeof content === 'string') pieces.push(content);
    else if (Array.isArray(content)) {
      for (const part of content) {
        if (part.type === 'text') pieces.push(part.text);
        else if (part.type === 'refusal') pieces.push(part.refusal);
      }
    }
    if (message.role === 'assistant') {
      for (const call of message.tool_calls ?? []) {
        if (call.type === 'function') pieces.push(call.function.name, call.function.arguments);
      }
    }
  }
  if (request.tools !== undefined && request.tools.length > 0) pieces.push(JSON.stringify(request.tools));
  return pieces.join('\n');
}

/** The text of an answer, tool call arguments included. */
export function completionText(completion: ChatCompletion): string {
  const pieces: string[] = [];
  for (const choice of completion.choices) {
    if (choice.message.content !== null) pieces.push(choice.message.content);
    for (const call of choice.message.tool_calls ?? []) {
      if (call.type === 'function') pieces.push(call.function.name, call.function.arguments);
    }
  }
  return pieces.join('\n');
}
