import type { Config } from '../config.js';
import type { Embedder } from './embedder.js';
import { withEmbeddingCache } from './embedding-cache.js';
import { loadMiniLmEmbedderInWorkers, loadUseLiteEmbedderInWorkers, type PooledEmbedder } from './minilm-pool.js';
import { withMicroBatching } from './micro-batcher.js';
import { loadMiniLmHere, loadUseLiteHere, type EmbedderLoaders } from './select-embedder.js';

function isPooled(embedder: Embedder): embedder is PooledEmbedder {
  return typeof (embedder as Partial<PooledEmbedder>).pending === 'function';
}

/**
 * The embedder as the request path sees it: cache hits answer at once, misses
 * are micro-batched with concurrent requests of similar length. Seeding keeps
 * the bare embedder (its batches are already large, and exemplars would only
 * evict queries from the cache). A worker pool gets one batch in flight per worker.
 */
export function withRequestFastPath(embedder: Embedder, settings: Config['embedding']): Embedder {
  const concurrency = isPooled(embedder) ? Math.max(1, embedder.pending().length) : 1;
  const batched = withMicroBatching(embedder, { maxBatch: settings.batchMax, windowMs: settings.batchWindowMs, concurrency });
  return withEmbeddingCache(batched, { maxEntries: settings.cacheSize, maxBytes: settings.cacheMaxBytes });
}

/**
 * The embedder loaders with the onnxruntime thread setting applied to MiniLM,
 * and either embedder in worker threads (EMBED_WORKERS > 0) unless the caller brings its own loaders.
 */
export function loadersWithThreads(settings: Config['embedding'], loaders?: EmbedderLoaders): EmbedderLoaders {
  const base = loaders ?? {
    minilm:
      settings.workers > 0 ? (options) => loadMiniLmEmbedderInWorkers({ ...options, workers: settings.workers }) : loadMiniLmHere,
    useLite: settings.workers > 0 ? () => loadUseLiteEmbedderInWorkers({ workers: settings.workers }) : loadUseLiteHere,
  };
  return { ...base, minilm: (options) => base.minilm({ ...options, intraOpThreads: settings.onnxIntraOpThreads }) };
}
