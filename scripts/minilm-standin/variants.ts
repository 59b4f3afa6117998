/**
 * The shapes of the stand-in models.
 *
 * `full` mirrors all-MiniLM-L6-v2 exactly so latency, memory and file sizes are
 * representative; `tiny` keeps only the vocabulary (so the real tokenizer still
 * works) and shrinks everything else so unit tests load it in milliseconds.
 */

import type { BertShape } from '../bert-onnx/bert-model.js';

export const VARIANT_NAMES = ['full', 'tiny'] as const;
export type VariantName = (typeof VARIANT_NAMES)[number];

const MINILM_L6: BertShape = {
  layers: 6,
  hidden: 384,
  heads: 12,
  intermediate: 1536,
  vocab: 30522,
  maxPositions: 512,
  typeVocab: 2,
  layerNormEps: 1e-12,
};

const TINY: BertShape = {
  ...MINILM_L6,
  layers: 2,
  hidden: 32,
  heads: 4,
  intermediate: 64,
};

export function shapeOf(variant: VariantName): BertShape {
  return variant === 'full' ? MINILM_L6 : TINY;
}

export function isVariantName(value: string): value is VariantName {
  return (VARIANT_NAMES as readonly string[]).includes(value);
}

/**
 * Rewrites the real config.json for a variant. `full` keeps the upstream file
 * byte for byte (its shapes already match); other variants must advertise
 * their real sizes, because transformers.js and our service read hidden_size
 * from it.
 */
export function configJsonFor(variant: VariantName, upstreamConfig: string): string {
  if (variant === 'full') return upstreamConfig;
  const shape = shapeOf(variant);
  const config = JSON.parse(upstreamConfig) as Record<string, unknown>;
  config['hidden_size'] = shape.hidden;
  config['num_hidden_layers'] = shape.layers;
  config['num_attention_heads'] = shape.heads;
  config['intermediate_size'] = shape.intermediate;
  config['vocab_size'] = shape.vocab;
  config['max_position_embeddings'] = shape.maxPositions;
  config['type_vocab_size'] = shape.typeVocab;
  config['_name_or_path'] = `minilm-standin/${variant}`;
  return `${JSON.stringify(config, null, 2)}\n`;
}
