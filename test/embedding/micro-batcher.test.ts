import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lengthBucket, withMicroBatching } from '../../src/embedding/micro-batcher.js';
import { recordingEmbedder } from '../support/fake-embedder.js';

const short = (n: number) => `short query ${n}`;
const long = (n: number) => `${'a much longer query that goes on and on '.repeat(6)}${n}`;

test('concurrent calls in one event-loop turn become one model call, each caller getting its own vector', async () => {
  const { embedder, calls } = recordingEmbedder();
  const batched = withMicroBatching(embedder, { maxBatch: 16, windowMs: 0 });
  const texts = ['a', 'bb', 'ccc', 'dddd'];
  const results = await Promise.all(texts.map((text) => batched.embed([text])));
  assert.equal(calls.length, 1);
  assert.deepEqual(
    results.map(([vector]) => vector![0]),
    texts.map((text) => text.length),
  );
});

test('batches never exceed the cap; what arrives during a batch goes in the next', async () => {
  const { embedder, calls } = recordingEmbedder();
  const batched = withMicroBatching(embedder, { maxBatch: 3, windowMs: 0 });
  await Promise.all(Array.from({ length: 7 }, (_, i) => batched.embed([short(i)])));
  assert.deepEqual(
    calls.map((call) => call.length),
    [3, 3, 1],
  );
  assert.deepEqual(batched.batchStats(), { batches: 3, texts: 7, largest: 3 });
});

test('short and long texts are not padded together', async () => {
  assert.notEqual(lengthBucket(short(1)), lengthBucket(long(1)));
  const { embedder, calls } = recordingEmbedder();
  const batched = withMicroBatching(embedder, { maxBatch: 16, windowMs: 0 });
  await Promise.all([batched.embed([short(1)]), batched.embed([long(1)]), batched.embed([short(2)]), batched.embed([long(2)])]);
  assert.deepEqual(calls, [
    [short(1), short(2)],
    [long(1), long(2)],
  ]);
});

test('a multi-text call keeps its order', async () => {
  const { embedder } = recordingEmbedder();
  const batched = withMicroBatching(embedder, { maxBatch: 16, windowMs: 0 });
  const vectors = await batched.embed([long(1), 'x', short(3)]);
  assert.deepEqual(
    vectors.map((vector) => vector[0]),
    [long(1).length, 1, short(3).length],
  );
});

test('a window holds the batch open for later callers', async () => {
  const { embedder, calls } = recordingEmbedder();
  const batched = withMicroBatching(embedder, { maxBatch: 16, windowMs: 20 });
  const first = batched.embed(['one']);
  await new Promise((resolve) => setTimeout(resolve, 5));
  await Promise.all([first, batched.embed(['two'])]);
  assert.deepEqual(calls, [['one', 'two']]);
});

test('a failing model call rejects only the callers in that batch', async () => {
  const { embedder } = recordingEmbedder({ fail: (texts) => texts.includes('bad') });
  const batched = withMicroBatching(embedder, { maxBatch: 1, windowMs: 0 });
  const [bad, good] = await Promise.allSettled([batched.embed(['bad']), batched.embed(['good'])]);
  assert.equal(bad.status, 'rejected');
  assert.equal(good.status, 'fulfilled');
});

test('no texts, no model call', async () => {
  const { embedder, calls } = recordingEmbedder();
  assert.deepEqual(await withMicroBatching(embedder, { maxBatch: 4, windowMs: 0 }).embed([]), []);
  assert.equal(calls.length, 0);
});
