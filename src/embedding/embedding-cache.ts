import { embedderIdentity, type Embedder } from './embedder.js';

/**
 * The key a query is cached (and embedded) under: Unicode NFC, trimmed, every
 * whitespace run collapsed to one space. Both tokenizers split on whitespace,
 * so this changes no token; case is kept because not every embedder is uncased.
 */
export function normalizeQueryText(text: string): string {
  return text.normalize('NFC').trim().replace(/\s+/g, ' ');
}

export interface EmbeddingCacheStats {
  size: number;
  hits: number;
  misses: number;
}

export interface CachingEmbedder extends Embedder {
  cacheStats(): EmbeddingCacheStats;
}

/**
 * An LRU cache of query embeddings in front of an embedder (a Map keeps
 * insertion order, so re-inserting on a hit makes the first key the least
 * recently used). Concurrent misses for one text share a single embedding.
 * Cached vectors are shared between requests: callers must not mutate them.
 */
export function withEmbeddingCache(inner: Embedder, capacity: number): CachingEmbedder {
  const cache = new Map<string, Float32Array>();
  const inFlight = new Map<string, Promise<Float32Array>>();
  let hits = 0;
  let misses = 0;

  const remember = (key: string, vector: Float32Array) => {
    cache.set(key, vector);
    if (cache.size > capacity) cache.delete(cache.keys().next().value!);
  };

  const embedOne = (key: string): Float32Array | Promise<Float32Array> => {
    const cached = cache.get(key);
    if (cached !== undefined) {
      hits++;
      cache.delete(key);
      cache.set(key, cached);
      return cached;
    }
    misses++;
    let pending = inFlight.get(key);
    if (pending === undefined) {
      pending = inner.embed([key]).then(
        ([vector]) => {
          inFlight.delete(key);
          remember(key, vector!);
          return vector!;
        },
        (error: unknown) => {
          inFlight.delete(key);
          throw error;
        },
      );
      inFlight.set(key, pending);
    }
    return pending;
  };

  return {
    ...embedderIdentity(inner),
    async embed(texts) {
      if (capacity === 0) return inner.embed(texts.map(normalizeQueryText));
      // A hit is answered as a plain vector, without a promise per text; Promise.all takes both.
      // eslint-disable-next-line @typescript-eslint/await-thenable
      return Promise.all(texts.map((text) => embedOne(normalizeQueryText(text))));
    },
    cacheStats: () => ({ size: cache.size, hits, misses }),
  };
}
