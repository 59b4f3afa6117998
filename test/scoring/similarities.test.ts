import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildExemplarIndex, similarities } from '../../src/scoring/exemplar-index.js';
import { mulberry32 } from '../../src/seeded-random.js';

test('the row-blocked similarity pass equals a plain dot product for every row, remainder rows included', () => {
  const uniform = mulberry32(1);
  const random = () => uniform() * 2 - 1;
  const dim = 7;
  for (let size = 0; size <= 9; size++) {
    const rows = Array.from({ length: size }, (_, i) => ({
      id: i,
      label: 'a',
      text: `t${i}`,
      vector: Float32Array.from({ length: dim }, random),
    }));
    const index = buildExemplarIndex(['a'], dim, rows);
    const query = Float32Array.from({ length: dim }, random);
    const out = similarities(index, query, new Float32Array(size));
    rows.forEach((row, r) => {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += row.vector[d]! * query[d]!;
      assert.equal(out[r], Math.fround(dot), `size ${size}, row ${r}`);
    });
  }
});
