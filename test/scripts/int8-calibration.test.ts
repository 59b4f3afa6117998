import assert from 'node:assert/strict';
import { basename, dirname } from 'node:path';
import { test } from 'node:test';
import { AutoTokenizer, env } from '@xenova/transformers';
import { calibrationSentences, measureDenseInputMax } from '../../scripts/import-model/int8-calibration.js';
import { outlierChannels } from '../../scripts/import-model/int8-scheme.js';
import { DEFAULT_SEED } from '../../scripts/minilm-standin/standin-dir.js';
import { shapeOf } from '../../scripts/minilm-standin/variants.js';
import { generateBertWeights } from '../../scripts/minilm-standin/weights.js';
import { loadReference } from '../real-model/real-model.js';
import { TINY_STANDIN_DIR } from '../support/env.js';

const shape = shapeOf('tiny');
const weights = generateBertWeights(shape, DEFAULT_SEED);
const sentences = ['hi', 'my card payment was declined twice, can you check what happened?', '¿dónde está mi pedido? 📦'];

async function tokenIds(text: string): Promise<number[]> {
  env.allowLocalModels = true;
  env.allowRemoteModels = false;
  env.localModelPath = dirname(TINY_STANDIN_DIR);
  const tokenizer = (await AutoTokenizer.from_pretrained(basename(TINY_STANDIN_DIR))) as unknown as (t: string) => {
    input_ids: { data: BigInt64Array };
  };
  return Array.from(tokenizer(text).input_ids.data, Number);
}

/**
 * Layer 0's Q/K/V input is the embedding LayerNorm of word + position + type
 * embeddings: computed here in plain arithmetic, independently of the ONNX graph.
 */
async function embeddingNormMax(texts: readonly string[]): Promise<Float64Array> {
  const { hidden, layerNormEps } = shape;
  const max = new Float64Array(hidden);
  for (const text of texts) {
    for (const [position, id] of (await tokenIds(text)).entries()) {
      const x = Array.from(
        { length: hidden },
        (_, h) =>
          weights.wordEmbeddings[id * hidden + h]! +
          weights.positionEmbeddings[position * hidden + h]! +
          weights.tokenTypeEmbeddings[h]!,
      );
      const mean = x.reduce((a, b) => a + b, 0) / hidden;
      const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / hidden;
      x.forEach((value, h) => {
        const normed =
          ((value - mean) / Math.sqrt(variance + layerNormEps)) * weights.embeddingNorm.gamma[h]! +
          weights.embeddingNorm.beta[h]!;
        max[h] = Math.max(max[h]!, Math.abs(normed));
      });
    }
  }
  return max;
}

test('calibration measures the largest |x| per channel of every dense input, Q, K and V sharing one', async () => {
  const measured = await measureDenseInputMax(shape, weights, TINY_STANDIN_DIR, sentences);
  const expected = await embeddingNormMax(sentences);
  const query = measured.get('/encoder/layer.0/attention/self/query');
  assert.ok(query);
  assert.equal(query.length, shape.hidden);
  query.forEach((value, h) => assert.ok(Math.abs(value - expected[h]!) < 1e-4, `channel ${h}: ${value} vs ${expected[h]}`));
  assert.equal(measured.get('/encoder/layer.0/attention/self/key'), query);
  assert.equal(measured.get('/encoder/layer.0/attention/self/value'), query);

  const perLayer = [
    'attention/self/query',
    'attention/self/key',
    'attention/self/value',
    'attention/output/dense',
    'intermediate/dense',
    'output/dense',
  ];
  assert.deepEqual(
    [...measured.keys()].sort(),
    Array.from({ length: shape.layers }, (_, i) => perLayer.map((dense) => `/encoder/layer.${i}/${dense}`))
      .flat()
      .sort(),
  );
  // The FFN-output input is the GELU output, as wide as the intermediate layer.
  assert.equal(measured.get('/encoder/layer.1/output/dense')?.length, shape.intermediate);
});

test('calibration keeps the maximum over sentences, not the last sentence', async () => {
  const both = await measureDenseInputMax(shape, weights, TINY_STANDIN_DIR, sentences.slice(0, 2));
  const first = await measureDenseInputMax(shape, weights, TINY_STANDIN_DIR, sentences.slice(0, 1));
  const second = await measureDenseInputMax(shape, weights, TINY_STANDIN_DIR, sentences.slice(1, 2));
  for (const [prefix, max] of both) {
    max.forEach((value, c) => {
      const larger = Math.max(first.get(prefix)![c]!, second.get(prefix)![c]!);
      assert.equal(value, larger, `${prefix} channel ${c}`);
    });
  }
  // The two sentences differ, so neither alone gives every maximum.
  const differs = (one: typeof first) => [...both].some(([prefix, max]) => max.some((value, c) => value !== one.get(prefix)![c]));
  assert.ok(differs(first) && differs(second));
});

test('outlier channels: those above the ratio times the median channel, per dense input; inputs without any are left out', () => {
  const cases: { max: number[]; ratio: number; expected: number[] | undefined }[] = [
    { max: [1, 1, 1, 10, 1], ratio: 3, expected: [3] },
    { max: [1, 2, 1, 10, 7], ratio: 3, expected: [3, 4] },
    { max: [1, 2, 1, 3, 2], ratio: 3, expected: undefined },
    { max: [1, 1, 1, 3.5, 1], ratio: 4, expected: undefined },
    { max: [0.5, 0.4, 0.6, 0.1, 2], ratio: 3, expected: [4] },
  ];
  for (const { max, ratio, expected } of cases) {
    const channels = outlierChannels(new Map([['/x', Float32Array.from(max)]]), ratio);
    assert.deepEqual(channels.get('/x'), expected, `${JSON.stringify(max)} at ${ratio}`);
  }
});

test('the shipped calibration sentences are English and Spanish and include none of the reference sentences', () => {
  const calibration = calibrationSentences();
  assert.ok(calibration.length >= 200, `${calibration.length} sentences`);
  assert.ok(
    calibration.some((text) => /[¿¡ñáéíóú]/i.test(text)),
    'Spanish sentences',
  );
  assert.ok(
    calibration.some((text) => /\b(the|what|how)\b/i.test(text)),
    'English sentences',
  );
  const normalise = (text: string) => text.trim().toLowerCase();
  const reference = new Set(loadReference().sentences.map((sentence) => normalise(sentence.text)));
  assert.deepEqual(
    calibration.filter((text) => reference.has(normalise(text))),
    [],
  );
});
