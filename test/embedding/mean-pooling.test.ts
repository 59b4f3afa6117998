import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Tensor, mean_pooling } from '@xenova/transformers';
import { meanPoolNormalized } from '../../src/embedding/mean-pooling.js';
import { mulberry32 } from '../../src/seeded-random.js';

test('mean pooling and normalisation match transformers.js bit for bit, padding included', () => {
  const uniform = mulberry32(3);
  const random = () => uniform() * 4 - 2;
  const [batch, seqLength, dim] = [3, 6, 10];
  const hidden = Float32Array.from({ length: batch * seqLength * dim }, random);
  const lengths = [6, 2, 4];
  const mask = BigInt64Array.from({ length: batch * seqLength }, (_, i) =>
    i % seqLength < lengths[Math.floor(i / seqLength)]! ? 1n : 0n,
  );

  const expected = mean_pooling(
    new Tensor('float32', hidden, [batch, seqLength, dim]),
    new Tensor('int64', mask, [batch, seqLength]),
  ).normalize(2, -1);
  const actual = meanPoolNormalized(hidden, [batch, seqLength, dim], mask);
  assert.equal(actual.length, batch);
  actual.forEach((vector, b) =>
    assert.deepEqual([...vector], [...(expected.data as Float32Array).slice(b * dim, (b + 1) * dim)]),
  );
});
