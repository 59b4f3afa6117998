import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeTruncatedRows } from '../../src/embedding/sequence-limit.js';

const SEP = 102;

test('only rows cut at the limit get their [SEP] back; padded and naturally full rows are left alone', () => {
  // Width 4 = the limit. Row 0 was cut (no [SEP]), row 1 is padded, row 2 is exactly full and ends in [SEP].
  const ids = BigInt64Array.from([101n, 7n, 8n, 9n, 101n, 7n, 102n, 0n, 101n, 7n, 8n, 102n]);
  const mask = BigInt64Array.from([1n, 1n, 1n, 1n, 1n, 1n, 1n, 0n, 1n, 1n, 1n, 1n]);
  closeTruncatedRows(ids, mask, [3, 4], 4, SEP);
  assert.deepEqual(Array.from(ids), [101n, 7n, 8n, 102n, 101n, 7n, 102n, 0n, 101n, 7n, 8n, 102n]);
});

test('a batch narrower than the limit was not cut and is not touched', () => {
  const ids = BigInt64Array.from([101n, 7n, 8n]);
  closeTruncatedRows(ids, BigInt64Array.from([1n, 1n, 1n]), [1, 3], 4, SEP);
  assert.deepEqual(Array.from(ids), [101n, 7n, 8n]);
});
