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
  const { bytes, ...counts } = cached.cacheStats();
  assert.deepEqual(counts, { size: 1, hits: 1, misses: 1 });
  assert.ok(bytes > 0);
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

test('the cache is bounded in bytes: long distinct texts never take it past its budget', async () => {
  const { embedder } = recordingEmbedder();
  const maxBytes = 4096;
  const cached = withEmbeddingCache(embedder, { maxEntries: 1_000_000, maxBytes });
  // Non-Latin-1 text of 8k characters: kept as text, each key alone would cost 16 kB.
  for (let i = 0; i < 200; i++) await cached.embed([`${'中文'.repeat(4_000)} ${i}`]);
  const stats = cached.cacheStats();
  assert.ok(stats.bytes <= maxBytes, `${stats.bytes} bytes held, budget ${maxBytes}`);
  assert.ok(stats.size > 1 && stats.size < 200, `${stats.size} entries`);
});

test('an aborted caller stops waiting at once; a shared embedding goes on for the caller still waiting', async () => {
  const { embedder, calls } = recordingEmbedder();
  const cached = withEmbeddingCache(embedder, 10);
  const leaving = new AbortController();
  const first = cached.embed(['shared text'], { signal: leaving.signal });
  const second = cached.embed(['shared text']);
  leaving.abort(new Error('deadline'));
  await assert.rejects(first, /deadline/);
  const [vector] = await second;
  assert.equal(vector![0], 'shared text'.length);
  assert.equal(calls.length, 1);
});
