import assert from 'node:assert/strict';
import { test } from 'node:test';
import { embedInBatches, type Embedder } from '../../src/embedding/embedder.js';

/** An embedder whose calls stay pending until the test settles them, in any order it likes. */
function heldEmbedder() {
  /** Calls not yet settled, oldest first; the test takes them out as it settles them. */
  const pending: { texts: readonly string[]; settle: () => void }[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const embedder: Embedder = {
    id: 'held',
    kind: 'minilm',
    dim: 1,
    standin: true,
    description: 'held',
    embed(texts) {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      return new Promise((resolve) => {
        pending.push({
          texts,
          settle: () => {
            inFlight--;
            resolve(texts.map((text) => Float32Array.from([Number(text)])));
          },
        });
      });
    },
  };
  return { embedder, pending, mostInFlight: () => mostInFlight };
}

const settleTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

test('with two batches in flight the vectors keep the texts order, whichever batch finishes first', async () => {
  const { embedder, pending, mostInFlight } = heldEmbedder();
  const texts = Array.from({ length: 7 }, (_, i) => String(i));
  const progress: number[] = [];
  const embedding = embedInBatches(embedder, texts, 2, (done) => progress.push(done), 2);
  await settleTurn();
  assert.equal(pending.length, 2, 'two batches start at once');
  // Finish the second batch before the first, then drain the rest newest first.
  for (let call = pending.pop(); call; call = pending.pop()) {
    call.settle();
    await settleTurn();
  }
  const vectors = await embedding;
  assert.deepEqual(
    vectors.map((vector) => vector[0]),
    texts.map(Number),
  );
  assert.equal(mostInFlight(), 2);
  assert.deepEqual(progress.at(-1), 7);
  assert.equal(progress.length, 4, 'one progress report per batch');
});

test('one batch in flight by default: the next starts only when the previous has answered', async () => {
  const { embedder, pending, mostInFlight } = heldEmbedder();
  const embedding = embedInBatches(embedder, ['1', '2', '3'], 1);
  for (let answered = 0; answered < 3; answered++) {
    await settleTurn();
    assert.equal(pending.length, 1);
    pending.shift()!.settle();
  }
  assert.deepEqual(
    (await embedding).map((vector) => vector[0]),
    [1, 2, 3],
  );
  assert.equal(mostInFlight(), 1);
});

test('no texts: no call and no vectors', async () => {
  const { embedder, mostInFlight } = heldEmbedder();
  assert.deepEqual(await embedInBatches(embedder, [], 8, undefined, 4), []);
  assert.equal(mostInFlight(), 0);
});
