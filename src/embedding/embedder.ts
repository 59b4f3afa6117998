import type { ModelIdentity } from './model-identity.js';

/** What every embedder offers the rest of the service. */
export type EmbedderKind = 'minilm' | 'use-lite';

export interface Embedder {
  /** Stable identity of the vector space: stored with every embedding, so it changes whenever vectors would. */
  readonly id: string;
  readonly kind: EmbedderKind;
  readonly dim: number;
  /** True for the generated MiniLM-shaped test model: its vectors mean nothing. */
  readonly standin: boolean;
  readonly description: string;
  /** The model's name and whether it behaved as that model at load (MiniLM); absent when there is nothing to check. */
  readonly model?: ModelIdentity;
  /**
   * L2-normalised vectors, one per text, in order. `signal` withdraws work
   * that has not started yet (queued behind other requests) when it aborts;
   * the call then rejects with the signal's reason.
   */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]>;
  /** Releases what the embedder holds outside the heap (worker threads); embedders without such resources omit it. */
  close?(): Promise<void>;
}

export interface EmbedOptions {
  signal?: AbortSignal | undefined;
}

/** The error an aborted embedding rejects with: the signal's own reason when it is an Error, else an AbortError. */
export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('the embedding was aborted', 'AbortError');
}

/** Raised when an embedder cannot be loaded; the message says how to fix it. */
export class EmbedderLoadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmbedderLoadError';
  }
}

export function l2Normalize(vector: Float32Array): Float32Array {
  let sumOfSquares = 0;
  for (let i = 0; i < vector.length; i++) sumOfSquares += vector[i]! * vector[i]!;
  const norm = Math.sqrt(sumOfSquares);
  if (norm === 0) return vector;
  for (let i = 0; i < vector.length; i++) vector[i]! /= norm;
  return vector;
}

/**
 * Embeds in fixed-size batches, reporting progress: seeding thousands of rows at once would hold all activations in
 * memory. `inFlight` batches are embedded at once, so a pool of N embedder workers is kept busy (one batch in flight
 * left the second of two workers idle through a first start's seeding); the vectors keep the texts' order.
 */
export async function embedInBatches(
  embedder: Embedder,
  texts: readonly string[],
  batchSize: number,
  onProgress?: (done: number, total: number) => void,
  inFlight = 1,
): Promise<Float32Array[]> {
  const batchStarts: number[] = [];
  for (let start = 0; start < texts.length; start += batchSize) batchStarts.push(start);
  const batches: Float32Array[][] = new Array<Float32Array[]>(batchStarts.length);
  let next = 0;
  let done = 0;
  const lane = async (): Promise<void> => {
    while (next < batchStarts.length) {
      const index = next++;
      const start = batchStarts[index]!;
      batches[index] = await embedder.embed(texts.slice(start, start + batchSize));
      done += batches[index].length;
      onProgress?.(done, texts.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(inFlight, batchStarts.length)) }, lane));
  return batches.flat();
}

/** The identity of an embedder, for wrappers (cache, batcher) that change how it embeds but not what. */
export function embedderIdentity(inner: Embedder): Pick<Embedder, 'id' | 'kind' | 'dim' | 'standin' | 'description' | 'model'> {
  return {
    id: inner.id,
    kind: inner.kind,
    dim: inner.dim,
    standin: inner.standin,
    description: inner.description,
    ...(inner.model === undefined ? {} : { model: inner.model }),
  };
}
