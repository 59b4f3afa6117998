import { ByteBudgetLru, hashKey } from '../caching/byte-budget-lru.js';
import { abortReason, embedderIdentity, type Embedder } from './embedder.js';

/**
 * The text a query is cached (and embedded) as: Unicode NFC, trimmed, every
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
  /** Estimated bytes held by the cached vectors and their keys. */
  bytes: number;
}

export interface CachingEmbedder extends Embedder {
  cacheStats(): EmbeddingCacheStats;
}

export interface EmbeddingCacheLimits {
  /** Most vectors kept (0 turns the cache off). */
  maxEntries: number;
  /** Most bytes kept, vectors and keys together. */
  maxBytes: number;
}

/** One embedding several requests wait for; it is withdrawn only when every one of them has given up. */
interface Shared {
  promise: Promise<Float32Array>;
  waiters: number;
  controller: AbortController;
}

/** A Float32Array object and its buffer, besides the floats. */
const VECTOR_OVERHEAD_BYTES = 96;

/**
 * An LRU cache of query embeddings in front of an embedder, keyed by a hash of
 * the normalised text (the text itself is never kept) and bounded by a count
 * and by bytes. Concurrent misses for one text share a single embedding.
 * Cached vectors are shared between requests: callers must not mutate them.
 */
export function withEmbeddingCache(inner: Embedder, limits: EmbeddingCacheLimits | number): CachingEmbedder {
  const { maxEntries, maxBytes } =
    typeof limits === 'number' ? { maxEntries: limits, maxBytes: Number.POSITIVE_INFINITY } : limits;
  const cache = new ByteBudgetLru<Float32Array>(maxBytes, (vector) => VECTOR_OVERHEAD_BYTES + vector.byteLength);
  const inFlight = new Map<string, Shared>();
  let hits = 0;
  let misses = 0;

  const share = (key: string, text: string): Shared => {
    let shared = inFlight.get(key);
    if (shared === undefined) {
      const controller = new AbortController();
      const promise = inner.embed([text], { signal: controller.signal }).then(
        ([vector]) => {
          inFlight.delete(key);
          cache.set(key, vector!);
          cache.trimTo(maxEntries);
          return vector!;
        },
        (error: unknown) => {
          inFlight.delete(key);
          throw error;
        },
      );
      // A withdrawn embedding rejects with nobody left waiting for it.
      promise.catch(() => undefined);
      shared = { promise, waiters: 0, controller };
      inFlight.set(key, shared);
    }
    return shared;
  };

  const wait = (key: string, shared: Shared, signal: AbortSignal | undefined): Promise<Float32Array> => {
    shared.waiters++;
    if (signal === undefined) return shared.promise;
    return new Promise<Float32Array>((resolve, reject) => {
      let settled = false;
      const onAbort = () => {
        if (settled) return;
        settled = true;
        shared.waiters--;
        if (shared.waiters === 0 && inFlight.get(key) === shared) {
          inFlight.delete(key);
          shared.controller.abort(abortReason(signal));
        }
        reject(abortReason(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      shared.promise.then(
        (vector) => {
          signal.removeEventListener('abort', onAbort);
          if (settled) return;
          settled = true;
          resolve(vector);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          if (settled) return;
          settled = true;
          // The embedder's own rejection is passed on unchanged, whatever it is.
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
          reject(error);
        },
      );
    });
  };

  const embedOne = (text: string, signal: AbortSignal | undefined): Float32Array | Promise<Float32Array> => {
    const key = hashKey(text);
    const cached = cache.get(key);
    if (cached !== undefined) {
      hits++;
      return cached;
    }
    misses++;
    return wait(key, share(key, text), signal);
  };

  return {
    ...embedderIdentity(inner),
    async embed(texts, options) {
      const signal = options?.signal;
      if (signal?.aborted) throw abortReason(signal);
      if (maxEntries === 0 || maxBytes === 0) return inner.embed(texts.map(normalizeQueryText), options);
      // A hit is answered as a plain vector, without a promise per text; Promise.all takes both.
      // eslint-disable-next-line @typescript-eslint/await-thenable
      return Promise.all(texts.map((text) => embedOne(normalizeQueryText(text), signal)));
    },
    cacheStats: () => ({ size: cache.size, hits, misses, bytes: cache.bytes }),
  };
}
