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
  // Normalising all 32k characters of a long query cost the event loop ~0.2 ms a query (7 ms for a batch of 32), so
  // only a generous head is normalised: four times the bound leaves room for whitespace runs the collapse removes.
  const head = text.length > maxChars * 4 ? withoutSplitPair(text.slice(0, maxChars * 4)) : text;
  const normalized = normalizeQueryText(head);
  if (normalized.length <= maxChars) return normalized;
  return withoutSplitPair(normalized.slice(0, maxChars)).trimEnd();
}

/**
 * The head of a text that rules and the complexity signals read: cut at `maxChars` like the embedder's input, but
 * NOT normalised, because rules match line breaks and indentation (docstrings, code signatures, several sentences)
 * that the whitespace collapse of `cutForEmbedding` removes.
 */
export function headForRules(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : withoutSplitPair(text.slice(0, maxChars));
}

/** Drops a high surrogate left at the end by a cut, whose low half was cut off. */
function withoutSplitPair(text: string): string {
  return /[\uD800-\uDBFF]$/.test(text) ? text.slice(0, -1) : text;
}
