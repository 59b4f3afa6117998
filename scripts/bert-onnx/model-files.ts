/**
 * Where a transformers.js model folder keeps its ONNX graphs, and how a written
 * file is recorded in a manifest: shared by the stand-in generator and the
 * importer, which write the same layout.
 */
import type { Precision } from './bert-graph.js';

export const MODEL_FILES: Readonly<Record<Precision, string>> = {
  fp32: 'onnx/model.onnx',
  int8: 'onnx/model_quantized.onnx',
};

export interface FileRecord {
  readonly bytes: number;
  readonly sha256: string;
}
