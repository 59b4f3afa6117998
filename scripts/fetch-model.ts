/**
 * npm run fetch-model: downloads Xenova/all-MiniLM-L6-v2 from the Hugging Face
 * Hub into MODEL_CACHE_DIR (the Dockerfile runs it at build time), then checks
 * it loads and is the real model.
 */
import { ConfigError, loadConfig } from '../src/config.js';
import { loadMiniLmEmbedder } from '../src/embedding/minilm.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const embedder = await loadMiniLmEmbedder({
    modelId: config.embedder.minilmModelId,
    modelDir: undefined,
    quantized: config.embedder.minilmQuantized,
    cacheDir: config.embedder.modelCacheDir,
    offline: false,
  });
  if (embedder.standin) throw new Error(`${config.embedder.modelCacheDir} holds a stand-in, not the real model`);
  console.log(`${embedder.id} ready in ${config.embedder.modelCacheDir} (${embedder.dim} dims): ${embedder.description}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `fetch-model failed: ${(error as Error).message}`);
  process.exit(1);
});
