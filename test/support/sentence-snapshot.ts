/**
 * Builds what `npm run import-model` reads, without Python or the network: a
 * sentence-transformers-like snapshot folder (config.json, modules.json,
 * 1_Pooling/config.json, tokenizer files, model.safetensors) holding the tiny
 * stand-in's weights, and a zip archive of a folder (as a .whl or .jar is).
 */
import { copyFileSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { crc32 } from 'node:zlib';
import type { BertWeights } from '../../scripts/bert-onnx/bert-model.js';
import { tensorsFromBertWeights } from '../../scripts/import-model/bert-weights-from-tensors.js';
import { encodeSafetensors } from '../../scripts/import-model/safetensors.js';
import { DEFAULT_SEED } from '../../scripts/minilm-standin/standin-dir.js';
import { shapeOf } from '../../scripts/minilm-standin/variants.js';
import { generateBertWeights } from '../../scripts/minilm-standin/weights.js';
import { TINY_STANDIN_DIR } from './env.js';

const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt'];

/**
 * The tiny stand-in (same seed, so the same weights as .cache/minilm-standin/tiny) as a sentence-transformers folder.
 * `edit` may change the weights first (say, plant an outlier channel).
 */
export function writeTinySnapshot(dir: string, edit?: (weights: BertWeights) => void): void {
  mkdirSync(join(dir, '1_Pooling'), { recursive: true });
  const shape = shapeOf('tiny');
  const weights = generateBertWeights(shape, DEFAULT_SEED);
  edit?.(weights);
  writeFileSync(join(dir, 'model.safetensors'), encodeSafetensors(tensorsFromBertWeights(weights, shape)));
  // The stand-in's config.json already advertises the tiny shape.
  copyFileSync(join(TINY_STANDIN_DIR, 'config.json'), join(dir, 'config.json'));
  for (const file of TOKENIZER_FILES) copyFileSync(join(TINY_STANDIN_DIR, file), join(dir, file));
  writeFileSync(
    join(dir, 'modules.json'),
    JSON.stringify([
      { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
      { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
      { idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' },
    ]),
  );
  writePooling(dir, 'pooling_mode_mean_tokens');
}

export function writePooling(dir: string, mode: string): void {
  const modes = [
    'pooling_mode_cls_token',
    'pooling_mode_mean_tokens',
    'pooling_mode_max_tokens',
    'pooling_mode_mean_sqrt_len_tokens',
  ];
  writeFileSync(
    join(dir, '1_Pooling', 'config.json'),
    JSON.stringify({
      word_embedding_dimension: shapeOf('tiny').hidden,
      ...Object.fromEntries(modes.map((m) => [m, m === mode])),
    }),
  );
}

export function editJson(path: string, edit: (value: Record<string, unknown>) => void): void {
  const value = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  edit(value);
  writeFileSync(path, JSON.stringify(value));
}

function filesUnder(root: string): string[] {
  return readdirSync(root).flatMap((name) => {
    const path = join(root, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** A zip of `root` with stored (uncompressed) entries, which is all a reader must handle besides deflate. */
export function zipFolder(root: string, archivePath: string): void {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const path of filesUnder(root)) {
    const name = Buffer.from(relative(root, path).split('\\').join('/'), 'utf8');
    const data = readFileSync(path);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.byteLength, 18);
    local.writeUInt32LE(data.byteLength, 22);
    local.writeUInt16LE(name.byteLength, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.byteLength, 20);
    central.writeUInt32LE(data.byteLength, 24);
    central.writeUInt16LE(name.byteLength, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += 30 + name.byteLength + data.byteLength;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length / 2, 8);
  end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(directory.byteLength, 12);
  end.writeUInt32LE(offset, 16);
  writeFileSync(archivePath, Buffer.concat([...locals, directory, end]));
}
