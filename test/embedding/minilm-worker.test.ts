import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { EmbedderLoadError } from '../../src/embedding/embedder.js';
import { loadersWithThreads, withRequestFastPath } from '../../src/embedding/fast-path.js';
import { loadMiniLmEmbedder } from '../../src/embedding/minilm.js';
import { loadMiniLmEmbedderInWorkers } from '../../src/embedding/minilm-pool.js';
import { FULL_STANDIN_DIR, PROJECT_ROOT, TINY_STANDIN_DIR, testConfig } from '../support/env.js';

const offline = {
  modelId: 'Xenova/all-MiniLM-L6-v2',
  cacheDir: join(PROJECT_ROOT, '.cache/test-empty-model-cache'),
  offline: true,
};
const sentences = ['hi', 'my card payment was declined twice, can you check what happened?', 'write a haiku about the sea'];

test('MiniLM in a worker thread gives the in-process vectors bit for bit, under the same identity', async () => {
  for (const quantized of [false, true]) {
    const options = { ...offline, modelDir: FULL_STANDIN_DIR, quantized };
    const pooled = await loadMiniLmEmbedderInWorkers({ ...options, workers: 1 });
    try {
      const local = await loadMiniLmEmbedder(options);
      for (const key of ['id', 'kind', 'dim', 'standin', 'description'] as const) assert.equal(pooled[key], local[key], key);
      const [fromWorker, inProcess] = [await pooled.embed(sentences), await local.embed(sentences)];
      assert.equal(fromWorker.length, sentences.length);
      fromWorker.forEach((vector, i) => assert.deepEqual(vector, inProcess[i]));
      assert.deepEqual(await pooled.embed([]), []);
      assert.deepEqual(pooled.pending(), [0]);
    } finally {
      await pooled.close();
    }
  }
});

/** Resolves after `hops` turns of the event loop: each needs the loop free, which a synchronous onnxruntime run is not. */
function loopTurns(hops: number): Promise<'loop'> {
  return new Promise((resolve) => {
    const hop = (left: number) => (left === 0 ? resolve('loop') : setImmediate(() => hop(left - 1)));
    hop(hops);
  });
}

/** Which finishes first: the embedding, or three turns of the event loop started with it. */
function firstToFinish(embedding: Promise<unknown>): Promise<'loop' | 'embedding'> {
  return Promise.race([embedding.then(() => 'embedding' as const), loopTurns(3)]);
}

test('the event loop keeps turning while the worker embeds (and does not while MiniLM embeds in-process)', async () => {
  const options = { ...offline, modelDir: FULL_STANDIN_DIR, quantized: false };
  const long = Array.from({ length: 32 }, (_, i) => `${'a long sentence about payments and settlement jobs '.repeat(8)}${i}`);
  const pooled = await loadMiniLmEmbedderInWorkers({ ...options, workers: 1 });
  try {
    const embedding = pooled.embed(long);
    assert.equal(await firstToFinish(embedding), 'loop', 'the loop turned three times while the worker embedded');
    await embedding;
  } finally {
    await pooled.close();
  }
  // The control that shows the check can fail: in-process, onnxruntime-node 1.14 blocks the loop for the whole batch.
  const local = await loadMiniLmEmbedder(options);
  assert.equal(
    await firstToFinish(local.embed(long)),
    'embedding',
    'in-process, the loop could not turn before the batch was done',
  );
});

test('a load failure in the worker arrives as EmbedderLoadError with the same message', async () => {
  await assert.rejects(
    loadMiniLmEmbedderInWorkers({ ...offline, modelDir: join(PROJECT_ROOT, 'no-such-model-dir'), quantized: true, workers: 1 }),
    (error: unknown) =>
      error instanceof EmbedderLoadError && /MINILM_MODEL_DIR/.test(error.message) && /lacks/.test(error.message),
  );
});

test('EMBED_WORKERS picks the worker pool, and the fast path gets one batch in flight per worker', async () => {
  const config = testConfig({ EMBED_WORKERS: '2', MINILM_MODEL_DIR: TINY_STANDIN_DIR });
  assert.equal(config.embedding.workers, 2);
  assert.equal(testConfig().embedding.workers, 1);
  const loaders = loadersWithThreads(config.embedding);
  const embedder = await loaders.minilm({ ...offline, modelDir: TINY_STANDIN_DIR, quantized: true });
  try {
    assert.deepEqual((embedder as unknown as { pending(): number[] }).pending(), [0, 0]);
    const fast = withRequestFastPath(embedder, config.embedding);
    const vectors = await Promise.all(sentences.map((sentence) => fast.embed([sentence])));
    const direct = await embedder.embed(sentences);
    // Quantized activations are scaled per batch, and the fast path batches differently from one direct call.
    vectors.forEach(([vector], i) => assert.ok(vector!.every((value, d) => Math.abs(value - direct[i]![d]!) < 5e-3)));
  } finally {
    await (embedder as unknown as { close(): Promise<void> }).close();
  }
});
