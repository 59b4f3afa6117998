import type { Worker } from 'node:worker_threads';
// onnxruntime-node 1.14's addon is not context-aware: if the last thread holding it exits, loading it again in a
// new worker fails ("Module did not self-register") or crashes. The main thread keeps it loaded for the process.
import 'onnxruntime-node';
import { EmbedderLoadError, type Embedder, type EmbedderKind } from './embedder.js';
import type { MiniLmOptions } from './minilm.js';
import type { ModelIdentity } from './model-identity.js';
import { startWorkerModule } from '../worker-module.js';

/** What a worker loads: MiniLM with its options, or USE-lite (which needs none). */
export type WorkerData = { kind: 'minilm'; options: MiniLmOptions } | { kind: 'use-lite' };

/** Messages between the pool and minilm-worker.ts. */
export interface WorkerRequest {
  seq: number;
  texts: readonly string[];
}
export type WorkerReply =
  | { type: 'ready'; identity: { id: string; standin: boolean; description: string; dim: number; model?: ModelIdentity } }
  | { type: 'vectors'; seq: number; vectors: Float32Array[] }
  | { type: 'failed'; seq: number; name: string; message: string };

export interface PooledEmbedder extends Embedder {
  /** Texts sent to a worker and not answered yet, per worker. */
  pending(): number[];
  /** Stops using the workers (embedding afterwards fails); they are left idle, see below. */
  close(): Promise<void>;
}

/** The worker that loads the embedder (minilm-worker.ts), compiled or under tsx. */
function newWorker(workerData: unknown): Worker {
  return startWorkerModule(import.meta.url, 'minilm-worker', workerData);
}

interface Slot {
  worker: Worker;
  /** seq -> callbacks of requests this worker has not answered. */
  waiting: Map<number, { resolve: (vectors: Float32Array[]) => void; reject: (error: Error) => void; count: number }>;
  texts: number;
  dead: Error | undefined;
}

function errorFrom(reply: { name: string; message: string }): Error {
  if (reply.name === 'EmbedderLoadError') return new EmbedderLoadError(reply.message);
  const error = new Error(reply.message);
  error.name = reply.name;
  return error;
}

/**
 * MiniLM in `size` worker threads, each loading the model exactly as
 * loadMiniLmEmbedder does in-process (same tokenizer, same session options,
 * same pooling), so the vectors and the embedder's identity are the same.
 * A call goes to the worker with the fewest texts outstanding. Workers hold
 * the process open only while they have work (or are loading).
 */
export async function loadMiniLmEmbedderInWorkers(options: MiniLmOptions & { workers: number }): Promise<PooledEmbedder> {
  const { workers: size, ...minilmOptions } = options;
  return loadEmbedderInWorkers({ kind: 'minilm', options: minilmOptions }, size);
}

/**
 * USE-lite in worker threads, for the same reason as MiniLM: TensorFlow.js
 * runs it synchronously, and on the main thread one batch of long queries
 * blocked the event loop for a minute (/healthz timed out).
 */
export async function loadUseLiteEmbedderInWorkers(options: { workers: number }): Promise<PooledEmbedder> {
  return loadEmbedderInWorkers({ kind: 'use-lite' }, options.workers);
}

async function loadEmbedderInWorkers(data: WorkerData, size: number): Promise<PooledEmbedder> {
  const kind: EmbedderKind = data.kind;
  let seq = 0;

  const start = (): { slot: Slot; ready: Promise<Extract<WorkerReply, { type: 'ready' }>['identity']> } => {
    const worker = newWorker(data);
    const slot: Slot = { worker, waiting: new Map(), texts: 0, dead: undefined };
    const ready = new Promise<Extract<WorkerReply, { type: 'ready' }>['identity']>((resolve, reject) => {
      const fail = (error: Error) => {
        slot.dead ??= error;
        reject(error);
        for (const callbacks of slot.waiting.values()) callbacks.reject(error);
        slot.waiting.clear();
        slot.texts = 0;
      };
      worker.on('message', (message: WorkerReply) => {
        if (message.type === 'ready') {
          worker.unref();
          return resolve(message.identity);
        }
        if (message.type === 'failed' && message.seq === -1) return fail(errorFrom(message));
        const callbacks = slot.waiting.get(message.seq);
        if (!callbacks) return;
        slot.waiting.delete(message.seq);
        slot.texts -= callbacks.count;
        if (slot.waiting.size === 0) worker.unref();
        if (message.type === 'vectors') callbacks.resolve(message.vectors);
        else callbacks.reject(errorFrom(message));
      });
      worker.on('error', (error) => fail(error));
      worker.on('exit', (code) => fail(new Error(`the MiniLM worker exited (code ${code})`)));
    });
    return { slot, ready };
  };

  // One at a time: onnxruntime-node's addon crashed when two threads initialised it at once.
  const slots: Slot[] = [];
  let identity: Extract<WorkerReply, { type: 'ready' }>['identity'] | undefined;
  try {
    for (let i = 0; i < Math.max(1, size); i++) {
      const started = start();
      slots.push(started.slot);
      identity = await started.ready;
    }
  } catch (error) {
    for (const slot of slots) slot.worker.unref();
    throw error;
  }

  return {
    ...identity!,
    kind,
    embed(texts) {
      if (texts.length === 0) return Promise.resolve([]);
      let slot = slots[0]!;
      for (const candidate of slots) if (!candidate.dead && (slot.dead || candidate.texts < slot.texts)) slot = candidate;
      if (slot.dead) return Promise.reject(slot.dead);
      const id = ++seq;
      const chosen = slot;
      return new Promise<Float32Array[]>((resolve, reject) => {
        if (chosen.waiting.size === 0) chosen.worker.ref();
        chosen.waiting.set(id, { resolve, reject, count: texts.length });
        chosen.texts += texts.length;
        chosen.worker.postMessage({ seq: id, texts: [...texts] } satisfies WorkerRequest);
      });
    },
    pending: () => slots.map((slot) => slot.texts),
    async close() {
      // Not worker.terminate(): tearing down a thread that holds an onnxruntime 1.14 session crashed the process
      // (SIGSEGV/SIGABRT) in about one run in three. Closed workers sit idle, unreferenced, until the process exits.
      for (const slot of slots) {
        slot.dead ??= new Error('the MiniLM worker pool is closed');
        slot.worker.unref();
      }
    },
  };
}
