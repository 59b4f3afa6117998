/** Test helpers: drain a chunk stream and put an OpenAI chunk sequence back together. */
import type { ChatCompletionChunk } from '../../src/providers/types.js';

export interface Drained<T> {
  items: T[];
  error: unknown;
}

/** Every item until the end or the first error (which is returned, not thrown). */
export async function drain<T>(stream: AsyncIterable<T>): Promise<Drained<T>> {
  const items: T[] = [];
  try {
    for await (const item of stream) items.push(item);
    return { items, error: undefined };
  } catch (error) {
    return { items, error };
  }
}

export interface Assembled {
  role: string | undefined;
  content: string;
  toolCalls: { id: string | undefined; name: string; arguments: string }[];
  finishReasons: string[];
  usage: ChatCompletionChunk['usage'];
  /** Chunks with a `usage` field set, and their positions. */
  usageChunkIndexes: number[];
}

/** What an OpenAI client would rebuild from the chunks (as the SDK's stream helpers do). */
export function assemble(chunks: readonly ChatCompletionChunk[]): Assembled {
  const result: Assembled = {
    role: undefined,
    content: '',
    toolCalls: [],
    finishReasons: [],
    usage: undefined,
    usageChunkIndexes: [],
  };
  chunks.forEach((chunk, index) => {
    if (chunk.usage != null) {
      result.usage = chunk.usage;
      result.usageChunkIndexes.push(index);
    }
    for (const choice of chunk.choices) {
      const delta = choice.delta;
      if (delta.role !== undefined) result.role ??= delta.role;
      if (typeof delta.content === 'string') result.content += delta.content;
      for (const call of delta.tool_calls ?? []) {
        const target = (result.toolCalls[call.index] ??= { id: undefined, name: '', arguments: '' });
        if (call.id !== undefined) target.id = call.id;
        if (call.function?.name !== undefined) target.name += call.function.name;
        if (call.function?.arguments !== undefined) target.arguments += call.function.arguments;
      }
      if (choice.finish_reason !== null) result.finishReasons.push(choice.finish_reason);
    }
  });
  return result;
}
