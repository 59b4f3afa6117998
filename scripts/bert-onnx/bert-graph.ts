/**
 * The BERT encoder graph, in the form the Hugging Face / optimum export of
 * all-MiniLM-L6-v2 has: same inputs, same output, same attention-mask
 * semantics. Node and initializer names follow the exporter's `/encoder/layer.N/...`
 * style so profiles and error messages look familiar.
 */
import type { onnx as proto } from 'onnx-proto';
import { DataType, GraphBuilder, floatAttr, intAttr, intsAttr, tensorValueInfo } from './onnx-builder.js';
import { EMBEDDING_QMAX, MATMUL_WEIGHT_QMAX, quantizePerColumn, quantizePerRow, quantizePerTensor } from './quantize.js';
import type { BertShape, BertWeights, EncoderLayerWeights, LayerNormWeights, LinearWeights } from './bert-model.js';

/** `fp32` is model.onnx; `int8` is model_quantized.onnx. */
export type Precision = 'fp32' | 'int8';

export const INPUT_NAMES = ['input_ids', 'attention_mask', 'token_type_ids'] as const;
export const OUTPUT_NAME = 'last_hidden_state';
/** probeDenseInputs names each exposed dense input "probe:<prefix>". */
export const PROBE_PREFIX = 'probe:';

// The symbolic dimension names the optimum exporter uses.
const BATCH = 'batch_size';
const SEQUENCE = 'sequence_length';

/**
 * Added to the scores of padded keys. The most negative float32, as current
 * transformers uses (torch.finfo(float32).min): softmax then gives padded keys
 * a weight of exactly 0, so padding cannot change the real tokens' outputs.
 */
const MASKED_SCORE = -3.4028234663852886e38;

interface BuildContext {
  readonly g: GraphBuilder;
  readonly shape: BertShape;
  readonly precision: Precision;
  readonly options: Required<BertGraphOptions>;
  /**
   * DynamicQuantizeLinear outputs per float input. Q, K and V read the same
   * tensor; quantising it once is what onnxruntime's quantizer does too.
   */
  readonly quantizedInputs: Map<string, readonly [string, string, string]>;
  /** Smoothed (or float-channel-split) copies of dense inputs, by input name (Q, K and V share one). */
  readonly preparedInputs: Map<string, PreparedInput>;
  /** Graph outputs added by probeDenseInputs, and the inputs already probed (Q, K and V share one). */
  readonly probes: proto.IValueInfoProto[];
  readonly probedInputs: Set<string>;
}

/** How the int8 model stores its embedding tables. */
export type EmbeddingStorage = 'per-tensor' | 'per-row' | 'fp32';

export interface BertGraphOptions {
  /** Only a label inside the file; the stand-in keeps its historical one so its bytes do not change. */
  readonly graphName?: string;
  /** int8 only: how the word, position and token-type tables are stored. */
  readonly embeddings?: EmbeddingStorage;
  /** int8 only: dense layers (by prefix, e.g. "/encoder/layer.5/output/dense") kept as float MatMuls. */
  readonly floatDense?: (prefix: string) => boolean;
  /**
   * int8 only: SmoothQuant. For each dense layer (by prefix), the largest |x|
   * seen per input channel on calibration text; the input is divided by
   * s = max|x|^alpha / max|w|^(1-alpha) per channel and the weight's rows
   * multiplied by it, so the few outlier channels no longer set the one
   * activation scale of DynamicQuantizeLinear.
   */
  readonly smoothing?: Smoothing | undefined;
  /**
   * int8 only: input channels (by dense-layer prefix) taken out of the int8
   * MatMul and multiplied in float: the few outlier channels that would set the
   * activation scale (LLM.int8()'s mixed-precision decomposition).
   */
  readonly floatChannels?: ReadonlyMap<string, readonly number[]>;
  /** Also output every dense layer's input as "probe:<prefix>", for calibration. */
  readonly probeDenseInputs?: boolean;
}

export interface Smoothing {
  readonly inputMax: ReadonlyMap<string, Float32Array>;
  /** One migration strength for every smoothed input, or one per dense layer (by prefix). */
  readonly alpha: number | ((prefix: string) => number);
}

const DEFAULT_OPTIONS: Required<BertGraphOptions> = {
  graphName: 'minilm_standin',
  embeddings: 'per-tensor',
  floatDense: () => false,
  smoothing: undefined,
  floatChannels: new Map(),
  probeDenseInputs: false,
};

export function buildBertGraph(
  shape: BertShape,
  weights: BertWeights,
  precision: Precision,
  options: BertGraphOptions = {},
): proto.IGraphProto {
  const g = new GraphBuilder();
  const ctx: BuildContext = {
    g,
    shape,
    precision,
    options: { ...DEFAULT_OPTIONS, ...options },
    quantizedInputs: new Map(),
    preparedInputs: new Map(),
    probes: [],
    probedInputs: new Set(),
  };
  for (const name of INPUT_NAMES) g.input(name);

  const maskBias = attentionMaskBias(ctx, 'attention_mask');
  let hidden = embeddings(ctx, weights);
  weights.layers.forEach((layer, index) => {
    hidden = encoderLayer(ctx, `/encoder/layer.${index}`, hidden, maskBias, layer);
  });
  g.output(hidden, OUTPUT_NAME);

  return g.build(
    ctx.options.graphName,
    INPUT_NAMES.map((name) => tensorValueInfo(name, DataType.INT64, [BATCH, SEQUENCE])),
    [tensorValueInfo(OUTPUT_NAME, DataType.FLOAT, [BATCH, SEQUENCE, shape.hidden]), ...ctx.probes],
  );
}

/** "/encoder/layer.0/attention/self/query" + "weight" → "encoder.layer.0.attention.self.query.weight". */
function paramName(prefix: string, suffix: string): string {
  return `${prefix.replace(/^\//, '').replaceAll('/', '.')}.${suffix}`;
}

function sharedScalar(ctx: BuildContext, name: string, value: number): string {
  return ctx.g.has(name) ? name : ctx.g.scalar(name, value);
}

function sharedInt64(ctx: BuildContext, name: string, values: readonly number[]): string {
  return ctx.g.has(name) ? name : ctx.g.int64(name, [values.length], values);
}

function sharedInt8Zero(ctx: BuildContext, name: string): string {
  return ctx.g.has(name) ? name : ctx.g.int8(name, [], Int8Array.of(0));
}

// ---------------------------------------------------------------- embeddings

function embeddings(ctx: BuildContext, weights: BertWeights): string {
  const { g, shape } = ctx;
  const words = embeddingLookup(ctx, '/embeddings/word_embeddings', weights.wordEmbeddings, shape.vocab, 'input_ids');
  const types = embeddingLookup(
    ctx,
    '/embeddings/token_type_embeddings',
    weights.tokenTypeEmbeddings,
    shape.typeVocab,
    'token_type_ids',
  );
  const positions = positionEmbeddings(ctx, weights.positionEmbeddings);
  const wordsAndTypes = g.op('Add', '/embeddings/Add', [words, types]);
  // [batch, seq, hidden] + [seq, hidden] broadcasts over the batch.
  const summed = g.op('Add', '/embeddings/Add_1', [wordsAndTypes, positions]);
  return layerNorm(ctx, '/embeddings/LayerNorm', summed, weights.embeddingNorm);
}

/**
 * Gather rows of an embedding table. In the int8 model the table is stored as
 * int8 and only the gathered rows are dequantised, which is how onnxruntime
 * quantises Gather and why the upstream quantized file is a quarter the size.
 */
function embeddingLookup(ctx: BuildContext, prefix: string, table: Float32Array, rows: number, ids: string): string {
  const { g, shape } = ctx;
  const dims = [rows, shape.hidden];
  if (ctx.precision === 'fp32') {
    const weight = g.float(paramName(prefix, 'weight'), dims, table);
    return g.op('Gather', `${prefix}/Gather`, [weight, ids], [intAttr('axis', 0)]);
  }
  if (ctx.options.embeddings === 'fp32') {
    const weight = g.float(paramName(prefix, 'weight'), dims, table);
    return g.op('Gather', `${prefix}/Gather`, [weight, ids], [intAttr('axis', 0)]);
  }
  if (ctx.options.embeddings === 'per-row') {
    const q = quantizePerRow(table, rows, shape.hidden, EMBEDDING_QMAX);
    const weight = g.int8(paramName(prefix, 'weight_quantized'), dims, q.data);
    // Scales stored as [rows, 1] so the gathered [batch, seq, 1] broadcasts over hidden.
    const scales = g.float(paramName(prefix, 'weight_scale'), [rows, 1], q.scales);
    const gathered = g.op('Gather', `${prefix}/Gather`, [weight, ids], [intAttr('axis', 0)]);
    const gatheredScales = g.op('Gather', `${prefix}/Gather_scale`, [scales, ids], [intAttr('axis', 0)]);
    const asFloat = g.op('Cast', `${prefix}/Cast`, [gathered], [intAttr('to', DataType.FLOAT)]);
    return g.op('Mul', `${prefix}/Mul_scale`, [asFloat, gatheredScales]);
  }
  const q = quantizePerTensor(table, EMBEDDING_QMAX);
  const weight = g.int8(paramName(prefix, 'weight_quantized'), dims, q.data);
  const gathered = g.op('Gather', `${prefix}/Gather`, [weight, ids], [intAttr('axis', 0)]);
  return dequantize(ctx, prefix, gathered, q.scale);
}

/**
 * Absolute position embeddings for positions 0..seq-1: slicing the first `seq`
 * rows avoids materialising position ids (BERT's default when none are given).
 */
function positionEmbeddings(ctx: BuildContext, table: Float32Array): string {
  const { g, shape } = ctx;
  const prefix = '/embeddings/position_embeddings';
  const dims = [shape.maxPositions, shape.hidden];
  const seqLength = g.op('Shape', `${prefix}/Shape`, ['input_ids'], [intAttr('start', 1), intAttr('end', 2)]);
  const starts = sharedInt64(ctx, 'const_zero_1d', [0]);
  const axes = sharedInt64(ctx, 'const_zero_1d_axes', [0]);
  if (ctx.precision === 'fp32') {
    const weight = g.float(paramName(prefix, 'weight'), dims, table);
    return g.op('Slice', `${prefix}/Slice`, [weight, starts, seqLength, axes]);
  }
  if (ctx.options.embeddings === 'fp32') {
    const weight = g.float(paramName(prefix, 'weight'), dims, table);
    return g.op('Slice', `${prefix}/Slice`, [weight, starts, seqLength, axes]);
  }
  if (ctx.options.embeddings === 'per-row') {
    const q = quantizePerRow(table, shape.maxPositions, shape.hidden, EMBEDDING_QMAX);
    const weight = g.int8(paramName(prefix, 'weight_quantized'), dims, q.data);
    const scales = g.float(paramName(prefix, 'weight_scale'), [shape.maxPositions, 1], q.scales);
    const sliced = g.op('Slice', `${prefix}/Slice`, [weight, starts, seqLength, axes]);
    const slicedScales = g.op('Slice', `${prefix}/Slice_scale`, [scales, starts, seqLength, axes]);
    const asFloat = g.op('Cast', `${prefix}/Cast`, [sliced], [intAttr('to', DataType.FLOAT)]);
    return g.op('Mul', `${prefix}/Mul_scale`, [asFloat, slicedScales]);
  }
  const q = quantizePerTensor(table, EMBEDDING_QMAX);
  const weight = g.int8(paramName(prefix, 'weight_quantized'), dims, q.data);
  const sliced = g.op('Slice', `${prefix}/Slice`, [weight, starts, seqLength, axes]);
  return dequantize(ctx, prefix, sliced, q.scale);
}

function dequantize(ctx: BuildContext, prefix: string, quantized: string, scale: number): string {
  const scaleName = ctx.g.scalar(paramName(prefix, 'weight_scale'), scale);
  const zeroPoint = sharedInt8Zero(ctx, 'weight_zero_point');
  return ctx.g.op('DequantizeLinear', `${prefix}/DequantizeLinear`, [quantized, scaleName, zeroPoint]);
}

// --------------------------------------------------------- attention mask

/**
 * attention_mask [batch, seq] (1 = token, 0 = padding) → additive bias
 * [batch, 1, 1, seq] that broadcasts over heads and query positions.
 */
function attentionMaskBias(ctx: BuildContext, mask: string): string {
  const { g } = ctx;
  const axes = sharedInt64(ctx, 'const_unsqueeze_axes_1_2', [1, 2]);
  const expanded = g.op('Unsqueeze', '/extended_attention_mask/Unsqueeze', [mask, axes]);
  const asFloat = g.op('Cast', '/extended_attention_mask/Cast', [expanded], [intAttr('to', DataType.FLOAT)]);
  const inverted = g.op('Sub', '/extended_attention_mask/Sub', [sharedScalar(ctx, 'const_one', 1), asFloat]);
  return g.op('Mul', '/extended_attention_mask/Mul', [inverted, sharedScalar(ctx, 'const_masked_score', MASKED_SCORE)]);
}

// ------------------------------------------------------------ encoder layer

function encoderLayer(ctx: BuildContext, prefix: string, input: string, maskBias: string, weights: EncoderLayerWeights): string {
  const { g } = ctx;
  const context = selfAttention(ctx, `${prefix}/attention/self`, input, maskBias, weights);
  const projected = linear(ctx, `${prefix}/attention/output/dense`, context, weights.attentionOutput);
  const attentionResidual = g.op('Add', `${prefix}/attention/output/Add`, [projected, input]);
  const attended = layerNorm(ctx, `${prefix}/attention/output/LayerNorm`, attentionResidual, weights.attentionNorm);

  const expanded = linear(ctx, `${prefix}/intermediate/dense`, attended, weights.intermediate);
  const activated = gelu(ctx, `${prefix}/intermediate/intermediate_act_fn`, expanded);
  const contracted = linear(ctx, `${prefix}/output/dense`, activated, weights.output);
  const outputResidual = g.op('Add', `${prefix}/output/Add`, [contracted, attended]);
  return layerNorm(ctx, `${prefix}/output/LayerNorm`, outputResidual, weights.outputNorm);
}

/** Multi-head scaled dot-product self-attention; returns the merged context [batch, seq, hidden]. */
function selfAttention(ctx: BuildContext, prefix: string, input: string, maskBias: string, weights: EncoderLayerWeights): string {
  const { g, shape } = ctx;
  const headDim = shape.hidden / shape.heads;
  // Q, K and V read one input, so they share its smoothing factors (from all three weights).
  const siblings = [weights.query, weights.key, weights.value];
  const query = splitHeads(ctx, `${prefix}/query`, linear(ctx, `${prefix}/query`, input, weights.query, siblings), [0, 2, 1, 3]);
  // Keys are transposed to [batch, heads, headDim, seq] so Q·Kᵀ is a plain MatMul.
  const keyT = splitHeads(ctx, `${prefix}/key`, linear(ctx, `${prefix}/key`, input, weights.key, siblings), [0, 2, 3, 1]);
  const value = splitHeads(ctx, `${prefix}/value`, linear(ctx, `${prefix}/value`, input, weights.value, siblings), [0, 2, 1, 3]);

  const scores = g.op('MatMul', `${prefix}/MatMul`, [query, keyT]);
  const scale = sharedScalar(ctx, 'const_attention_scale', 1 / Math.sqrt(headDim));
  const scaled = g.op('Mul', `${prefix}/Mul`, [scores, scale]);
  const masked = g.op('Add', `${prefix}/Add`, [scaled, maskBias]);
  const probabilities = g.op('Softmax', `${prefix}/Softmax`, [masked], [intAttr('axis', -1)]);
  const context = g.op('MatMul', `${prefix}/MatMul_1`, [probabilities, value]);

  const merged = g.op('Transpose', `${prefix}/Transpose_out`, [context], [intsAttr('perm', [0, 2, 1, 3])]);
  const hiddenShape = sharedInt64(ctx, 'const_shape_hidden', [0, 0, shape.hidden]);
  return g.op('Reshape', `${prefix}/Reshape_out`, [merged, hiddenShape]);
}

/** [batch, seq, hidden] → [batch, seq, heads, headDim] → transposed by `perm`. */
function splitHeads(ctx: BuildContext, prefix: string, input: string, perm: readonly number[]): string {
  const { g, shape } = ctx;
  // 0 in a Reshape target means "copy this dimension", which keeps batch and
  // sequence symbolic.
  const headsShape = sharedInt64(ctx, 'const_shape_heads', [0, 0, shape.heads, shape.hidden / shape.heads]);
  const reshaped = g.op('Reshape', `${prefix}/Reshape`, [input, headsShape]);
  return g.op('Transpose', `${prefix}/Transpose`, [reshaped], [intsAttr('perm', perm)]);
}

/** Exact GELU, 0.5·x·(1 + erf(x/√2)), as BERT's hidden_act "gelu" (not the tanh approximation). */
function gelu(ctx: BuildContext, prefix: string, input: string): string {
  const { g } = ctx;
  const divided = g.op('Div', `${prefix}/Div`, [input, sharedScalar(ctx, 'const_sqrt2', Math.SQRT2)]);
  const erf = g.op('Erf', `${prefix}/Erf`, [divided]);
  const shifted = g.op('Add', `${prefix}/Add`, [erf, sharedScalar(ctx, 'const_one', 1)]);
  const gated = g.op('Mul', `${prefix}/Mul`, [input, shifted]);
  return g.op('Mul', `${prefix}/Mul_1`, [gated, sharedScalar(ctx, 'const_half', 0.5)]);
}

function layerNorm(ctx: BuildContext, prefix: string, input: string, weights: LayerNormWeights): string {
  const { g, shape } = ctx;
  const gamma = g.float(paramName(prefix, 'weight'), [shape.hidden], weights.gamma);
  const beta = g.float(paramName(prefix, 'bias'), [shape.hidden], weights.beta);
  return g.op(
    'LayerNormalization',
    `${prefix}/LayerNormalization`,
    [input, gamma, beta],
    [intAttr('axis', -1), floatAttr('epsilon', shape.layerNormEps)],
  );
}

// ------------------------------------------------------------- dense layers

function linear(
  ctx: BuildContext,
  prefix: string,
  input: string,
  weights: LinearWeights,
  siblings: readonly LinearWeights[] = [weights],
): string {
  if (ctx.options.probeDenseInputs && !ctx.probedInputs.has(input)) {
    ctx.probedInputs.add(input);
    const name = `${PROBE_PREFIX}${prefix}`;
    ctx.g.output(input, name);
    ctx.probes.push(tensorValueInfo(name, DataType.FLOAT, [BATCH, SEQUENCE, weights.inFeatures]));
  }
  const float = ctx.precision === 'fp32' || ctx.options.floatDense(prefix);
  const product = float ? matMulFp32(ctx, prefix, input, weights) : matMulInt8(ctx, prefix, input, weights, siblings);
  const bias = ctx.g.float(paramName(prefix, 'bias'), [weights.outFeatures], weights.bias);
  return ctx.g.op('Add', `${prefix}/Add_bias`, [product, bias]);
}

function matMulFp32(ctx: BuildContext, prefix: string, input: string, weights: LinearWeights): string {
  const weight = ctx.g.float(paramName(prefix, 'weight'), [weights.inFeatures, weights.outFeatures], weights.weight);
  return ctx.g.op('MatMul', `${prefix}/MatMul`, [input, weight]);
}

/**
 * SmoothQuant factors for one dense input: s_j = max|x_j|^α / max|w_j|^(1-α),
 * w_j being row j of every weight that reads this input.
 */
function smoothingFactors(inputMax: Float32Array, siblings: readonly LinearWeights[], alpha: number): Float32Array {
  return Float32Array.from(inputMax, (xMax, row) => {
    let wMax = 0;
    for (const w of siblings) {
      for (let c = 0; c < w.outFeatures; c++) wMax = Math.max(wMax, Math.abs(w.weight[row * w.outFeatures + c] ?? 0));
    }
    if (xMax <= 0 || wMax <= 0) return 1;
    return Math.fround(Math.pow(xMax, alpha) / Math.pow(wMax, 1 - alpha));
  });
}

/** A dense input as the int8 MatMul reads it: smoothed, and with its float channels zeroed. */
interface PreparedInput {
  readonly tensor: string;
  /** Smoothing factor per channel (1 without smoothing); the weight rows are multiplied by it. */
  readonly factors: Float32Array;
  /** Channels computed in float instead (see floatChannels); their weight rows are zero in the int8 weight. */
  readonly floatChannels: readonly number[];
  /** The float channels gathered from the raw input, [batch, seq, k]; undefined when there are none. */
  readonly floatPart: string | undefined;
}

/**
 * One Mul by a per-channel constant does both jobs: 1/s_j smooths channel j,
 * and 0 takes a float channel out of the int8 path (so it no longer sets the
 * activation scale; a zero quantises exactly to the zero point and adds nothing).
 */
function preparedInput(
  ctx: BuildContext,
  prefix: string,
  input: string,
  siblings: readonly LinearWeights[],
): PreparedInput | undefined {
  const { smoothing, floatChannels: floatChannelsOf } = ctx.options;
  const inputMax = smoothing?.inputMax.get(prefix);
  const floatChannels = floatChannelsOf.get(prefix) ?? [];
  if (inputMax === undefined && floatChannels.length === 0) return undefined;
  const cached = ctx.preparedInputs.get(input);
  if (cached) return cached;
  const width = siblings[0]?.inFeatures ?? 0;
  const factors =
    smoothing && inputMax
      ? smoothingFactors(inputMax, siblings, typeof smoothing.alpha === 'number' ? smoothing.alpha : smoothing.alpha(prefix))
      : new Float32Array(width).fill(1);
  const inverse = Float32Array.from(factors, (f) => 1 / f);
  for (const channel of floatChannels) inverse[channel] = 0;
  const inverseName = ctx.g.float(paramName(prefix, 'smooth_inverse'), [width], inverse);
  const tensor = ctx.g.op('Mul', `${prefix}/Smooth`, [input, inverseName]);
  let floatPart: string | undefined;
  if (floatChannels.length > 0) {
    const indices = ctx.g.int64(paramName(prefix, 'float_channels'), [floatChannels.length], floatChannels);
    floatPart = ctx.g.op('Gather', `${prefix}/Gather_float_channels`, [input, indices], [intAttr('axis', -1)]);
  }
  const prepared = { tensor, factors, floatChannels, floatPart };
  ctx.preparedInputs.set(input, prepared);
  return prepared;
}

/**
 * The IntegerOps pattern onnxruntime's quantize_dynamic emits for MatMul:
 *   DynamicQuantizeLinear(x) → MatMulInteger(x_q, W_q) → Cast → Mul(x_scale·W_scale).
 * W has per-column scales and a zero point of 0 (symmetric), so a scalar zero
 * point is exact and avoids relying on per-column zero-point support.
 * Float channels, if any, add a small float MatMul of those input channels
 * with their (unsmoothed) weight rows.
 */
function matMulInt8(
  ctx: BuildContext,
  prefix: string,
  rawInput: string,
  weights: LinearWeights,
  siblings: readonly LinearWeights[],
): string {
  const { g } = ctx;
  const prepared = preparedInput(ctx, prefix, rawInput, siblings);
  const input = prepared?.tensor ?? rawInput;
  let weightValues = prepared ? scaleRows(weights, prepared.factors) : weights.weight;
  if (prepared && prepared.floatChannels.length > 0) weightValues = zeroRows(weightValues, weights, prepared.floatChannels);
  const q = quantizePerColumn(weightValues, weights.inFeatures, weights.outFeatures, MATMUL_WEIGHT_QMAX);
  const weight = g.int8(paramName(prefix, 'weight_quantized'), [weights.inFeatures, weights.outFeatures], q.data);
  const weightScale = g.float(paramName(prefix, 'weight_scale'), [weights.outFeatures], q.scales);
  const weightZeroPoint = sharedInt8Zero(ctx, 'weight_zero_point');

  const [inputQ, inputScale, inputZeroPoint] = dynamicQuantize(ctx, input, `${prefix}/DynamicQuantizeLinear`);
  const accumulated = g.op('MatMulInteger', `${prefix}/MatMulInteger`, [inputQ, weight, inputZeroPoint, weightZeroPoint]);
  const asFloat = g.op('Cast', `${prefix}/Cast`, [accumulated], [intAttr('to', DataType.FLOAT)]);
  const scale = g.op('Mul', `${prefix}/Mul_scale`, [inputScale, weightScale]);
  const product = g.op('Mul', `${prefix}/Mul`, [asFloat, scale]);
  if (prepared?.floatPart === undefined) return product;
  const floatWeight = g.float(
    paramName(prefix, 'float_channels_weight'),
    [prepared.floatChannels.length, weights.outFeatures],
    pickRows(weights, prepared.floatChannels),
  );
  const floatProduct = g.op('MatMul', `${prefix}/MatMul_float_channels`, [prepared.floatPart, floatWeight]);
  return g.op('Add', `${prefix}/Add_float_channels`, [product, floatProduct]);
}

function zeroRows(values: Float32Array, weights: LinearWeights, rows: readonly number[]): Float32Array {
  const out = Float32Array.from(values);
  for (const r of rows) out.fill(0, r * weights.outFeatures, (r + 1) * weights.outFeatures);
  return out;
}

function pickRows(weights: LinearWeights, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * weights.outFeatures);
  rows.forEach((r, i) =>
    out.set(weights.weight.subarray(r * weights.outFeatures, (r + 1) * weights.outFeatures), i * weights.outFeatures),
  );
  return out;
}

function scaleRows(weights: LinearWeights, factors: Float32Array): Float32Array {
  const out = new Float32Array(weights.weight.length);
  for (let r = 0; r < weights.inFeatures; r++) {
    const f = factors[r] ?? 1;
    for (let c = 0; c < weights.outFeatures; c++)
      out[r * weights.outFeatures + c] = (weights.weight[r * weights.outFeatures + c] ?? 0) * f;
  }
  return out;
}

function dynamicQuantize(ctx: BuildContext, input: string, name: string): readonly [string, string, string] {
  const cached = ctx.quantizedInputs.get(input);
  if (cached) return cached;
  const [value, scale, zeroPoint] = ctx.g.opMulti('DynamicQuantizeLinear', name, [input], 3);
  if (value === undefined || scale === undefined || zeroPoint === undefined) {
    throw new Error('DynamicQuantizeLinear must have three outputs');
  }
  const outputs = [value, scale, zeroPoint] as const;
  ctx.quantizedInputs.set(input, outputs);
  return outputs;
}
