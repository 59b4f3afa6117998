import { l2Normalize, type Embedder } from '../../src/embedding/embedder.js';

const DIM = 512;

/** FNV-1a: a stable bucket per word. */
function bucket(word: string): number {
  let hash = 2166136261;
  for (let i = 0; i < word.length; i++) {
    hash ^= word.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  return (hash >>> 0) % DIM;
}

/**
 * A deterministic embedder whose geometry a test can reason about: each word
 * adds 1 to its own dimension, so the cosine of two texts is the share of words
 * they have in common (hash collisions aside, which tests check by asserting
 * their starting figures).
 */
export function bagOfWordsEmbedder(): Embedder {
  return {
    id: 'bag-of-words-test',
    kind: 'use-lite',
    dim: DIM,
    standin: true,
    description: 'bag of words (tests only)',
    async embed(texts) {
      return texts.map((text) => {
        const vector = new Float32Array(DIM);
        for (const word of text
          .toLowerCase()
          .split(/[^a-z]+/)
          .filter(Boolean))
          vector[bucket(word)]! += 1;
        return l2Normalize(vector);
      });
    },
  };
}
