import { buildCoarseIndex, DEFAULT_COARSE_MIN_ROWS, type CoarseIndex } from './coarse-index.js';

/**
 * The exemplars of one axis packed into one contiguous row-major Float32Array,
 * so scoring a query is a single pass over memory with no per-row objects.
 */
export interface ExemplarIndex {
  readonly labels: readonly string[];
  readonly dim: number;
  readonly size: number;
  /** size x dim, each row L2-normalised. */
  readonly matrix: Float32Array;
  /** Index into `labels` for each row. */
  readonly labelOfRow: Uint16Array;
  readonly ids: Int32Array;
  readonly texts: readonly string[];
  /** labels x dim: each label's mean exemplar, L2-normalised (a zero row for a label without exemplars). */
  readonly centroids: Float32Array;
  /** An int8 copy for coarse-to-fine scoring, built for large axes (see coarse-index.ts). */
  readonly coarse?: CoarseIndex | undefined;
}

export interface IndexOptions {
  /** Build the coarse int8 copy from this many rows; 0 never does. */
  coarseMinRows?: number;
}

export interface IndexRow {
  id: number;
  label: string;
  text: string;
  vector: Float32Array;
}

export function buildExemplarIndex(
  labels: readonly string[],
  dim: number,
  rows: readonly IndexRow[],
  options: IndexOptions = {},
): ExemplarIndex {
  const matrix = new Float32Array(rows.length * dim);
  const labelOfRow = new Uint16Array(rows.length);
  const ids = new Int32Array(rows.length);
  const labelIndex = new Map(labels.map((label, index) => [label, index]));
  rows.forEach((row, r) => {
    if (row.vector.length !== dim) throw new Error(`exemplar ${row.id} has ${row.vector.length} dims, expected ${dim}`);
    const index = labelIndex.get(row.label);
    if (index === undefined) throw new Error(`exemplar ${row.id} has unknown label ${row.label}`);
    matrix.set(row.vector, r * dim);
    labelOfRow[r] = index;
    ids[r] = row.id;
  });
  const centroids = new Float32Array(labels.length * dim);
  for (let r = 0; r < rows.length; r++) {
    const at = labelOfRow[r]! * dim;
    for (let d = 0; d < dim; d++) centroids[at + d]! += matrix[r * dim + d]!;
  }
  for (let l = 0; l < labels.length; l++) {
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += centroids[l * dim + d]! ** 2;
    norm = Math.sqrt(norm);
    if (norm > 0) for (let d = 0; d < dim; d++) centroids[l * dim + d]! /= norm;
  }
  const coarseMinRows = options.coarseMinRows ?? DEFAULT_COARSE_MIN_ROWS;
  const coarse =
    coarseMinRows > 0 && rows.length >= coarseMinRows
      ? buildCoarseIndex(matrix, rows.length, dim, labelOfRow, labels.length)
      : undefined;
  return { labels, dim, size: rows.length, matrix, labelOfRow, ids, texts: rows.map((row) => row.text), centroids, coarse };
}

/**
 * Cosine similarity of the query with every row (vectors are normalised, so a
 * dot product), into `out`. Four rows share each load of a query element, which
 * measured about 2x faster than one row at a time (npm run bench, scoring
 * section); each row still sums in dimension order, so results are identical.
 */
export function similarities(index: ExemplarIndex, query: Float32Array, out: Float32Array): Float32Array {
  const { matrix, dim, size } = index;
  const blocked = size - (size % 4);
  let r = 0;
  for (let o0 = 0; r < blocked; r += 4, o0 += 4 * dim) {
    const o1 = o0 + dim;
    const o2 = o1 + dim;
    const o3 = o2 + dim;
    let a = 0;
    let b = 0;
    let c = 0;
    let e = 0;
    for (let d = 0; d < dim; d++) {
      const q = query[d]!;
      a += matrix[o0 + d]! * q;
      b += matrix[o1 + d]! * q;
      c += matrix[o2 + d]! * q;
      e += matrix[o3 + d]! * q;
    }
    out[r] = a;
    out[r + 1] = b;
    out[r + 2] = c;
    out[r + 3] = e;
  }
  for (let offset = r * dim; r < size; r++, offset += dim) {
    let dot = 0;
    for (let d = 0; d < dim; d++) dot += matrix[offset + d]! * query[d]!;
    out[r] = dot;
  }
  return out;
}
