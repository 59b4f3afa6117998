import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { env, pipeline } from '@xenova/transformers';
import ort from 'onnxruntime-node';
import { EmbedderLoadError, type Embedder } from './embedder.js';
import { meanPoolNormalized } from './mean-pooling.js';
import { checkModelBehaviour, readIdentityReference } from './model-identity.js';
import { MINILM_MAX_TOKENS, closeTruncatedRows } from './sequence-limit.js';

export interface MiniLmOptions {
  /** Hub id, e.g. `Xenova/all-MiniLM-L6-v2`. */
  modelId: string;
  /** A directory laid out like the Hub repository (config, tokenizer, onnx/). Takes precedence over the cache. */
  modelDir: string | undefined;
  quantized: boolean;
  cacheDir: string;
  /** Never contact the Hub. */
  offline: boolean;
  /** onnxruntime intra-op threads; 0 or absent lets onnxruntime choose (one per physical core). */
  intraOpThreads?: number;
  /** Input cut in word pieces (default MINILM_MAX_TOKENS); another cut gets another embedder id. For measuring the cut (scripts/quality/input-cut.ts). */
  maxTokens?: number;
  /** Folder of behaviour-check references (routes-data/model-identity); absent: no check, so no calibration by name. */
  identityDir?: string;
}

type SessionCreate = typeof ort.InferenceSession.create;

/**
 * transformers.js 2.17 creates its onnxruntime session from the weight file's
 * bytes with fixed options, and onnxruntime-node 1.14 ignores every session
 * option given with bytes (its buffer overload never reads them: a 1-thread
 * session from bytes still ran on two threads). So for the duration of one
 * load (loads are awaited one at a time at boot) InferenceSession.create is
 * wrapped: the options are merged in, and the bytes are swapped for the path
 * of the file they were read from, the overload that honours the options.
 */
async function withSessionOptions<T>(
  options: ort.InferenceSession.SessionOptions,
  weightPath: () => string,
  load: () => Promise<T>,
): Promise<T> {
  if (Object.keys(options).length === 0) return load();
  // Seen as a plain property, create can be saved and swapped; as the class's static method it would be unbound.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
  const session = ort.InferenceSession as { create: SessionCreate };
  const original = session.create;
  const create = original as (...args: unknown[]) => ReturnType<SessionCreate>;
  session.create = (...args: unknown[]) => {
    const [model, given] = args;
    const providers = (given as { executionProviders?: unknown[] } | undefined)?.executionProviders ?? ['cpu'];
    // transformers.js retries with onnxruntime-web ('wasm' alone) when the native session fails: that one is left alone.
    if (model instanceof Uint8Array && typeof given === 'object' && given !== null && providers.includes('cpu')) {
      // The file is on disk by now: read from a local directory, or written to the cache by the download.
      const path = weightPath();
      if (existsSync(path) && statSync(path).size === model.byteLength) {
        // Read from a path, the options are checked too: transformers.js's 'wasm' entry (for onnxruntime-web) is refused.
        return create.call(ort.InferenceSession, path, { ...given, ...options, executionProviders: ['cpu'] });
      }
      process.emitWarning(
        `${path} is not on disk as loaded, so onnxruntime ignores the thread settings (${JSON.stringify(options)})`,
      );
    }
    return create.apply(ort.InferenceSession, args);
  };
  try {
    return await load();
  } finally {
    session.create = original;
  }
}

/** sha256 of the upstream Xenova/all-MiniLM-L6-v2 weight files, from ../shared/models/README.md. */
const UPSTREAM_WEIGHT_SHA256: Record<string, string> = {
  'model_quantized.onnx': 'afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1',
  'model.onnx': '759c3cd2b7fe7e93933ad23c4c9181b7396442a2ed746ec7c1d46192c469c46e',
};

const HOW_TO_PROVIDE =
  'set MINILM_MODEL_DIR to a directory holding the Xenova/all-MiniLM-L6-v2 files (config.json, tokenizer files, onnx/model_quantized.onnx), ' +
  'or start once with network access and EMBEDDING_OFFLINE=false so the model is downloaded into MODEL_CACHE_DIR';

type Identity = { id: string; standin: boolean; description: string; name: string };

/** What the feature-extraction pipeline is made of (transformers.js 2.17 ships no usable types for it). */
interface FeatureExtractionParts {
  tokenizer: ((
    texts: string[],
    options: { padding: boolean; truncation: boolean },
  ) => Record<string, unknown> & {
    input_ids: { data: BigInt64Array; dims: number[] };
    attention_mask: { data: BigInt64Array };
  }) & {
    model_max_length: number;
    sep_token_id: number;
  };
  model: (inputs: Record<string, unknown>) => Promise<{ last_hidden_state: { data: Float32Array; dims: number[] } }>;
}

/**
 * Hashed a megabyte at a time: reading the whole file would hold another copy
 * of the weights (23 MB quantized, 90 MB fp32) per loading thread until a
 * garbage collection that an idle worker may never run.
 */
function sha256OfFile(path: string): string {
  const hash = createHash('sha256');
  const chunk = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(path, 'r');
  try {
    for (let read = readSync(fd, chunk); read > 0; read = readSync(fd, chunk)) hash.update(chunk.subarray(0, read));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** The model_name that `npm run import-model` wrote, if this folder came from it. */
function importedModelName(modelDir: string): string | undefined {
  const path = join(modelDir, 'import-manifest.json');
  if (!existsSync(path)) return undefined;
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as { model_name?: unknown };
  return typeof manifest.model_name === 'string' ? manifest.model_name : undefined;
}

/** "sentence-transformers/all-MiniLM-L6-v2" → "all-MiniLM-L6-v2", from config.json or else the model id. */
function declaredModelName(modelDir: string, modelId: string): string {
  try {
    const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8')) as { _name_or_path?: unknown };
    if (typeof config._name_or_path === 'string' && config._name_or_path !== '') return basename(config._name_or_path);
  } catch {
    // A missing or odd config.json has already failed the load; the id is the fallback name.
  }
  return basename(modelId);
}

/**
 * Tells the real model, the generated stand-in and anything else apart, so
 * vectors are never mixed up: the id (stored with every vector) names the
 * exact bytes, the name is what the behaviour check then confirms or not.
 */
function identifyWeights(modelDir: string, weightFile: string, precision: string, modelId: string): Identity {
  const sha256 = sha256OfFile(join(modelDir, 'onnx', weightFile));
  const markerPath = join(modelDir, 'standin.json');
  if (existsSync(markerPath)) {
    const marker = JSON.parse(readFileSync(markerPath, 'utf8')) as { variant?: string };
    const variant = marker.variant ?? 'unknown';
    return {
      id: `minilm-stand-in/${variant}:${precision}:${sha256.slice(0, 12)}`,
      standin: true,
      name: `minilm-stand-in-${variant}`,
      description: `STAND-IN: a generated MiniLM-shaped network with random weights (${variant}); its routing decisions are meaningless`,
    };
  }
  if (UPSTREAM_WEIGHT_SHA256[weightFile] === sha256) {
    return {
      id: `Xenova/all-MiniLM-L6-v2:${precision}`,
      standin: false,
      name: 'all-MiniLM-L6-v2',
      description: `all-MiniLM-L6-v2 (${precision}, 384-dim) via transformers.js`,
    };
  }
  const imported = importedModelName(modelDir);
  if (imported !== undefined) {
    return {
      id: `${imported}:${precision}:${sha256.slice(0, 12)}`,
      standin: false,
      name: imported,
      description: `${imported} (${precision}) imported by npm run import-model into ${modelDir}`,
    };
  }
  return {
    id: `minilm-custom:${precision}:${sha256.slice(0, 12)}`,
    standin: false,
    name: declaredModelName(modelDir, modelId),
    description: `a custom MiniLM-compatible model from ${modelDir} (${precision}); weights differ from upstream all-MiniLM-L6-v2`,
  };
}

interface Resolution {
  /** What transformers.js is asked for, relative to env.localModelPath. */
  name: string;
  localRoot: string | undefined;
  /** The directory the files are read from, when they are on disk already. */
  dir: string | undefined;
}

function resolveModelLocation(options: MiniLmOptions, weightFile: string): Resolution {
  if (options.modelDir !== undefined) {
    const dir = resolve(options.modelDir);
    const missing = ['config.json', 'tokenizer.json', join('onnx', weightFile)].filter((file) => !existsSync(join(dir, file)));
    if (missing.length > 0) {
      throw new EmbedderLoadError(`MINILM_MODEL_DIR=${options.modelDir} lacks ${missing.join(', ')}; ${HOW_TO_PROVIDE}`);
    }
    return { name: basename(dir), localRoot: dirname(dir), dir };
  }
  // transformers.js caches Hub files as <cacheDir>/<modelId>/<file>, the same layout as a local model directory.
  const cacheRoot = resolve(options.cacheDir);
  const cachedDir = join(cacheRoot, options.modelId);
  if (existsSync(join(cachedDir, 'onnx', weightFile)) && existsSync(join(cachedDir, 'tokenizer.json'))) {
    return { name: options.modelId, localRoot: cacheRoot, dir: cachedDir };
  }
  if (options.offline) {
    throw new EmbedderLoadError(
      `${options.modelId} is not in MODEL_CACHE_DIR=${options.cacheDir} and EMBEDDING_OFFLINE is on; ${HOW_TO_PROVIDE}`,
    );
  }
  return { name: options.modelId, localRoot: undefined, dir: undefined };
}

/**
 * all-MiniLM-L6-v2 through transformers.js: input cut at 256 word pieces,
 * attention-masked mean pooling and L2 normalisation, as sentence-transformers does it.
 */
export async function loadMiniLmEmbedder(options: MiniLmOptions): Promise<Embedder> {
  const precision = options.quantized ? 'q8' : 'fp32';
  const weightFile = options.quantized ? 'model_quantized.onnx' : 'model.onnx';
  const location = resolveModelLocation(options, weightFile);

  // transformers.js keeps these as process-wide settings; set all of them on every load so no earlier load leaks in.
  env.cacheDir = resolve(options.cacheDir);
  if (location.localRoot !== undefined) {
    env.allowLocalModels = true;
    env.localModelPath = location.localRoot;
    env.allowRemoteModels = false;
  } else {
    env.allowLocalModels = false;
    env.allowRemoteModels = true;
  }

  let extractor: Awaited<ReturnType<typeof pipeline>>;
  try {
    const threads = options.intraOpThreads ?? 0;
    const sessionOptions: ort.InferenceSession.SessionOptions =
      threads > 0 ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {};
    const weightPath = () => join(location.dir ?? join(resolve(options.cacheDir), options.modelId), 'onnx', weightFile);
    extractor = await withSessionOptions(sessionOptions, weightPath, () =>
      pipeline('feature-extraction', location.name, { quantized: options.quantized }),
    );
  } catch (error) {
    throw new EmbedderLoadError(
      `could not load ${options.modelId} (${precision}): ${(error as Error).message}; ${HOW_TO_PROVIDE}`,
      {
        cause: error,
      },
    );
  }
  const dir = location.dir ?? join(resolve(options.cacheDir), options.modelId);
  const { name, ...identity } = identifyWeights(dir, weightFile, precision, options.modelId);

  // The pipeline's own pooling was ~9% of a route's CPU in a profile; tokenizer and model are called as it calls them.
  const { tokenizer, model } = extractor as unknown as FeatureExtractionParts;
  // transformers.js pads a batch to its longest row and cuts rows at model_max_length (512 in the tokenizer config).
  const maxTokens = options.maxTokens ?? MINILM_MAX_TOKENS;
  tokenizer.model_max_length = Math.min(tokenizer.model_max_length, maxTokens);
  const embed = async (texts: readonly string[]): Promise<Float32Array[]> => {
    if (texts.length === 0) return [];
    const inputs = tokenizer([...texts], { padding: true, truncation: true });
    closeTruncatedRows(
      inputs.input_ids.data,
      inputs.attention_mask.data,
      inputs.input_ids.dims,
      tokenizer.model_max_length,
      tokenizer.sep_token_id,
    );
    const { last_hidden_state: hidden } = await model(inputs);
    return meanPoolNormalized(hidden.data, hidden.dims, inputs.attention_mask.data);
  };
  const [probe] = await embed(['dimension probe']);
  const id = maxTokens === MINILM_MAX_TOKENS ? identity.id : `${identity.id}:cut${maxTokens}`;
  const reference =
    identity.standin || options.identityDir === undefined ? undefined : readIdentityReference(options.identityDir, name);
  const behaviour = await checkModelBehaviour(name, reference, embed);
  const description =
    behaviour.check === 'failed'
      ? `${identity.description}; BEHAVIOUR CHECK FAILED as ${name}: ${behaviour.detail}`
      : identity.description;
  return { ...identity, id, description, model: behaviour, kind: 'minilm', dim: probe!.length, embed };
}
