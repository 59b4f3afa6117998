import type { EmbedderKind } from './embedder.js';
import { normalizeQueryText } from './embedding-cache.js';
import { MINILM_MAX_TOKENS } from './sequence-limit.js';

/**
 * The most characters of a text the router hands an embedder. MiniLM reads 256
 * word pieces and drops the rest; a word piece is rarely longer than 8
 * characters (English averages about 4), so 2,048 characters keep everything
 * it reads while a 32k-character query no longer costs 32k characters of
 * tokenising. USE-lite reads every token, so its cost grew with the text (31
 * queries of 32k characters held it for 57 s); it gets the same bound, which
 * is also far longer than any exemplar it is compared with.
 */
export const EMBED_INPUT_CHARS: Record<EmbedderKind, number> = {
  minilm: MINILM_MAX_TOKENS * 8,
  'use-lite': 2048,
};

/**
 * The text as the embedder will see it: whitespace collapsed (as the cache
 * key is), then cut at `maxChars` without splitting a surrogate pair.
 */
export function cutForEmbedding(text: string, maxChars: number): string {
  // Collapsing first: a query padded with 30k spaces must not be cut down to nothing but spaces.
  const normalized = normalizeQueryText(text.length > maxChars * 16 ? text.slice(0, maxChars * 16) : text);
  if (normalized.length <= maxChars) return normalized;
  const end = /[\uD800-\uDBFF]/.test(normalized[maxChars - 1]!) ? maxChars - 1 : maxChars;
  return normalized.slice(0, end).trimEnd();
}
