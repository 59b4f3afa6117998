/**
 * Deterministic random BERT parameters.
 *
 * Follows BERT's own initialisation (normal with std = initializer_range for
 * matrices and embeddings, LayerNorm gamma 1 / beta 0), except that biases get
 * small noise instead of zeros: an all-zero bias would hide a bias wired to
 * the wrong tensor, and the cost is nil. The fp32 and the quantized model are
 * both built from one set of these weights, as upstream quantizes its fp32
 * export.
 */
import { deriveSeed, fillNormal, mulberry32 } from './prng.js';
import type { BertShape, BertWeights, EncoderLayerWeights, LayerNormWeights, LinearWeights } from '../bert-onnx/bert-model.js';

/** BERT's initializer_range. */
export const INIT_STD = 0.02;

/** One independent stream per tensor name; see deriveSeed for why. */
function normalTensor(seed: number, name: string, size: number, std: number): Float32Array {
  const out = new Float32Array(size);
  fillNormal(out, std, mulberry32(deriveSeed(seed, name)));
  return out;
}

function linear(seed: number, name: string, inFeatures: number, outFeatures: number): LinearWeights {
  return {
    inFeatures,
    outFeatures,
    weight: normalTensor(seed, `${name}.weight`, inFeatures * outFeatures, INIT_STD),
    bias: normalTensor(seed, `${name}.bias`, outFeatures, INIT_STD),
  };
}

function layerNorm(size: number): LayerNormWeights {
  return { gamma: new Float32Array(size).fill(1), beta: new Float32Array(size) };
}

function encoderLayer(seed: number, index: number, shape: BertShape): EncoderLayerWeights {
  const prefix = `encoder.layer.${index}`;
  const { hidden, intermediate } = shape;
  return {
    query: linear(seed, `${prefix}.attention.self.query`, hidden, hidden),
    key: linear(seed, `${prefix}.attention.self.key`, hidden, hidden),
    value: linear(seed, `${prefix}.attention.self.value`, hidden, hidden),
    attentionOutput: linear(seed, `${prefix}.attention.output.dense`, hidden, hidden),
    attentionNorm: layerNorm(hidden),
    intermediate: linear(seed, `${prefix}.intermediate.dense`, hidden, intermediate),
    output: linear(seed, `${prefix}.output.dense`, intermediate, hidden),
    outputNorm: layerNorm(hidden),
  };
}

export function generateBertWeights(shape: BertShape, seed: number): BertWeights {
  const { hidden } = shape;
  return {
    wordEmbeddings: normalTensor(seed, 'embeddings.word_embeddings', shape.vocab * hidden, INIT_STD),
    positionEmbeddings: normalTensor(seed, 'embeddings.position_embeddings', shape.maxPositions * hidden, INIT_STD),
    tokenTypeEmbeddings: normalTensor(seed, 'embeddings.token_type_embeddings', shape.typeVocab * hidden, INIT_STD),
    embeddingNorm: layerNorm(hidden),
    layers: Array.from({ length: shape.layers }, (_, i) => encoderLayer(seed, i, shape)),
  };
}
