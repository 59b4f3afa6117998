/**
 * Maps the tensors of a Hugging Face BertModel state dict (as saved by
 * sentence-transformers) onto the BertWeights record the ONNX builder takes.
 *
 * PyTorch's nn.Linear stores its weight as [out, in] and computes x·Wᵀ; the
 * builder's LinearWeights are [in, out] like ONNX MatMul's B, so every dense
 * weight is transposed here. Names may carry a `bert.` prefix (a BertForX
 * checkpoint); the pooler is not used by sentence embeddings and is ignored.
 */
import type { BertShape, BertWeights, EncoderLayerWeights, LayerNormWeights, LinearWeights } from '../bert-onnx/bert-model.js';
import { ImportRefusal } from './refusal.js';

export interface NamedTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export type TensorSource = (name: string) => NamedTensor;

function expectShape(name: string, tensor: NamedTensor, shape: readonly number[]): Float32Array {
  if (tensor.shape.length !== shape.length || tensor.shape.some((d, i) => d !== shape[i])) {
    throw new ImportRefusal(
      'not_bert',
      `tensor ${name} has shape ${JSON.stringify(tensor.shape)} but config.json implies ${JSON.stringify(shape)}`,
    );
  }
  return tensor.data;
}

/** [out, in] row-major → [in, out] row-major. */
function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  }
  return out;
}

export function bertWeightsFromTensors(read: TensorSource, shape: BertShape, prefix = ''): BertWeights {
  const get = (name: string, dims: readonly number[]) => expectShape(prefix + name, read(prefix + name), dims);
  const linear = (name: string, inFeatures: number, outFeatures: number): LinearWeights => ({
    inFeatures,
    outFeatures,
    weight: transpose(get(`${name}.weight`, [outFeatures, inFeatures]), outFeatures, inFeatures),
    bias: get(`${name}.bias`, [outFeatures]),
  });
  const layerNorm = (name: string): LayerNormWeights => ({
    gamma: get(`${name}.weight`, [shape.hidden]),
    beta: get(`${name}.bias`, [shape.hidden]),
  });
  const layer = (index: number): EncoderLayerWeights => {
    const p = `encoder.layer.${index}`;
    const { hidden, intermediate } = shape;
    return {
      query: linear(`${p}.attention.self.query`, hidden, hidden),
      key: linear(`${p}.attention.self.key`, hidden, hidden),
      value: linear(`${p}.attention.self.value`, hidden, hidden),
      attentionOutput: linear(`${p}.attention.output.dense`, hidden, hidden),
      attentionNorm: layerNorm(`${p}.attention.output.LayerNorm`),
      intermediate: linear(`${p}.intermediate.dense`, hidden, intermediate),
      output: linear(`${p}.output.dense`, intermediate, hidden),
      outputNorm: layerNorm(`${p}.output.LayerNorm`),
    };
  };
  return {
    wordEmbeddings: get('embeddings.word_embeddings.weight', [shape.vocab, shape.hidden]),
    positionEmbeddings: get('embeddings.position_embeddings.weight', [shape.maxPositions, shape.hidden]),
    tokenTypeEmbeddings: get('embeddings.token_type_embeddings.weight', [shape.typeVocab, shape.hidden]),
    embeddingNorm: layerNorm('embeddings.LayerNorm'),
    layers: Array.from({ length: shape.layers }, (_, i) => layer(i)),
  };
}

/** The inverse, for tests: a BertWeights record as a PyTorch-style state dict. */
export function tensorsFromBertWeights(weights: BertWeights, shape: BertShape): Map<string, NamedTensor> {
  const out = new Map<string, NamedTensor>();
  const put = (name: string, dims: readonly number[], data: Float32Array) => out.set(name, { shape: dims, data });
  const linear = (name: string, w: LinearWeights) => {
    put(`${name}.weight`, [w.outFeatures, w.inFeatures], transpose(w.weight, w.inFeatures, w.outFeatures));
    put(`${name}.bias`, [w.outFeatures], w.bias);
  };
  const layerNorm = (name: string, w: LayerNormWeights) => {
    put(`${name}.weight`, [shape.hidden], w.gamma);
    put(`${name}.bias`, [shape.hidden], w.beta);
  };
  put('embeddings.word_embeddings.weight', [shape.vocab, shape.hidden], weights.wordEmbeddings);
  put('embeddings.position_embeddings.weight', [shape.maxPositions, shape.hidden], weights.positionEmbeddings);
  put('embeddings.token_type_embeddings.weight', [shape.typeVocab, shape.hidden], weights.tokenTypeEmbeddings);
  layerNorm('embeddings.LayerNorm', weights.embeddingNorm);
  weights.layers.forEach((layer, i) => {
    const p = `encoder.layer.${i}`;
    linear(`${p}.attention.self.query`, layer.query);
    linear(`${p}.attention.self.key`, layer.key);
    linear(`${p}.attention.self.value`, layer.value);
    linear(`${p}.attention.output.dense`, layer.attentionOutput);
    layerNorm(`${p}.attention.output.LayerNorm`, layer.attentionNorm);
    linear(`${p}.intermediate.dense`, layer.intermediate);
    linear(`${p}.output.dense`, layer.output);
    layerNorm(`${p}.output.LayerNorm`, layer.outputNorm);
  });
  return out;
}
