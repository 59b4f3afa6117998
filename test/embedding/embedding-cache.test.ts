import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeQueryText, withEmbeddingCache } from '../../src/embedding/embedding-cache.js';
import { recordingEmbedder } from '../support/fake-embedder.js';

test('normalised text: NFC, trimmed, whitespace runs collapsed, case kept', () => {
  assert.equal(normalizeQueryText('  Reset\tmy \n\n password  '), 'Reset my password');
  assert.equal(normalizeQueryText('cafe\u0301'), 'caf\u00e9');
});

test('a repeated query is answered from the cache, whatever its spacing', async () => {
  const { embedder, calls } = recordingEmbedder();
  const cached = withEmbeddingCache(embedder, 10);
  const [first] = await cached.embed(['hello  world']);
  const [second] = await cached.embed([' hello world ']);
  assert.equal(second, first);
  assert.deepEqual(calls, [['hello world']]);
  assert.deepEqual(cached.cacheStats(), { size: 1, hits: 1, misses: 1 });
  assert.equal(cached.id, embedder.id);
});

test('concurrent misses for one text share a single embedding', async () => {
  const { embedder, calls } = recordingEmbedder();
  const cached = withEmbeddingCache(embedder, 10);
  const [a, b] = await Promise.all([cached.embed(['same']), cached.embed(['same'])]);
  assert.equal(a[0], b[0]);
  assert.equal(calls.length, 1);
});

test('the least recently used entry is evicted at capacity', async () => {
  const { embedder, calls } = recordingEmbedder();
  const cached = withEmbeddingCache(embedder, 2);
  await cached.embed(['a']);
  await cached.embed(['b']);
  await cached.embed(['a']); // a is now the most recent
  await cached.embed(['c']); // evicts b
  await cached.embed(['a']);
  await cached.embed(['b']);
  assert.deepEqual(calls.flat(), ['a', 'b', 'c', 'b']);
});

test('a failed embedding is not cached and the error reaches the caller', async () => {
  let fail = true;
  const { embedder, calls } = recordingEmbedder({ fail: () => fail });
  const cached = withEmbeddingCache(embedder, 10);
  await assert.rejects(cached.embed(['x']), /model failed/);
  fail = false;
  await cached.embed(['x']);
  assert.equal(calls.length, 2);
});

test('capacity 0 turns the cache off but still normalises', async () => {
  const { embedder, calls } = recordingEmbedder();
  const cached = withEmbeddingCache(embedder, 0);
  await cached.embed([' q ']);
  await cached.embed(['q']);
  assert.deepEqual(calls, [['q'], ['q']]);
});
