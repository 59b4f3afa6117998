import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildExemplarIndex, similarities, type ExemplarIndex } from '../../src/scoring/exemplar-index.js';
import { scoreAxis, type ScoreOptions } from '../../src/scoring/label-scores.js';

/** The array-based version scoreAxis replaced (sorted arrays per label), as the reference for its outputs. */
function reference(index: ExemplarIndex, query: Float32Array, options: ScoreOptions) {
  const sims = similarities(index, query, new Float32Array(index.size));
  const best: number[][] = index.labels.map(() => []);
  const topRows: number[] = [];
  for (let r = 0; r < index.size; r++) {
    const list = best[index.labelOfRow[r]!]!;
    const sim = sims[r]!;
    if (!(list.length === options.k && sim <= list[options.k - 1]!)) {
      let at = list.length;
      while (at > 0 && list[at - 1]! < sim) at--;
      list.splice(at, 0, sim);
      if (list.length > options.k) list.pop();
    }
    if (options.topExemplars > 0 && (topRows.length < options.topExemplars || sim > sims[topRows[topRows.length - 1]!]!)) {
      let at = topRows.length;
      while (at > 0 && sims[topRows[at - 1]!]! < sim) at--;
      topRows.splice(at, 0, r);
      if (topRows.length > options.topExemplars) topRows.pop();
    }
  }
  const scores: Record<string, number> = {};
  index.labels.forEach((label, i) => {
    const values = best[i]!;
    if (values.length === 0) return;
    const sum = values.reduce((total, value) => total + value, 0);
    scores[label] = options.aggregation === 'max' ? values[0]! : options.aggregation === 'sum' ? sum : sum / values.length;
  });
  return { scores, top: topRows.map((r) => ({ id: index.ids[r]!, similarity: sims[r]! })) };
}

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('typed-array top-k gives exactly the scores and nearest exemplars of the array version, ties included', () => {
  const next = random(42);
  const labels = ['a', 'b', 'c', 'd', 'unused'];
  const dim = 8;
  // Coarse values repeat often, so ties between rows are common.
  const vector = () => {
    const v = Float32Array.from({ length: dim }, () => Math.round(next() * 4 - 2));
    const n = Math.hypot(...v) || 1;
    return v.map((x) => x / n);
  };
  const rows = Array.from({ length: 400 }, (_, i) => ({ id: i + 1, label: labels[i % 4]!, text: `t${i}`, vector: vector() }));
  const index = buildExemplarIndex(labels, dim, rows);
  for (const aggregation of ['max', 'mean', 'sum'] as const) {
    for (const k of [1, 3, 7, 200]) {
      for (const topExemplars of [0, 1, 5]) {
        for (let q = 0; q < 5; q++) {
          const query = vector();
          const options = { k, aggregation, topExemplars };
          const got = scoreAxis(index, query, options);
          const want = reference(index, query, options);
          assert.deepEqual(got.scores, want.scores);
          assert.deepEqual(got.top.map(({ id, similarity }) => ({ id, similarity })), want.top);
        }
      }
    }
  }
});

test('coarse-to-fine scoring (int8 pass, exact re-rank) returns exactly what scoring every row returns', () => {
  const next = random(7);
  const labels = ['a', 'b', 'c', 'd', 'e', 'f', 'unused'];
  const unit = (dim: number, coarseValues: boolean) => {
    const v = Float32Array.from({ length: dim }, () => (coarseValues ? Math.round(next() * 4 - 2) : next() * 2 - 1 + (next() < 0.1 ? 3 : 0)));
    const n = Math.hypot(...v) || 1;
    return v.map((x) => x / n);
  };
  for (const [dim, coarseValues] of [[384, false], [20, true], [33, false]] as const) {
    const rows = Array.from({ length: 3000 }, (_, i) => ({ id: i + 1, label: labels[(i * 7) % 6]!, text: `t${i}`, vector: unit(dim, coarseValues) }));
    rows.push({ ...rows[5]!, id: 9999 }, { ...rows[17]!, id: 10000 }); // exact duplicates tie
    const exact = buildExemplarIndex(labels, dim, rows, { coarseMinRows: 0 });
    const coarse = buildExemplarIndex(labels, dim, rows, { coarseMinRows: 1 });
    assert.equal(exact.coarse, undefined);
    assert.ok(coarse.coarse, 'WebAssembly SIMD is available on Node 20');
    for (const aggregation of ['max', 'mean', 'sum'] as const) {
      for (const [k, topExemplars] of [[1, 0], [3, 5], [10, 1], [0, 5], [600, 3]] as const) {
        for (let q = 0; q < 4; q++) {
          const query = q === 0 ? rows[5]!.vector : unit(dim, coarseValues);
          const options = { k, aggregation, topExemplars };
          assert.deepEqual(scoreAxis(coarse, query, options, new Float32Array(coarse.size)), scoreAxis(exact, query, options), `dim ${dim} k ${k} top ${topExemplars}`);
        }
      }
    }
  }
});
