/**
 * sentence-transformers cuts all-MiniLM-L6-v2's input at 256 word pieces (its
 * sentence_bert_config.json, max_seq_length), not at the tokenizer's 512: the
 * model was trained on 128 and its vectors are defined at 256. Cutting there
 * also halves the cost of the longest queries (a 512-token query is ~2.4x a
 * 256-token one; attention grows with the square of the length).
 */
export const MINILM_MAX_TOKENS = 256;

/**
 * transformers.js 2.17 truncates by slicing the token ids, which drops the
 * closing [SEP]; Hugging Face tokenizers (and so sentence-transformers) cut the
 * text and keep [SEP] last. In a batch as wide as the limit, a row that fills
 * it without ending in [SEP] was cut: its last token becomes [SEP] again, in place.
 */
export function closeTruncatedRows(
  inputIds: BigInt64Array,
  attentionMask: BigInt64Array,
  dims: readonly number[],
  maxTokens: number,
  sepTokenId: number,
): void {
  const [rows = 0, width = 0] = dims;
  if (width !== maxTokens) return;
  const sep = BigInt(sepTokenId);
  for (let row = 0; row < rows; row++) {
    const last = row * width + width - 1;
    if (attentionMask[last] === 1n && inputIds[last] !== sep) inputIds[last] = sep;
  }
}
