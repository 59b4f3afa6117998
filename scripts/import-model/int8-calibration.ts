/**
 * Calibration for the int8 model's SmoothQuant: the largest |x| per input
 * channel of every dense layer, measured on the fp32 model the importer has
 * just built, over a fixed list of our own sentences
 * (int8-calibration-sentences.json). The list is frozen, not read from the
 * exemplar bank, so the int8 bytes (and the embedder id keyed on them) stay
 * the same when the bank changes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AutoTokenizer, env } from '@xenova/transformers';
import ort from 'onnxruntime-node';
import { z } from 'zod';
import type { BertShape } from '../bert-onnx/bert-model.js';
import { buildBertGraph, PROBE_PREFIX } from '../bert-onnx/bert-graph.js';
import type { BertWeights } from '../bert-onnx/bert-model.js';
import { encodeModel } from '../bert-onnx/onnx-builder.js';
import { MINILM_MAX_TOKENS } from '../../src/embedding/sequence-limit.js';

const SENTENCES_FILE = 'int8-calibration-sentences.json';
const MODULE_DIR = dirname(fileURLToPath(import.meta.url));
// Beside this module when it runs from the sources (npm run import-model); compiled into dist/scripts/import-model/,
// the JSON is still in the sources' folder.
const SENTENCES_CANDIDATES = [
  join(MODULE_DIR, SENTENCES_FILE),
  join(MODULE_DIR, '../../../scripts/import-model', SENTENCES_FILE),
];
export const CALIBRATION_SENTENCES_PATH =
  SENTENCES_CANDIDATES.find((path) => existsSync(path)) ?? join(MODULE_DIR, SENTENCES_FILE);

const CalibrationFileSchema = z.object({ note: z.string(), sentences: z.array(z.string().min(1)).min(1) });

export function calibrationSentences(path = CALIBRATION_SENTENCES_PATH): readonly string[] {
  return CalibrationFileSchema.parse(JSON.parse(readFileSync(path, 'utf8'))).sentences;
}

/** Largest |x| per input channel, by dense-layer prefix ("/encoder/layer.0/intermediate/dense"). */
export type DenseInputMax = ReadonlyMap<string, Float32Array>;

type Tokenize = (text: string, options: { truncation: boolean }) => { input_ids: { data: BigInt64Array } };

/**
 * transformers.js finds local tokenizers through its global env; it is set for
 * this one load and put back, so a caller that embeds afterwards is not surprised.
 */
async function loadTokenizer(tokenizerDir: string, maxTokens: number): Promise<Tokenize> {
  const saved: Pick<typeof env, 'allowLocalModels' | 'allowRemoteModels' | 'localModelPath'> = {
    allowLocalModels: env.allowLocalModels,
    allowRemoteModels: env.allowRemoteModels,
    localModelPath: env.localModelPath as string,
  };
  env.allowLocalModels = true;
  env.allowRemoteModels = false;
  env.localModelPath = dirname(tokenizerDir);
  try {
    const tokenizer = (await AutoTokenizer.from_pretrained(basename(tokenizerDir))) as unknown as Tokenize & {
      model_max_length: number;
    };
    tokenizer.model_max_length = maxTokens;
    return tokenizer;
  } finally {
    Object.assign(env, saved);
  }
}

/**
 * Runs each sentence alone (no padding, so every position is a real token)
 * through the fp32 graph with every dense input exposed as an output.
 * Q, K and V read one tensor, probed once under the query's prefix; the
 * result lists it under all three.
 */
export async function measureDenseInputMax(
  shape: BertShape,
  weights: BertWeights,
  tokenizerDir: string,
  sentences: readonly string[],
): Promise<DenseInputMax> {
  const tokenize = await loadTokenizer(tokenizerDir, Math.min(MINILM_MAX_TOKENS, shape.maxPositions));
  const bytes = encodeModel(buildBertGraph(shape, weights, 'fp32', { graphName: 'calibration', probeDenseInputs: true }), {
    producerName: 'semantic-llm-router/int8-calibration',
    producerVersion: '1',
    docString: '',
    props: {},
  });
  // onnxruntime-node 1.14 has no release(): the session goes with its last reference, after this function.
  const session = await ort.InferenceSession.create(bytes);
  const max = new Map<string, Float32Array>();
  for (const text of sentences) {
    const ids = tokenize(text, { truncation: true }).input_ids.data;
    const dims = [1, ids.length];
    const result = await session.run({
      input_ids: new ort.Tensor('int64', ids, dims),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(ids.length).fill(1n), dims),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(ids.length), dims),
    });
    for (const [name, tensor] of Object.entries(result)) {
      if (!name.startsWith(PROBE_PREFIX)) continue;
      const prefix = name.slice(PROBE_PREFIX.length);
      const data = tensor.data as Float32Array;
      const width = Number(tensor.dims.at(-1));
      const channels = max.get(prefix) ?? new Float32Array(width);
      for (let i = 0; i < data.length; i++) {
        const channel = i % width;
        channels[channel] = Math.max(channels[channel] ?? 0, Math.abs(data[i] ?? 0));
      }
      max.set(prefix, channels);
    }
  }
  for (const [prefix, channels] of [...max]) {
    if (prefix.endsWith('/query')) for (const sibling of ['key', 'value']) max.set(prefix.replace(/query$/, sibling), channels);
  }
  return max;
}
