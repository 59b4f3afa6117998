/**
 * Where a transformers.js model folder keeps its ONNX graphs and tokenizer files, and how a written
 * file is recorded in a manifest: shared by the stand-in generator and the
 * importer, which write the same layout.
 */
import type { Precision } from './bert-graph.js';

export const MODEL_FILES: Readonly<Record<Precision, string>> = {
  fp32: 'onnx/model.onnx',
  int8: 'onnx/model_quantized.onnx',
};

/** The tokenizer and config files a model folder carries beside its graphs (config.json and tokenizer.json required). */
export const TOKENIZER_FILES = [
  'config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'vocab.txt',
] as const;

export interface FileRecord {
  readonly bytes: number;
  readonly sha256: string;
}
