import type { Config } from '../config.js';
import type { Embedder } from './embedder.js';
import { withEmbeddingCache } from './embedding-cache.js';
import { loadMiniLmEmbedder } from './minilm.js';
import { withMicroBatching } from './micro-batcher.js';
import type { EmbedderLoaders } from './select-embedder.js';
import { loadUseLiteEmbedder } from './use-lite.js';

/**
 * The embedder as the request path sees it: cache hits answer at once, misses
 * are micro-batched with concurrent requests of similar length. Seeding keeps
 * the bare embedder (its batches are already large, and exemplars would only
 * evict queries from the cache).
 */
export function withRequestFastPath(embedder: Embedder, settings: Config['embedding']): Embedder {
  const batched = withMicroBatching(embedder, { maxBatch: settings.batchMax, windowMs: settings.batchWindowMs });
  return withEmbeddingCache(batched, settings.cacheSize);
}

/** The embedder loaders with the onnxruntime thread setting applied to MiniLM. */
export function loadersWithThreads(settings: Config['embedding'], loaders?: EmbedderLoaders): EmbedderLoaders {
  const base = loaders ?? { minilm: loadMiniLmEmbedder, useLite: loadUseLiteEmbedder };
  return { ...base, minilm: (options) => base.minilm({ ...options, intraOpThreads: settings.onnxIntraOpThreads }) };
}
