/**
 * Attention-masked mean pooling followed by L2 normalisation, as
 * transformers.js 2.17 computes it (mean_pooling, then normalize(2, -1)) and
 * bit for bit the same: sums accumulate in token order in doubles, the norm
 * accumulates in float32 as its Float32Array does. Its version converts each
 * BigInt mask element once per dimension and walks the hidden state with a
 * stride of one row; here each token row is read once, in memory order.
 */
export function meanPoolNormalized(
  hidden: Float32Array,
  dims: readonly number[],
  attentionMask: ArrayLike<bigint | number>,
): Float32Array[] {
  const [batch = 0, seqLength = 0, dim = 0] = dims;
  const out: Float32Array[] = [];
  const sums = new Float64Array(dim);
  for (let b = 0; b < batch; b++) {
    sums.fill(0);
    let count = 0;
    for (let t = 0; t < seqLength; t++) {
      const attn = Number(attentionMask[b * seqLength + t]!);
      count += attn;
      if (attn === 0) continue;
      const row = (b * seqLength + t) * dim;
      for (let k = 0; k < dim; k++) sums[k]! += hidden[row + k]! * attn;
    }
    const vector = new Float32Array(dim);
    let sumOfSquares = 0;
    for (let k = 0; k < dim; k++) {
      vector[k] = sums[k]! / count;
      sumOfSquares = Math.fround(sumOfSquares + vector[k]! ** 2);
    }
    const norm = Math.fround(sumOfSquares ** 0.5);
    for (let k = 0; k < dim; k++) vector[k]! /= norm;
    out.push(vector);
  }
  return out;
}
