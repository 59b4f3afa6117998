/**
 * Weight quantisation matching onnxruntime's `quantize_dynamic` (IntegerOps
 * mode), which is how the upstream model_quantized.onnx files are made:
 * symmetric int8 weights (zero point 0) and uint8 activations quantised at run
 * time by DynamicQuantizeLinear.
 */

/**
 * 7-bit weights (onnxruntime's `reduce_range`). On x86 CPUs without VNNI, the
 * u8×s8 kernels add pairs of products in int16 with saturation; 255·63·2 still
 * fits in int16 whereas 255·127·2 would not, so full-range weights would give
 * machine-dependent results.
 */
export const MATMUL_WEIGHT_QMAX = 63;

/** Gathered embeddings are dequantised directly, never multiplied in int16, so they use the full range. */
export const EMBEDDING_QMAX = 127;

export interface PerColumnInt8 {
  readonly data: Int8Array;
  /** One scale per output column, shape [cols]. */
  readonly scales: Float32Array;
}

export interface PerTensorInt8 {
  readonly data: Int8Array;
  readonly scale: number;
}

function symmetricScale(maxAbs: number, qmax: number): number {
  // fround so the scale we quantise with is exactly the float32 stored in the
  // model; a zero column still needs a positive scale to be a valid model.
  return maxAbs > 0 ? Math.fround(maxAbs / qmax) : 1;
}

function quantizeValue(value: number, scale: number, qmax: number): number {
  return Math.max(-qmax, Math.min(qmax, Math.round(value / scale)));
}

/**
 * Per-column (per output channel) quantisation of a row-major [rows, cols]
 * MatMul weight, as `quantize_dynamic(per_channel=True)` does for MatMul.
 */
export function quantizePerColumn(weight: Float32Array, rows: number, cols: number, qmax: number): PerColumnInt8 {
  const maxAbs = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = Math.abs(weight[r * cols + c] ?? 0);
      if (v > (maxAbs[c] ?? 0)) maxAbs[c] = v;
    }
  }
  const scales = Float32Array.from(maxAbs, (m) => symmetricScale(m, qmax));
  const data = new Int8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      data[r * cols + c] = quantizeValue(weight[r * cols + c] ?? 0, scales[c] ?? 1, qmax);
    }
  }
  return { data, scales };
}

/** Per-tensor quantisation, as onnxruntime's GatherQuant does for embedding tables. */
export function quantizePerTensor(values: Float32Array, qmax: number): PerTensorInt8 {
  let maxAbs = 0;
  for (const v of values) maxAbs = Math.max(maxAbs, Math.abs(v));
  const scale = symmetricScale(maxAbs, qmax);
  // A plain loop: Int8Array.from(typedArray, fn) goes through the iterator
  // protocol and, for the 11.7M-entry word table, costs seconds and ~400 MB.
  const data = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = quantizeValue(values[i] ?? 0, scale, qmax);
  return { data, scale };
}

export interface PerRowInt8 {
  readonly data: Int8Array;
  /** One scale per row, shape [rows]. */
  readonly scales: Float32Array;
}

/**
 * Per-row quantisation of an embedding table: each token's vector gets its own
 * scale, so a row of small values is not rounded with the step of the table's
 * largest entry.
 */
export function quantizePerRow(values: Float32Array, rows: number, cols: number, qmax: number): PerRowInt8 {
  const data = new Int8Array(rows * cols);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let maxAbs = 0;
    for (let c = 0; c < cols; c++) maxAbs = Math.max(maxAbs, Math.abs(values[r * cols + c] ?? 0));
    const scale = symmetricScale(maxAbs, qmax);
    scales[r] = scale;
    for (let c = 0; c < cols; c++) data[r * cols + c] = quantizeValue(values[r * cols + c] ?? 0, scale, qmax);
  }
  return { data, scales };
}
