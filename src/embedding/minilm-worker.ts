/**
 * Worker-thread entry for MiniLM and USE-lite (see minilm-pool.ts): loads the
 * model through the same in-process loader, then answers embedding requests.
 * onnxruntime-node 1.14 and TensorFlow.js run inference synchronously, so here
 * it blocks this thread, not the service's event loop.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import type { Embedder } from './embedder.js';
import type { WorkerData, WorkerReply, WorkerRequest } from './minilm-pool.js';

const port = parentPort!;
const reply = (message: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

/**
 * Loading leaves two transient copies of the weights in JavaScript memory
 * (transformers.js reads the file before onnxruntime takes it: 46 MB for the
 * quantized model) that only a garbage collection frees, and an idle worker
 * allocates too little to start one: without this they stayed resident for
 * good. `gc` is V8's own, exposed to a fresh context for this one call (~15 ms).
 */
function collectLoadGarbage(): void {
  try {
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
  } catch {
    // Only memory is at stake: a V8 that refuses leaves the copies to a later collection.
  }
}

try {
  const data = workerData as WorkerData;
  // Imported on demand: a MiniLM worker never parses TensorFlow.js, nor a USE-lite worker transformers.js.
  const embedder: Embedder =
    data.kind === 'use-lite'
      ? await (await import('./use-lite.js')).loadUseLiteEmbedder()
      : await (await import('./minilm.js')).loadMiniLmEmbedder(data.options);
  collectLoadGarbage();
  port.on('message', (request: WorkerRequest) => {
    embedder.embed(request.texts).then(
      (vectors) =>
        reply(
          { type: 'vectors', seq: request.seq, vectors },
          vectors.map((vector) => vector.buffer as ArrayBuffer),
        ),
      (error: unknown) =>
        reply({ type: 'failed', seq: request.seq, name: (error as Error).name, message: (error as Error).message }),
    );
  });
  const { id, standin, description, dim, model } = embedder;
  reply({ type: 'ready', identity: { id, standin, description, dim, ...(model === undefined ? {} : { model }) } });
} catch (error) {
  reply({ type: 'failed', seq: -1, name: (error as Error).name, message: (error as Error).message });
  // Stay alive (idle; the pool has unreferenced this thread, so it does not hold the process open). The model's
  // loader had already loaded onnxruntime-node 1.14 here, and a thread that loaded it and then ended corrupted the
  // heap of the threads still using it: the process aborted at exit ("free(): invalid next size") in about one run
  // in eight of test/embedding/minilm-worker.test.ts, and never when no worker ended early.
  port.on('message', () => undefined);
}
