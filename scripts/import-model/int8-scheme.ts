/**
 * How the importer quantises onnx/model_quantized.onnx.
 *
 * `outlier-split` (the default) meets issue #12's cosine >= 0.99 against
 * sentence-transformers for every reference sentence: BERT's dense inputs carry
 * a few channels up to 15x larger than the rest (on [CLS]/[SEP] above all), and
 * with one activation scale per tensor those channels leave the others a
 * handful of int8 steps. Those channels, found by calibration, are multiplied
 * in float beside the int8 MatMul; embedding tables get one scale per row.
 * Measured on all-MiniLM-L6-v2 over the 52 reference sentences embedded alone
 * (docs/performance.md): min cosine 0.9947 vs 0.9446 for `dynamic`, for ~13%
 * more model CPU per query (still half of fp32's) and 0.5 MB more file.
 *
 * `dynamic` is onnxruntime's quantize_dynamic pattern with per-tensor
 * embeddings, the importer's scheme before; the stand-in is still built with it.
 */
import type { BertGraphOptions } from '../bert-onnx/bert-graph.js';
import type { DenseInputMax } from './int8-calibration.js';

export const INT8_SCHEMES = ['outlier-split', 'dynamic'] as const;
export type Int8Scheme = (typeof INT8_SCHEMES)[number];
export const DEFAULT_INT8_SCHEME: Int8Scheme = 'outlier-split';

export function isInt8Scheme(value: string): value is Int8Scheme {
  return (INT8_SCHEMES as readonly string[]).includes(value);
}

/**
 * A channel is an outlier when its calibrated max |x| exceeds this many times
 * the median channel's. On all-MiniLM-L6-v2, 3 picks 87 of 20,736 dense-input
 * channels (min cosine 0.9947); 4 picks 36 (0.9932); 8 picks 10 (0.9801, 4
 * sentences below 0.99); 2.5 picks 214 (0.9943).
 */
export const OUTLIER_RATIO = 3;

/** Input channels to multiply in float, by dense-layer prefix; layers without outliers are left out. */
export function outlierChannels(inputMax: DenseInputMax, ratio = OUTLIER_RATIO): Map<string, number[]> {
  const channels = new Map<string, number[]>();
  for (const [prefix, max] of inputMax) {
    const sorted = Float32Array.from(max).sort();
    const median = sorted[sorted.length >> 1] ?? 0;
    const above = [...max.keys()].filter((channel) => (max[channel] ?? 0) > ratio * median);
    if (above.length > 0) channels.set(prefix, above);
  }
  return channels;
}

/** The graph options for a scheme; `outlier-split` needs the channels from calibration. */
export function int8GraphOptions(scheme: Int8Scheme, floatChannels: ReadonlyMap<string, readonly number[]>): BertGraphOptions {
  return scheme === 'dynamic' ? {} : { embeddings: 'per-row', floatChannels };
}
