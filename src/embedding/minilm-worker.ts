/**
 * Worker-thread entry for MiniLM (see minilm-pool.ts): loads the model through
 * the same in-process loader, then answers embedding requests. onnxruntime-node
 * 1.14 runs inference synchronously, so here it blocks this thread, not the
 * service's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadMiniLmEmbedder, type MiniLmOptions } from './minilm.js';
import type { WorkerReply, WorkerRequest } from './minilm-pool.js';

const port = parentPort!;
const reply = (message: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

try {
  const embedder = await loadMiniLmEmbedder(workerData as MiniLmOptions);
  port.on('message', (request: WorkerRequest) => {
    embedder.embed(request.texts).then(
      (vectors) => reply({ type: 'vectors', seq: request.seq, vectors }, vectors.map((vector) => vector.buffer as ArrayBuffer)),
      (error: unknown) => reply({ type: 'failed', seq: request.seq, name: (error as Error).name, message: (error as Error).message }),
    );
  });
  reply({ type: 'ready', identity: { id: embedder.id, standin: embedder.standin, description: embedder.description, dim: embedder.dim } });
} catch (error) {
  reply({ type: 'failed', seq: -1, name: (error as Error).name, message: (error as Error).message });
}
