/**
 * The project's MiniLM path (transformers.js tokenizer, the 256-piece cut that
 * keeps its closing [SEP], attention-masked mean pooling, L2 normalisation)
 * reproduces sentence-transformers' own vectors for every reference sentence.
 */
import assert from 'node:assert/strict';
import { basename, dirname, join } from 'node:path';
import { test } from 'node:test';
import { AutoTokenizer, env } from '@xenova/transformers';
import { embedInBatches } from '../../src/embedding/embedder.js';
import type { Embedder } from '../../src/embedding/embedder.js';
import { loadMiniLmEmbedder } from '../../src/embedding/minilm.js';
import { MINILM_MAX_TOKENS, closeTruncatedRows } from '../../src/embedding/sequence-limit.js';
import { PROJECT_ROOT } from '../support/env.js';
import { cosine, loadReference, realModelDir } from './real-model.js';

/**
 * Issue #12's floors, per sentence embedded alone (as the service embeds a
 * query): fp32 >= 0.999 (measured: min 0.99999), int8 >= 0.99. The int8 file
 * import-model writes by default (outlier-split, see
 * scripts/import-model/int8-scheme.ts) measured min 0.9947 "Thanks!", mean
 * 0.9980 on 2026-12-03; the previous dynamic scheme (`--int8 dynamic`) measured
 * min 0.9446 and fails here. The mean floor sits just under the measurement so
 * a drift that keeps every sentence above 0.99 still shows.
 */
const MIN_COSINE = { fp32: 0.999, q8: 0.99 } as const;
const MIN_MEAN_COSINE = { fp32: 0.9999, q8: 0.997 } as const;

/**
 * In a batch (seeding embeds exemplars 32 at a time) int8 activations are
 * scaled per batch, so a short sentence beside long ones is quantised more
 * coarsely, and the issue's 0.99 does NOT hold for every sentence there:
 * outlier-split measured min 0.9837 "Thanks!", mean 0.9962, 2 of 52 below
 * 0.99 ("Thanks!", "ok"); dynamic measured min 0.9257, 27 below. What holds,
 * and is asserted, is the floors below. fp32 is batch-independent (padding is
 * masked), so it keeps its 0.999.
 */
const BATCH_SIZE = 32;
const MIN_BATCHED_COSINE = { fp32: 0.999, q8: 0.98 } as const;
const MIN_BATCHED_MEAN_COSINE = { fp32: 0.9999, q8: 0.995 } as const;

const reference = loadReference();

test('the tokenizer gives the reference ids, including the 256-piece cut with [SEP] last', async () => {
  const dir = realModelDir();
  env.allowLocalModels = true;
  env.allowRemoteModels = false;
  env.localModelPath = dirname(dir);
  const tokenizer = (await AutoTokenizer.from_pretrained(basename(dir))) as unknown as {
    (
      texts: string[],
      options: { padding: boolean; truncation: boolean },
    ): {
      input_ids: { data: BigInt64Array; dims: number[] };
      attention_mask: { data: BigInt64Array };
    };
    sep_token_id: number;
    model_max_length: number;
  };
  // As src/embedding/minilm.ts sets it.
  tokenizer.model_max_length = MINILM_MAX_TOKENS;
  assert.equal(reference.max_seq_length, MINILM_MAX_TOKENS);
  for (const sentence of reference.sentences) {
    const inputs = tokenizer([sentence.text], { padding: true, truncation: true });
    closeTruncatedRows(
      inputs.input_ids.data,
      inputs.attention_mask.data,
      inputs.input_ids.dims,
      MINILM_MAX_TOKENS,
      tokenizer.sep_token_id,
    );
    assert.deepEqual(
      Array.from(inputs.input_ids.data, Number),
      sentence.input_ids,
      `token ids of ${JSON.stringify(sentence.text.slice(0, 40))}`,
    );
  }
});

type Precision = 'fp32' | 'q8';
const embedders = new Map<Precision, Promise<Embedder>>();

function embedderFor(precision: Precision): Promise<Embedder> {
  const existing = embedders.get(precision);
  if (existing) return existing;
  const loading = loadMiniLmEmbedder({
    modelId: 'Xenova/all-MiniLM-L6-v2',
    modelDir: realModelDir(),
    quantized: precision === 'q8',
    cacheDir: join(PROJECT_ROOT, '.cache/test-empty-model-cache'),
    offline: true,
  });
  embedders.set(precision, loading);
  return loading;
}

/** Logs the worst sentences, then asserts the mean floor and that no sentence is below the per-sentence floor. */
function assertFloors(label: string, cosines: readonly number[], minCosine: number, minMean: number): void {
  const worst = cosines
    .map((value, i) => ({ value, text: reference.sentences[i]!.text.slice(0, 40) }))
    .sort((a, b) => a.value - b.value)
    .slice(0, 5);
  const mean = cosines.reduce((a, b) => a + b, 0) / cosines.length;
  const below99 = cosines.filter((value) => value < 0.99).length;
  console.log(
    `${label}: ${cosines.length} sentences, min cosine ${worst[0]!.value.toFixed(5)}, mean ${mean.toFixed(5)}, ${below99} below 0.99; worst: ${worst.map((w) => `${w.value.toFixed(4)} ${JSON.stringify(w.text)}`).join(', ')}`,
  );
  assert.ok(mean >= minMean, `mean cosine ${mean.toFixed(5)} is below ${minMean}`);
  const below = cosines.map((value, i) => ({ value, i })).filter(({ value }) => value < minCosine);
  assert.deepEqual(
    below.map(({ i, value }) => `${value.toFixed(5)} ${JSON.stringify(reference.sentences[i]!.text.slice(0, 40))}`),
    [],
    `${below.length} of ${cosines.length} sentences below ${minCosine}`,
  );
}

for (const precision of ['fp32', 'q8'] as const) {
  test(`${precision}: every reference vector, embedded alone, is reproduced with cosine >= ${MIN_COSINE[precision]} (mean >= ${MIN_MEAN_COSINE[precision]})`, async () => {
    const embedder = await embedderFor(precision);
    // One at a time, as the service embeds a query: int8 activations are scaled per batch.
    const cosines: number[] = [];
    for (const sentence of reference.sentences) {
      const [vector] = await embedder.embed([sentence.text]);
      cosines.push(cosine(vector!, sentence.vector));
    }
    assertFloors(`${precision} alone`, cosines, MIN_COSINE[precision], MIN_MEAN_COSINE[precision]);
  });

  test(`${precision}: embedded ${BATCH_SIZE} at a time, as seeding does, every reference vector has cosine >= ${MIN_BATCHED_COSINE[precision]} (mean >= ${MIN_BATCHED_MEAN_COSINE[precision]})`, async () => {
    const embedder = await embedderFor(precision);
    const texts = reference.sentences.map((sentence) => sentence.text);
    const vectors = await embedInBatches(embedder, texts, BATCH_SIZE);
    const cosines = vectors.map((vector, i) => cosine(vector, reference.sentences[i]!.vector));
    assertFloors(
      `${precision} in batches of ${BATCH_SIZE}`,
      cosines,
      MIN_BATCHED_COSINE[precision],
      MIN_BATCHED_MEAN_COSINE[precision],
    );
  });
}
