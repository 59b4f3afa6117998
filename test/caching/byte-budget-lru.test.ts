import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteBudgetLru, ENTRY_OVERHEAD_BYTES, hashKey, stringBytes } from '../../src/caching/byte-budget-lru.js';

const entry = (valueBytes: number) => ENTRY_OVERHEAD_BYTES + valueBytes;

test('ByteBudgetLru: evicts the least recently used by bytes, a read makes an entry recent, peek does not', () => {
  const lru = new ByteBudgetLru<number>(entry(100) * 3, (value) => value);
  lru.set('a', 100);
  lru.set('b', 100);
  lru.set('c', 100);
  assert.equal(lru.size, 3);
  assert.equal(lru.get('a'), 100, 'a is now the most recent');
  assert.equal(lru.peek('b'), 100, 'peek leaves b the least recent');
  lru.set('d', 100);
  assert.deepEqual(
    ['a', 'b', 'c', 'd'].map((key) => lru.peek(key)),
    [100, undefined, 100, 100],
  );
  // One large value pushes out as many small ones as its bytes need.
  lru.set('big', 100 + entry(100));
  assert.deepEqual(
    ['a', 'c', 'd', 'big'].map((key) => lru.peek(key) !== undefined),
    [false, false, true, true],
  );
});

test('ByteBudgetLru: a value larger than the whole budget is not kept, and replacing a key frees its old bytes', () => {
  const lru = new ByteBudgetLru<string>(entry(40), (value) => value.length);
  lru.set('huge', 'x'.repeat(41));
  assert.equal(lru.size, 0);
  lru.set('k', 'x'.repeat(40));
  lru.set('k', 'y'.repeat(40));
  assert.equal(lru.size, 1, 'the same key once, within budget');
  assert.equal(lru.bytes, entry(40), "the old value's bytes were given back");
  assert.equal(lru.peek('k'), 'y'.repeat(40));
  lru.trimTo(0);
  assert.equal(lru.size, 0);
  assert.equal(new ByteBudgetLru<string>(0, () => 0).size, 0);
});

test('hashKey is fixed-length whatever the text; stringBytes counts two bytes per unit outside Latin-1', () => {
  assert.equal(hashKey('x'.repeat(32_000)).length, 43);
  assert.notEqual(hashKey('a'), hashKey('b'));
  assert.equal(stringBytes('abc'), 16 + 3);
  assert.equal(stringBytes('é'), 16 + 1, 'Latin-1 is one byte a unit');
  assert.equal(stringBytes('中a'), 16 + 4);
});
