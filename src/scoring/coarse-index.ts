import { Int8DotKernel, int8DotModule, SCAN_CAPACITY } from './int8-dot.js';

/**
 * Coarse-to-fine scoring for large exemplar sets, with results identical to
 * the exact pass. Each row is kept a second time as int8 (its own scale: the
 * largest magnitude maps to 127), the query as int16; a WebAssembly SIMD pass
 * gives every row an approximate similarity and a proven bound on its error:
 *
 *   q.x = q~.x~ + q~.e_x + e_q.x~ + e_q.e_x,  |e_x| <= s_x/2, |e_q| <= s_q/2 per element
 *   |q.x - q~.x~| <= s_x/2 * |q~|_1 + s_q/2 * |x~|_1 + dim * s_q * s_x / 4   (+ 1e-6 for float rounding)
 *
 * A row can only be among its label's k best (or the nearest exemplars) if its
 * upper bound reaches the k-th best lower bound of its label (or the n-th best
 * overall). Only those rows get the exact float similarity, computed exactly as
 * similarities() computes it, and in row order, so top-k values, ties and the
 * nearest exemplars come out the same as scoring every row exactly.
 */
export interface CoarseIndex {
  /** The int8 matrix with, per row, its quantisation scale, the L1 norm of its dequantised values and its label. */
  readonly kernel: Int8DotKernel;
  /** Per-query scratch: upper bounds, candidate rows. */
  readonly upper: Float64Array;
  readonly candidates: Int32Array;
}

/** From this many rows in an axis the coarse pass measured faster (2x at 666 rows, 20x at 20k; docs/performance.md). */
export const DEFAULT_COARSE_MIN_ROWS = 1024;

const SLACK = 1e-6;

/** The int8 copy of a packed matrix, or undefined where WebAssembly SIMD is unavailable. */
export function buildCoarseIndex(
  matrix: Float32Array,
  size: number,
  dim: number,
  labelOfRow: Uint16Array,
  labelCount: number,
): CoarseIndex | undefined {
  const module = int8DotModule();
  if (module === null || size === 0) return undefined;
  const kernel = new Int8DotKernel(module, size, dim, labelCount);
  const { scale, l1, matrix: matrix8 } = kernel;
  kernel.label.set(labelOfRow.subarray(0, size));
  for (let r = 0, offset = 0; r < size; r++, offset += dim) {
    let max = 0;
    for (let d = 0; d < dim; d++) {
      const value = matrix[offset + d]!;
      if (value > max) max = value;
      else if (-value > max) max = -value;
    }
    const s = max / 127;
    const inverse = s === 0 ? 0 : 127 / max;
    let sum = 0;
    const to = r * kernel.dimPad;
    for (let d = 0; d < dim; d++) {
      // x * (127 / max) may differ from x / s in the last bit: the bound needs |x - q*s| <= s/2, and SLACK covers the rest.
      const scaled = matrix[offset + d]! * inverse;
      // Round half away from zero; |scaled| <= 127 (+ last-bit error), so the truncation stays within int8.
      const q = scaled < 0 ? -((0.5 - scaled) | 0) : (scaled + 0.5) | 0;
      matrix8[to + d] = q;
      sum += q < 0 ? -q : q;
    }
    scale[r] = s;
    l1[r] = sum * s;
  }
  return { kernel, upper: new Float64Array(size), candidates: new Int32Array(size) };
}

/** Keeps best[from .. from+count) descending, at most `limit`; returns the new count. */
function keepBest(best: Float64Array, from: number, count: number, value: number, limit: number): number {
  if (count === limit && value <= best[from + limit - 1]!) return count;
  let at = count;
  while (at > 0 && best[from + at - 1]! < value) at--;
  for (let i = Math.min(count, limit - 1); i > at; i--) best[from + i] = best[from + i - 1]!;
  best[from + at] = value;
  return count < limit ? count + 1 : count;
}

/**
 * Rows that may be among their label's `k` best or the `topExemplars` nearest,
 * in row order, with their exact similarity written to `sims` (other entries
 * are left as they were). Returns how many leading entries of
 * `coarse.candidates` are set, or -1 when the query is not finite (the caller
 * then scores every row exactly).
 *
 * Running thresholds: the k-th best lower bound per label and the n-th best
 * overall among the rows seen so far. They only rise, so a row whose upper
 * bound is below its label's cut (the smaller of the two, as of any earlier
 * moment) is below the final thresholds too; its lower bound is below its
 * upper, so it cannot change a threshold either. The kernel's scan drops those
 * rows itself and returns the others in batches; between batches the cuts are
 * raised. The rows kept are checked against the final thresholds, which selects
 * exactly the rows that a pass over every row's bounds with the final
 * thresholds selects.
 */
export function coarseCandidates(
  coarse: CoarseIndex,
  matrix: Float32Array,
  labelOfRow: Uint16Array,
  labelCount: number,
  dim: number,
  query: Float32Array,
  k: number,
  topExemplars: number,
  sims: Float32Array,
): number {
  const { kernel, upper, candidates } = coarse;
  const size = kernel.rows;
  if (k <= 0 && topExemplars <= 0) return 0;

  let max = 0;
  for (let d = 0; d < dim; d++) max = Math.max(max, Math.abs(query[d]!));
  if (!(max < Infinity)) return -1;
  const sq = max / 32_767;
  let queryL1 = 0;
  for (let d = 0; d < dim; d++) {
    const q = sq === 0 ? 0 : Math.round(query[d]! / sq);
    kernel.query[d] = q;
    queryL1 += Math.abs(q);
  }
  queryL1 *= sq;
  // error = s * (|q~|_1 / 2 + dim * sq / 4) + sq / 2 * l1 + SLACK, in the kernel.
  const a = queryL1 / 2 + (dim * sq) / 4;
  const b = sq / 2;

  // Pass 1: the rows that reach their label's running cut, in row order.
  const best = new Float64Array(labelCount * Math.max(k, 0));
  const counts = new Int32Array(labelCount);
  const top = new Float64Array(Math.max(topExemplars, 0));
  let topCount = 0;
  // No threshold yet: -Infinity where rows are still needed, +Infinity where never (k or topExemplars 0).
  let topThreshold = topExemplars > 0 ? -Infinity : Infinity;
  const labelThreshold = new Float64Array(labelCount).fill(k > 0 ? -Infinity : Infinity);
  const { cut, hitRow, hitUpper, hitLower } = kernel;
  cut.fill(Math.min(k > 0 ? -Infinity : Infinity, topThreshold));
  let kept = 0;
  for (let from = 0; from < size;) {
    const hits = kernel.scan(from, sq, a, b, SLACK);
    for (let i = 0; i < hits; i++) {
      const r = hitRow[i]!;
      const bound = hitUpper[i]!;
      const label = labelOfRow[r]!;
      if (bound < cut[label]!) continue; // the cut rose within this batch
      upper[kept] = bound;
      candidates[kept++] = r;
      const lower = hitLower[i]!;
      if (k > 0) {
        const count = keepBest(best, label * k, counts[label]!, lower, k);
        counts[label] = count;
        if (count === k) {
          labelThreshold[label] = best[label * k + k - 1]!;
          cut[label] = Math.min(labelThreshold[label], topThreshold);
        }
      }
      if (topExemplars > 0) {
        topCount = keepBest(top, 0, topCount, lower, topExemplars);
        if (topCount === topExemplars && top[topExemplars - 1]! > topThreshold) {
          topThreshold = top[topExemplars - 1]!;
          for (let l = 0; l < labelCount; l++) cut[l] = Math.min(labelThreshold[l]!, topThreshold);
        }
      }
    }
    from = hits < SCAN_CAPACITY ? size : hitRow[hits - 1]! + 1;
  }

  // Pass 2: of those, the rows the final thresholds keep get their exact similarity, in row order.
  let n = 0;
  for (let i = 0; i < kept; i++) {
    const r = candidates[i]!;
    const bound = upper[i]!;
    if (bound < topThreshold && bound < labelThreshold[labelOfRow[r]!]!) continue;
    const offset = r * dim;
    let dot = 0;
    for (let d = 0; d < dim; d++) dot += matrix[offset + d]! * query[d]!;
    sims[r] = dot;
    candidates[n++] = r;
  }
  return n;
}
