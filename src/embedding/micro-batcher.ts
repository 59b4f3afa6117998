import { abortReason, embedderIdentity, type Embedder } from './embedder.js';

export interface MicroBatchOptions {
  /** Most texts in one model call. */
  maxBatch: number;
  /** How long the first queued text waits for company; 0 = until the current event-loop turn ends. */
  windowMs: number;
  /** Batches in flight at once (one per worker thread); default 1. */
  concurrency?: number;
}

interface Pending {
  text: string;
  bucket: number;
  resolve: (vector: Float32Array) => void;
  reject: (error: unknown) => void;
}

/**
 * A batch is padded to its longest text, so texts are batched only with others
 * of similar length: buckets grow by a factor of sqrt(2) in characters (a proxy
 * for tokens that needs no tokenizer).
 */
export function lengthBucket(text: string): number {
  return Math.ceil(2 * Math.log2(Math.max(24, text.length)));
}

export interface BatchingEmbedder extends Embedder {
  batchStats(): { batches: number; texts: number; largest: number };
  /** Texts waiting for a model call. */
  queued(): number;
}

/**
 * Coalesces concurrent `embed` calls into few model calls. One batch (or one per worker,
 * `concurrency`) runs at a time; whatever arrives meanwhile queues and goes in the next batches, oldest
 * first, grouped by length bucket. An idle service adds no delay with
 * `windowMs` 0: the batch leaves as soon as the current event-loop turn has
 * read every request that was ready. Between batches the loop is yielded so new
 * requests can join the queue.
 */
export function withMicroBatching(inner: Embedder, options: MicroBatchOptions): BatchingEmbedder {
  const queue: Pending[] = [];
  let scheduled = false;
  let running = 0;
  const concurrency = Math.max(1, options.concurrency ?? 1);
  let windowTimer: NodeJS.Timeout | undefined;
  let batches = 0;
  let texts = 0;
  let largest = 0;

  const takeBatch = (): Pending[] => {
    const bucket = queue[0]!.bucket;
    const batch: Pending[] = [];
    for (let i = 0; i < queue.length && batch.length < options.maxBatch;) {
      if (queue[i]!.bucket === bucket) batch.push(queue.splice(i, 1)[0]!);
      else i++;
    }
    return batch;
  };

  const drain = async () => {
    scheduled = false;
    if (windowTimer !== undefined) clearTimeout(windowTimer);
    windowTimer = undefined;
    running++;
    try {
      while (queue.length > 0) {
        const batch = takeBatch();
        if (batch.length === 0) continue;
        batches++;
        texts += batch.length;
        largest = Math.max(largest, batch.length);
        try {
          const vectors = await inner.embed(batch.map((item) => item.text));
          batch.forEach((item, i) => item.resolve(vectors[i]!));
        } catch (error) {
          for (const item of batch) item.reject(error);
        }
        if (queue.length > 0) await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      running--;
    }
  };

  const schedule = () => {
    if (running >= concurrency) return;
    if (scheduled) {
      // A full batch need not wait out the window.
      if (windowTimer !== undefined && queue.length >= options.maxBatch) {
        clearTimeout(windowTimer);
        windowTimer = undefined;
        setImmediate(() => void drain());
      }
      return;
    }
    scheduled = true;
    if (options.windowMs > 0) windowTimer = setTimeout(() => void drain(), options.windowMs);
    else setImmediate(() => void drain());
  };

  return {
    ...embedderIdentity(inner),
    embed(textsToEmbed, options) {
      if (textsToEmbed.length === 0) return Promise.resolve([]);
      const signal = options?.signal;
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      const mine: Pending[] = [];
      const promises = textsToEmbed.map(
        (text) =>
          new Promise<Float32Array>((resolve, reject) => {
            const item = { text, bucket: lengthBucket(text), resolve, reject };
            mine.push(item);
            queue.push(item);
          }),
      );
      if (signal) {
        // Texts still queued leave the queue at once: a request past its deadline no longer holds the model.
        // A batch already handed to the model runs to its end (a running inference cannot be stopped).
        const withdraw = () => {
          for (const item of mine) {
            const at = queue.indexOf(item);
            if (at < 0) continue;
            queue.splice(at, 1);
            item.reject(abortReason(signal));
          }
        };
        signal.addEventListener('abort', withdraw, { once: true });
        void Promise.allSettled(promises).then(() => signal.removeEventListener('abort', withdraw));
      }
      schedule();
      const all = Promise.all(promises);
      if (!signal) return all;
      return new Promise<Float32Array[]>((resolve, reject) => {
        const onAbort = () => reject(abortReason(signal));
        signal.addEventListener('abort', onAbort, { once: true });
        all.then(
          (vectors) => {
            signal.removeEventListener('abort', onAbort);
            resolve(vectors);
          },
          (error: unknown) => {
            signal.removeEventListener('abort', onAbort);
            // The embedder's own rejection is passed on unchanged, whatever it is.
            // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
            reject(error);
          },
        );
      });
    },
    batchStats: () => ({ batches, texts, largest }),
    queued: () => queue.length,
  };
}
