import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { importModel } from '../../scripts/import-model/importer.js';
import { locateModel } from '../../scripts/import-model/locate-source.js';
import { loadMiniLmEmbedder } from '../../src/embedding/minilm.js';
import type { MiniLmOptions } from '../../src/embedding/minilm.js';
import { selectEmbedder } from '../../src/embedding/select-embedder.js';
import { createLogger } from '../../src/logger.js';
import { PROJECT_ROOT, TINY_STANDIN_DIR, tempDir } from '../support/env.js';
import { writeTinySnapshot } from '../support/sentence-snapshot.js';

const NAME = 'tiny-test-model';
const sentences = ['how much is the pro plan?', '¿dónde está mi pedido?', 'SELECT 1;'];
const cacheDir = join(PROJECT_ROOT, '.cache/test-empty-model-cache');

/** The tiny stand-in's weights imported under NAME, plus an identity folder whose reference is the given vectors. */
async function importedTiny(t: { after: (fn: () => void) => void }): Promise<{ modelDir: string; identityDir: string }> {
  const dir = tempDir(t);
  writeTinySnapshot(join(dir, 'snap'));
  const { model, dispose } = locateModel(join(dir, 'snap'), () => {});
  try {
    await importModel({ model, out: join(dir, 'model'), modelName: NAME, log: () => {}, now: () => new Date(0) });
  } finally {
    dispose();
  }
  const identityDir = join(dir, 'identity');
  mkdirSync(identityDir);
  return { modelDir: join(dir, 'model'), identityDir };
}

function writeReference(identityDir: string, vectors: readonly Float32Array[], minCosine = 0.99): void {
  const reference = {
    model_name: NAME,
    source: 'test',
    min_cosine: minCosine,
    sentences: sentences.map((text, i) => ({ text, vector: Array.from(vectors[i]!) })),
  };
  writeFileSync(join(identityDir, `${NAME}.json`), JSON.stringify(reference));
}

async function referenceVectors(modelDir: string): Promise<Float32Array[]> {
  const embedder = await loadMiniLmEmbedder({ modelId: 'x', modelDir, quantized: false, cacheDir, offline: true });
  const vectors: Float32Array[] = [];
  for (const text of sentences) vectors.push(...(await embedder.embed([text])));
  return vectors;
}

const options = (modelDir: string, identityDir: string, quantized: boolean): MiniLmOptions => ({
  modelId: 'x',
  modelDir,
  quantized,
  cacheDir,
  offline: true,
  identityDir,
});

test('an imported model that reproduces its reference vectors is identified by name, in both precisions, with its own id per precision', async (t) => {
  const { modelDir, identityDir } = await importedTiny(t);
  writeReference(identityDir, await referenceVectors(modelDir));
  const fp32 = await loadMiniLmEmbedder(options(modelDir, identityDir, false));
  const q8 = await loadMiniLmEmbedder(options(modelDir, identityDir, true));
  assert.equal(fp32.model?.name, NAME);
  assert.equal(fp32.model?.check, 'passed', fp32.model?.detail);
  assert.equal(q8.model?.check, 'passed', q8.model?.detail);
  assert.match(fp32.id, /^tiny-test-model:fp32:[0-9a-f]{12}$/);
  assert.match(q8.id, /^tiny-test-model:q8:[0-9a-f]{12}$/);
  assert.equal(fp32.standin, false);
});

test('a model that does not reproduce the reference fails the check, says so in its description and the log', async (t) => {
  const { modelDir, identityDir } = await importedTiny(t);
  // Vectors of other sentences stand in for "another model's behaviour".
  const wrong = await referenceVectors(modelDir);
  writeReference(identityDir, [wrong[1]!, wrong[2]!, wrong[0]!]);
  const embedder = await loadMiniLmEmbedder(options(modelDir, identityDir, false));
  assert.equal(embedder.model?.check, 'failed');
  assert.match(embedder.model?.detail ?? '', /^0\/3 reference sentences at cosine >= 0.99 \(min /);
  assert.match(embedder.description, /BEHAVIOUR CHECK FAILED as tiny-test-model/);

  const lines: string[] = [];
  await selectEmbedder(
    {
      choice: 'minilm',
      minilmModelId: 'x',
      minilmModelDir: modelDir,
      minilmQuantized: false,
      modelCacheDir: cacheDir,
      offline: true,
      identityDir,
    },
    createLogger('info', (line) => lines.push(line)),
  );
  const logged = lines.map((line) => JSON.parse(line) as { level: string; msg: string });
  assert.ok(
    logged.some((line) => line.level === 'error' && /BEHAVIOUR CHECK FAILED.*uncalibrated default scoring/.test(line.msg)),
    JSON.stringify(logged),
  );
});

test('a name without reference vectors is not checked, and the stand-in is never checked', async (t) => {
  const { modelDir, identityDir } = await importedTiny(t);
  const unknown = await loadMiniLmEmbedder(options(modelDir, identityDir, true));
  assert.equal(unknown.model?.check, 'no_reference');
  const standin = await loadMiniLmEmbedder(options(TINY_STANDIN_DIR, identityDir, true));
  assert.equal(standin.standin, true);
  assert.equal(standin.model?.check, 'no_reference');
});
