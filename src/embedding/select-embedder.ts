import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { EmbedderLoadError, type Embedder } from './embedder.js';
import type { loadMiniLmEmbedder } from './minilm.js';
import type { loadUseLiteEmbedder } from './use-lite.js';

export interface EmbedderLoaders {
  minilm: typeof loadMiniLmEmbedder;
  useLite: typeof loadUseLiteEmbedder;
}

/**
 * transformers.js (and TensorFlow.js for USE-lite) are imported only when that embedder is loaded on this thread:
 * with MiniLM in a worker (the default), the main thread never parses either, which shortened boot.
 */
export const loadMiniLmHere: typeof loadMiniLmEmbedder = async (options) =>
  (await import('./minilm.js')).loadMiniLmEmbedder(options);
export const loadUseLiteHere: typeof loadUseLiteEmbedder = async () => (await import('./use-lite.js')).loadUseLiteEmbedder();

const defaultLoaders: EmbedderLoaders = { minilm: loadMiniLmHere, useLite: loadUseLiteHere };

/**
 * `auto` prefers the real MiniLM and falls back, loudly, to USE-lite; a forced
 * choice fails at boot instead. `auto` never settles for the stand-in, whose
 * vectors are random.
 */
export async function selectEmbedder(
  settings: Config['embedder'],
  logger: Logger,
  loaders: EmbedderLoaders = defaultLoaders,
): Promise<Embedder> {
  const minilmOptions = {
    modelId: settings.minilmModelId,
    modelDir: settings.minilmModelDir,
    quantized: settings.minilmQuantized,
    cacheDir: settings.modelCacheDir,
    offline: settings.offline,
    identityDir: settings.identityDir,
  };
  if (settings.choice === 'use-lite') return loaders.useLite();
  if (settings.choice === 'minilm') {
    const embedder = await loaders.minilm(minilmOptions);
    if (embedder.standin) {
      logger.warn(
        'EMBEDDER=minilm loaded a STAND-IN model with random weights: fine for tests and benchmarks, useless for routing',
        {
          embedder: embedder.id,
        },
      );
    }
    return warnOnFailedIdentity(embedder, logger);
  }

  let reason: string;
  try {
    const embedder = await loaders.minilm(minilmOptions);
    if (!embedder.standin) return warnOnFailedIdentity(embedder, logger);
    // A worker pool holding the unused stand-in is stopped.
    await embedder.close?.();
    reason = `the MiniLM at MINILM_MODEL_DIR=${settings.minilmModelDir ?? ''} is a generated stand-in, which auto never uses`;
  } catch (error) {
    if (!(error instanceof EmbedderLoadError)) throw error;
    reason = error.message;
  }
  const fallback = await loaders.useLite();
  logger.warn(
    `MiniLM unavailable, falling back to USE-lite (${fallback.id}); routing quality differs and Spanish relies on rules and exemplars. ` +
      `Why: ${reason}. To use MiniLM, set EMBEDDER=minilm to fail instead of falling back, and provide the model.`,
    { embedder: fallback.id },
  );
  return fallback;
}

/**
 * A model that does not behave like the one it claims to be (damaged, another
 * model under a known name, a bad conversion) still serves, since its vectors
 * may be fine for its own exemplars, but no calibration made for the named
 * model applies: scoring falls back to the uncalibrated defaults.
 */
function warnOnFailedIdentity(embedder: Embedder, logger: Logger): Embedder {
  if (embedder.model?.check === 'failed') {
    logger.error(
      `MiniLM BEHAVIOUR CHECK FAILED: the model loaded as ${embedder.model.name} does not reproduce that model's reference vectors ` +
        `(${embedder.model.detail}). It may be damaged or a different model; routing uses uncalibrated default scoring. ` +
        'Re-import it with npm run import-model, or give it its own name with --id.',
      { embedder: embedder.id },
    );
  }
  return embedder;
}
