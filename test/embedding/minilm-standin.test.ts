import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AutoTokenizer, Tensor, env, pipeline } from '@xenova/transformers';
import { EmbedderLoadError } from '../../src/embedding/embedder.js';
import { meanPoolNormalized } from '../../src/embedding/mean-pooling.js';
import { loadMiniLmEmbedder } from '../../src/embedding/minilm.js';
import { MINILM_MAX_TOKENS } from '../../src/embedding/sequence-limit.js';
import { selectEmbedder } from '../../src/embedding/select-embedder.js';
import { createLogger } from '../../src/logger.js';
import { FULL_STANDIN_DIR, PROJECT_ROOT, TINY_STANDIN_DIR } from '../support/env.js';
import { join } from 'node:path';

const sentences = ['hi', 'my card payment was declined twice, can you check what happened?', 'write a haiku about the sea'];
const identityDir = join(PROJECT_ROOT, 'routes-data/model-identity');
const offline = {
  modelId: 'Xenova/all-MiniLM-L6-v2',
  cacheDir: join(PROJECT_ROOT, '.cache/test-empty-model-cache'),
  offline: true,
};

function norm(vector: Float32Array): number {
  return Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  return a.reduce((max, value, i) => Math.max(max, Math.abs(value - b[i]!)), 0);
}

test('the full stand-in loads through transformers.js from a local directory with remote loading off', async () => {
  for (const quantized of [false, true]) {
    const embedder = await loadMiniLmEmbedder({ ...offline, modelDir: FULL_STANDIN_DIR, quantized });
    assert.equal(env.allowRemoteModels, false, 'a local directory must never fall through to the Hub');
    assert.equal(embedder.dim, 384);
    assert.equal(embedder.standin, true);
    assert.match(embedder.id, /^minilm-stand-in\/full:(q8|fp32):/);
    assert.match(embedder.description, /STAND-IN/);
    const vectors = await embedder.embed(sentences);
    assert.equal(vectors.length, sentences.length);
    for (const vector of vectors) {
      assert.equal(vector.length, 384);
      assert.ok(Math.abs(norm(vector) - 1) < 1e-5, `not unit length: ${norm(vector)}`);
    }
    // Padding in a batch must not leak into the shorter sentences: the attention mask is honoured.
    // Quantized activations are scaled per batch (as upstream), so the tolerance is looser there.
    const tolerance = quantized ? 5e-3 : 1e-4;
    for (const [i, sentence] of sentences.entries()) {
      const [alone] = await embedder.embed([sentence]);
      assert.ok(
        maxAbsDiff(alone!, vectors[i]!) < tolerance,
        `batch row ${i} differs from its single call (quantized=${quantized})`,
      );
    }
  }
});

test('embeddings are attention-masked mean pooling of the token states, L2-normalised', async () => {
  const embedder = await loadMiniLmEmbedder({ ...offline, modelDir: FULL_STANDIN_DIR, quantized: false });
  const [pooled] = await embedder.embed([sentences[1]!]);
  // Recompute by hand from the raw token states of the same model.
  env.localModelPath = join(FULL_STANDIN_DIR, '..');
  const raw = await pipeline('feature-extraction', 'full', { quantized: false });
  const tokens = (await raw(sentences[1]!)) as { data: Float32Array; dims: number[] };
  const [, length, dim] = tokens.dims as [number, number, number];
  const mean = new Float32Array(dim);
  for (let t = 0; t < length; t++) for (let d = 0; d < dim; d++) mean[d]! += tokens.data[t * dim + d]! / length;
  const n = norm(mean);
  assert.ok(
    maxAbsDiff(
      pooled!,
      mean.map((value) => value / n),
    ) < 1e-5,
  );
  const tokenizer = await AutoTokenizer.from_pretrained('full');
  assert.equal(tokenizer.model.vocab.length, 30522, 'the real MiniLM tokenizer is in use');
});

test('long inputs are cut at 256 word pieces and still end in [SEP], as sentence-transformers cuts them', async () => {
  const embedder = await loadMiniLmEmbedder({ ...offline, modelDir: FULL_STANDIN_DIR, quantized: false });
  env.localModelPath = join(FULL_STANDIN_DIR, '..');
  const tokenizer = await AutoTokenizer.from_pretrained('full');
  const words = 'the nightly settlement job times out once the batch grows past fifty thousand rows'.split(' ');
  const text = Array.from({ length: 320 }, (_, i) => words[i % words.length]).join(' ');
  const pieces = Array.from(
    (tokenizer(text, { add_special_tokens: false }) as { input_ids: { data: BigInt64Array } }).input_ids.data,
  );
  assert.ok(pieces.length > 300, `the text must be longer than the limit: ${pieces.length} pieces`);

  // What Hugging Face tokenizers feed the model: [CLS], the first 254 pieces, [SEP].
  const ids = [101n, ...pieces.slice(0, MINILM_MAX_TOKENS - 2), 102n];
  const raw = await pipeline('feature-extraction', 'full', { quantized: false });
  const model = (
    raw as unknown as {
      model: (inputs: Record<string, unknown>) => Promise<{ last_hidden_state: { data: Float32Array; dims: number[] } }>;
    }
  ).model;
  const tensor = (values: bigint[]) => new Tensor('int64', BigInt64Array.from(values), [1, values.length]);
  const { last_hidden_state: hidden } = await model({
    input_ids: tensor(ids),
    attention_mask: tensor(ids.map(() => 1n)),
    token_type_ids: tensor(ids.map(() => 0n)),
  });
  const [expected] = meanPoolNormalized(hidden.data, hidden.dims, BigInt64Array.from(ids.map(() => 1n)));

  const [alone, withOtherTail] = await embedder.embed([text, `${text} and then a different ending entirely`]);
  assert.ok(maxAbsDiff(alone!, expected!) < 1e-5, 'the cut input is [CLS] + 254 pieces + [SEP]');
  assert.deepEqual(withOtherTail, alone, 'words past the limit change nothing');
  const [changedEarly] = await embedder.embed([`urgent: ${text}`]);
  assert.ok(maxAbsDiff(changedEarly!, alone!) > 1e-3, 'words before the limit still count');
});

test('a forced MiniLM that is missing fails with a message that says how to provide it', async () => {
  await assert.rejects(
    loadMiniLmEmbedder({ ...offline, modelDir: join(PROJECT_ROOT, 'no-such-model-dir'), quantized: true }),
    (error: unknown) =>
      error instanceof EmbedderLoadError && /MINILM_MODEL_DIR/.test(error.message) && /lacks/.test(error.message),
  );
  await assert.rejects(
    loadMiniLmEmbedder({ ...offline, modelDir: undefined, quantized: true }),
    (error: unknown) => error instanceof EmbedderLoadError && /EMBEDDING_OFFLINE is on/.test(error.message),
  );
  const lines: string[] = [];
  await assert.rejects(
    selectEmbedder(
      {
        choice: 'minilm',
        minilmModelId: offline.modelId,
        minilmModelDir: undefined,
        minilmQuantized: true,
        modelCacheDir: offline.cacheDir,
        offline: true,
        identityDir,
      },
      createLogger('info', (line) => lines.push(line)),
    ),
    EmbedderLoadError,
  );
  assert.deepEqual(lines, [], 'a forced choice does not fall back');
});

test('auto never settles for the stand-in: it falls back to USE-lite with one warning saying why', async () => {
  const lines: string[] = [];
  const embedder = await selectEmbedder(
    {
      choice: 'auto',
      minilmModelId: offline.modelId,
      minilmModelDir: TINY_STANDIN_DIR,
      minilmQuantized: true,
      modelCacheDir: offline.cacheDir,
      offline: true,
      identityDir,
    },
    createLogger('info', (line) => lines.push(line)),
  );
  assert.equal(embedder.kind, 'use-lite');
  assert.equal(embedder.dim, 512);
  assert.equal(lines.length, 1);
  const warning = JSON.parse(lines[0]!) as { level: string; msg: string };
  assert.equal(warning.level, 'warn');
  assert.match(warning.msg, /falling back to USE-lite/);
  assert.match(warning.msg, /stand-in/);
});

test('forcing minilm onto the stand-in works but warns that it is one', async () => {
  const lines: string[] = [];
  const embedder = await selectEmbedder(
    {
      choice: 'minilm',
      minilmModelId: offline.modelId,
      minilmModelDir: TINY_STANDIN_DIR,
      minilmQuantized: true,
      modelCacheDir: offline.cacheDir,
      offline: true,
      identityDir,
    },
    createLogger('info', (line) => lines.push(line)),
  );
  assert.equal(embedder.standin, true);
  assert.equal(embedder.dim, 32);
  assert.match(lines.join(''), /STAND-IN/);
});
