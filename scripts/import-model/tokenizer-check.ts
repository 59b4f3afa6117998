/**
 * A tokenizer whose ids do not index the model's word-embedding rows the way
 * the model was trained gives fluent-looking but wrong vectors, so the
 * tokenizer files are checked against each other and against the weights:
 * tokenizer.json is what transformers.js reads, vocab.txt (when present) must
 * assign every word piece the same id, and no id may reach past the
 * word-embedding table.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImportRefusal } from './refusal.js';

export interface TokenizerSummary {
  readonly kind: string;
  readonly size: number;
  readonly checkedAgainstVocabTxt: boolean;
}

/** token → id from tokenizer.json's model (WordPiece: an object; Unigram: a list of [piece, score]). */
function tokenizerJsonVocab(path: string): { kind: string; ids: Map<string, number> } {
  let parsed: { model?: { type?: unknown; vocab?: unknown }; added_tokens?: unknown };
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as typeof parsed;
  } catch (error) {
    throw new ImportRefusal('truncated', `${path} does not parse as JSON (${(error as Error).message})`);
  }
  const kind = typeof parsed.model?.type === 'string' ? parsed.model.type : 'unknown';
  const vocab = parsed.model?.vocab;
  const ids = new Map<string, number>();
  if (Array.isArray(vocab)) {
    vocab.forEach((entry: unknown, id) => {
      if (Array.isArray(entry) && typeof entry[0] === 'string') ids.set(entry[0], id);
    });
  } else if (typeof vocab === 'object' && vocab !== null) {
    for (const [token, id] of Object.entries(vocab)) if (typeof id === 'number') ids.set(token, id);
  } else {
    throw new ImportRefusal('vocab_mismatch', `${path} has no model.vocab, so its token ids cannot be checked`);
  }
  if (Array.isArray(parsed.added_tokens)) {
    for (const added of parsed.added_tokens as { content?: unknown; id?: unknown }[]) {
      if (typeof added.content === 'string' && typeof added.id === 'number') ids.set(added.content, added.id);
    }
  }
  return { kind, ids };
}

export function checkTokenizer(dir: string, embeddingRows: number): TokenizerSummary {
  const jsonPath = join(dir, 'tokenizer.json');
  if (!existsSync(jsonPath)) {
    throw new ImportRefusal(
      'not_found',
      `${dir} has no tokenizer.json (transformers.js reads only that); save the tokenizer with a recent transformers version`,
    );
  }
  const { kind, ids } = tokenizerJsonVocab(jsonPath);
  let maxId = -1;
  for (const id of ids.values()) maxId = Math.max(maxId, id);
  if (maxId >= embeddingRows) {
    throw new ImportRefusal(
      'vocab_mismatch',
      `${jsonPath} has token ids up to ${maxId} but the model has only ${embeddingRows} word-embedding rows: tokenizer and weights belong to different models`,
    );
  }
  const vocabTxtPath = join(dir, 'vocab.txt');
  if (!existsSync(vocabTxtPath)) return { kind, size: ids.size, checkedAgainstVocabTxt: false };
  const lines = readFileSync(vocabTxtPath, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length !== ids.size && kind === 'WordPiece') {
    throw new ImportRefusal('vocab_mismatch', `${vocabTxtPath} has ${lines.length} word pieces but ${jsonPath} has ${ids.size}`);
  }
  for (const [id, token] of lines.entries()) {
    const jsonId = ids.get(token);
    if (jsonId !== id) {
      throw new ImportRefusal(
        'vocab_mismatch',
        `${vocabTxtPath} gives ${JSON.stringify(token)} id ${id} but ${jsonPath} gives it ${jsonId ?? 'no id'}: the two tokenizer files disagree`,
      );
    }
  }
  return { kind, size: ids.size, checkedAgainstVocabTxt: true };
}
