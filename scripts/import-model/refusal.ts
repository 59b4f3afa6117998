/**
 * Why an import was refused. Each refusal is one line that names the file and
 * what to do; the code is stable so tests (and scripts) can match on it.
 */
export type RefusalCode =
  'not_found' | 'not_bert' | 'not_sentence_model' | 'truncated' | 'vocab_mismatch' | 'unsupported_weights' | 'unsupported_onnx';

export class ImportRefusal extends Error {
  constructor(
    readonly code: RefusalCode,
    message: string,
  ) {
    super(message);
    this.name = 'ImportRefusal';
  }
}
