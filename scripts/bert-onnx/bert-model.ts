/**
 * The shape and parameters of a BERT encoder, independent of where they come
 * from: generated for the stand-in, or read from a sentence-transformers
 * snapshot by the importer. bert-graph.ts turns them into ONNX.
 */

export interface BertShape {
  readonly layers: number;
  readonly hidden: number;
  readonly heads: number;
  readonly intermediate: number;
  readonly vocab: number;
  readonly maxPositions: number;
  readonly typeVocab: number;
  readonly layerNormEps: number;
}

/** A dense layer y = x·W + b, with W stored row-major as [in, out] like ONNX MatMul's B. */
export interface LinearWeights {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Float32Array;
  readonly bias: Float32Array;
}

export interface LayerNormWeights {
  readonly gamma: Float32Array;
  readonly beta: Float32Array;
}

export interface EncoderLayerWeights {
  readonly query: LinearWeights;
  readonly key: LinearWeights;
  readonly value: LinearWeights;
  readonly attentionOutput: LinearWeights;
  readonly attentionNorm: LayerNormWeights;
  readonly intermediate: LinearWeights;
  readonly output: LinearWeights;
  readonly outputNorm: LayerNormWeights;
}

export interface BertWeights {
  /** [vocab, hidden] */
  readonly wordEmbeddings: Float32Array;
  /** [maxPositions, hidden] */
  readonly positionEmbeddings: Float32Array;
  /** [typeVocab, hidden] */
  readonly tokenTypeEmbeddings: Float32Array;
  readonly embeddingNorm: LayerNormWeights;
  readonly layers: readonly EncoderLayerWeights[];
}
