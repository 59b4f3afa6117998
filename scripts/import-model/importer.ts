/**
 * Turns a located model (see locate-source.ts) into the folder layout
 * transformers.js loads:
 *
 *   <out>/config.json, tokenizer.json, tokenizer_config.json,
 *         special_tokens_map.json, vocab.txt,
 *         onnx/model.onnx, onnx/model_quantized.onnx,
 *         import-manifest.json
 *
 * The folder is assembled next to its destination and renamed into place, so
 * an interrupted import never leaves a half-written model where `npm start`
 * would load it.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { BertWeights } from '../bert-onnx/bert-model.js';
import { buildBertGraph } from '../bert-onnx/bert-graph.js';
import type { BertGraphOptions, Precision } from '../bert-onnx/bert-graph.js';
import { IR_VERSION, OPSET, encodeModel } from '../bert-onnx/onnx-builder.js';
import { EMBEDDING_QMAX, MATMUL_WEIGHT_QMAX } from '../bert-onnx/quantize.js';
import { swapDirectoryIntoPlace } from '../bert-onnx/swap-directory.js';
import { MODEL_FILES, TOKENIZER_FILES, type FileRecord } from '../bert-onnx/model-files.js';
import { bertWeightsFromTensors } from './bert-weights-from-tensors.js';
import type { LocatedModel } from './locate-source.js';
import { ImportRefusal } from './refusal.js';
import { CALIBRATION_SENTENCES_PATH, calibrationSentences, measureDenseInputMax } from './int8-calibration.js';
import { DEFAULT_INT8_SCHEME, OUTLIER_RATIO, int8GraphOptions, outlierChannels } from './int8-scheme.js';
import type { Int8Scheme } from './int8-scheme.js';
import { floatTensor, readSafetensors } from './safetensors.js';
import { checkSentencePooling, readBertConfig } from './sentence-model.js';
import type { BertConfig } from './sentence-model.js';
import { checkTokenizer } from './tokenizer-check.js';
import type { TokenizerSummary } from './tokenizer-check.js';

/**
 * Written into every ONNX file as its producer version, so it is part of the
 * bytes the embedder id is keyed on: bumping it changes the id of an
 * unchanged fp32 file and orphans its cached vectors. The int8 scheme (which
 * did change the int8 bytes) is recorded in the manifest and in the int8 file.
 */
export const IMPORTER_VERSION = 1;
export const MANIFEST_FILE = 'import-manifest.json';

const REQUIRED_FILES: ReadonlySet<string> = new Set(['config.json', 'tokenizer.json']);

export interface ImportManifest {
  readonly imported: true;
  readonly importer_version: number;
  /** The name the service keys identity and calibration on, e.g. "all-MiniLM-L6-v2". */
  readonly model_name: string;
  /** config.json's _name_or_path, for people. */
  readonly name_or_path: string | null;
  readonly source: string;
  readonly source_kind: LocatedModel['kind'];
  readonly source_files: Readonly<Record<string, FileRecord>>;
  readonly created_at: string;
  readonly layers: number;
  readonly hidden: number;
  readonly heads: number;
  readonly vocab: number;
  readonly tokenizer: TokenizerSummary;
  readonly pooling: 'mean' | 'unspecified';
  readonly opset: number;
  readonly ir_version: number;
  readonly int8_scheme: Int8Scheme;
  readonly quantization: string;
  /** outlier-split only: what the calibration saw and which input channels it took out of the int8 MatMuls. */
  readonly int8_calibration: Int8CalibrationRecord | null;
  readonly files: Readonly<Record<string, FileRecord>>;
}

export interface Int8CalibrationRecord {
  readonly sentences: number;
  /** sha256 of scripts/import-model/int8-calibration-sentences.json. */
  readonly sentences_sha256: string;
  readonly outlier_ratio: number;
  /** By dense layer, the input channels multiplied in float. */
  readonly float_channels: Readonly<Record<string, readonly number[]>>;
}

export interface ImportRequest {
  readonly model: LocatedModel;
  readonly out: string;
  /** Overrides the model name derived from the source. */
  readonly modelName: string | undefined;
  readonly log: (line: string) => void;
  /** How onnx/model_quantized.onnx is quantised (default outlier-split). */
  readonly int8Scheme?: Int8Scheme;
  /** Injected so manifests in tests are reproducible. */
  readonly now: () => Date;
}

export interface ImportResult {
  readonly dir: string;
  readonly manifest: ImportManifest;
  readonly seconds: number;
}

export function sha256OfBytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function recordOf(path: string): FileRecord {
  const bytes = readFileSync(path);
  return { bytes: bytes.byteLength, sha256: sha256OfBytes(bytes) };
}

/**
 * all-MiniLM-L6-v2 snapshots call themselves by their base model
 * ("nreimers/MiniLM-L6-H384-uncased") in config.json, so the name comes from
 * where the files were found when it can: the last path part that is neither a
 * generic folder name nor a file.
 */
export function deriveModelName(model: LocatedModel, config: BertConfig): string {
  const generic = /^(model|models|onnx|snapshot|snapshots|main|[0-9a-f]{40}|site-packages)$/i;
  const candidates = [model.description, model.dir]
    .flatMap((path) => path.split(/[\\/]/))
    .map((part) => part.replace(/\.(whl|jar|zip|onnx)$/i, ''))
    .reverse();
  for (const part of candidates) {
    const match = /all[-_]minilm[-_]l6[-_]v2/i.exec(part);
    if (match) return 'all-MiniLM-L6-v2';
  }
  const fromConfig = config.nameOrPath?.split('/').pop();
  if (fromConfig !== undefined && fromConfig !== '') return fromConfig;
  const fallback = candidates.find((part) => part !== '' && !generic.test(part));
  return fallback ?? 'imported-bert';
}

function readWeights(model: LocatedModel, config: BertConfig): BertWeights {
  if (model.kind !== 'safetensors') {
    throw new ImportRefusal(
      'unsupported_weights',
      `internal: ${(model as { kind: string }).kind} sources are converted elsewhere`,
    );
  }
  const file = readSafetensors(model.weightsPath);
  // A BertForX checkpoint prefixes the encoder with "bert.".
  const prefix = file.tensors.has('embeddings.word_embeddings.weight')
    ? ''
    : file.tensors.has('bert.embeddings.word_embeddings.weight')
      ? 'bert.'
      : '';
  return bertWeightsFromTensors((name) => floatTensor(file, name), config.shape, prefix);
}

function writeRecorded(path: string, content: Uint8Array): FileRecord {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  return { bytes: content.byteLength, sha256: sha256OfBytes(content) };
}

function sortedRecords(records: Record<string, FileRecord>): Record<string, FileRecord> {
  return Object.fromEntries(Object.entries(records).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function quantizationSummary(scheme: Int8Scheme, floatChannels: number, denseChannels: number): string {
  const matMul = `MatMul: int8 symmetric per-column weights (|q| <= ${MATMUL_WEIGHT_QMAX}), DynamicQuantizeLinear + MatMulInteger`;
  if (scheme === 'dynamic') return `${matMul}; embeddings: int8 symmetric per-tensor (|q| <= ${EMBEDDING_QMAX})`;
  return (
    `${matMul}, except ${floatChannels} of ${denseChannels} dense-input channels (calibrated max |x| above ${OUTLIER_RATIO}x ` +
    `the median channel's) multiplied in float; embeddings: int8 symmetric per-row (|q| <= ${EMBEDDING_QMAX})`
  );
}

export async function importModel(request: ImportRequest): Promise<ImportResult> {
  const started = process.hrtime.bigint();
  const { model, log } = request;
  const scheme = request.int8Scheme ?? DEFAULT_INT8_SCHEME;
  const step = (() => {
    let n = 0;
    return (line: string) => log(`[${++n}] ${line}`);
  })();

  step(`reading ${model.description}`);
  const config = readBertConfig(model.dir);
  const pooling = checkSentencePooling(model.dir);
  const tokenizer = checkTokenizer(model.dir, config.shape.vocab);
  const modelName = request.modelName ?? deriveModelName(model, config);
  step(
    `${modelName}: BERT ${config.shape.layers} layers, hidden ${config.shape.hidden}, ${config.shape.heads} heads, vocab ${config.shape.vocab}; ` +
      `pooling ${pooling}; tokenizer ${tokenizer.kind} with ${tokenizer.size} ids${tokenizer.checkedAgainstVocabTxt ? ', same ids as vocab.txt' : ''}`,
  );

  const sourceFiles: Record<string, FileRecord> = {};
  for (const file of TOKENIZER_FILES) {
    const path = join(model.dir, file);
    if (existsSync(path)) sourceFiles[file] = recordOf(path);
  }
  step(`hashing and reading weights ${basename(model.weightsPath)} (${(statSync(model.weightsPath).size / 1e6).toFixed(1)} MB)`);
  sourceFiles[basename(model.weightsPath)] = recordOf(model.weightsPath);
  const weights = readWeights(model, config);

  const tempDir = join(dirname(request.out), `.${basename(request.out)}.import-${process.pid}`);
  mkdirSync(tempDir, { recursive: true });
  try {
    const files: Record<string, FileRecord> = {};
    for (const file of TOKENIZER_FILES) {
      const path = join(model.dir, file);
      if (!existsSync(path)) {
        if (REQUIRED_FILES.has(file)) throw new ImportRefusal('not_found', `${model.dir} lacks ${file}`);
        continue;
      }
      copyFileSync(path, join(tempDir, file));
      files[file] = sourceFiles[file]!;
    }
    // One file at a time, so only one serialised model is alive at once.
    const writeModel = (precision: Precision, options: BertGraphOptions, label: string, props: Record<string, string>): void => {
      const file = MODEL_FILES[precision];
      const bytes = encodeModel(buildBertGraph(config.shape, weights, precision, { graphName: 'bert_encoder', ...options }), {
        producerName: 'semantic-llm-router/import-model',
        producerVersion: String(IMPORTER_VERSION),
        // No source path in the bytes: the same weights give the same file, and so the same embedder id.
        docString: `${modelName} (${label}), imported from sentence-transformers weights.`,
        props: { imported: 'true', model_name: modelName, precision, ...props },
      });
      files[file] = writeRecorded(join(tempDir, file), bytes);
    };
    step(`building ${MODEL_FILES.fp32} (fp32)`);
    writeModel('fp32', {}, 'fp32', {});

    let calibration: Int8CalibrationRecord | null = null;
    let floatChannels = new Map<string, number[]>();
    if (scheme === 'outlier-split') {
      const sentences = calibrationSentences();
      step(
        `calibrating int8 on ${sentences.length} sentences: max |x| per input channel of every dense layer, from the fp32 model`,
      );
      // The tokenizer files were copied into tempDir above.
      floatChannels = outlierChannels(await measureDenseInputMax(config.shape, weights, tempDir, sentences));
      calibration = {
        sentences: sentences.length,
        sentences_sha256: recordOf(CALIBRATION_SENTENCES_PATH).sha256,
        outlier_ratio: OUTLIER_RATIO,
        float_channels: Object.fromEntries(floatChannels),
      };
    }
    const floatCount = [...floatChannels.values()].reduce((n, channels) => n + channels.length, 0);
    // Per layer, Q, K, V, the attention output and the intermediate dense read `hidden` channels, the FFN output `intermediate`.
    const denseChannels = config.shape.layers * (5 * config.shape.hidden + config.shape.intermediate);
    step(
      `building ${MODEL_FILES.int8} (int8, ${scheme}${scheme === 'outlier-split' ? `: ${floatCount} of ${denseChannels} dense-input channels in float` : ''})`,
    );
    // The dynamic scheme's file keeps the label and properties it always had, so it stays byte for byte what it was.
    if (scheme === 'dynamic') writeModel('int8', {}, 'int8', {});
    else writeModel('int8', int8GraphOptions(scheme, floatChannels), `int8, ${scheme}`, { int8_scheme: scheme });

    const manifest: ImportManifest = {
      imported: true,
      importer_version: IMPORTER_VERSION,
      model_name: modelName,
      name_or_path: config.nameOrPath ?? null,
      source: model.description,
      source_kind: model.kind,
      source_files: sortedRecords(sourceFiles),
      created_at: request.now().toISOString(),
      layers: config.shape.layers,
      hidden: config.shape.hidden,
      heads: config.shape.heads,
      vocab: config.shape.vocab,
      tokenizer,
      pooling,
      opset: OPSET,
      ir_version: IR_VERSION,
      int8_scheme: scheme,
      quantization: quantizationSummary(scheme, floatCount, denseChannels),
      int8_calibration: calibration,
      files: sortedRecords(files),
    };
    writeFileSync(join(tempDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    step(`writing ${request.out}`);
    swapDirectoryIntoPlace(tempDir, request.out);
    return { dir: request.out, manifest, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
  } finally {
    rmSync(tempDir, { recursive: true, force: true });
  }
}
