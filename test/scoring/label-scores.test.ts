import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../../src/seeded-random.js';
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

const random = mulberry32;

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
          assert.deepEqual(
            got.top.map(({ id, similarity }) => ({ id, similarity })),
            want.top,
          );
        }
      }
    }
  }
});

test('coarse-to-fine scoring (int8 pass, exact re-rank) returns exactly what scoring every row returns', () => {
  const next = random(7);
  const labels = ['a', 'b', 'c', 'd', 'e', 'f', 'unused'];
  const unit = (dim: number, coarseValues: boolean) => {
    const v = Float32Array.from({ length: dim }, () =>
      coarseValues ? Math.round(next() * 4 - 2) : next() * 2 - 1 + (next() < 0.1 ? 3 : 0),
    );
    const n = Math.hypot(...v) || 1;
    return v.map((x) => x / n);
  };
  for (const [dim, coarseValues] of [
    [384, false],
    [20, true],
    [33, false],
  ] as const) {
    const rows = Array.from({ length: 3000 }, (_, i) => ({
      id: i + 1,
      label: labels[(i * 7) % 6]!,
      text: `t${i}`,
      vector: unit(dim, coarseValues),
    }));
    rows.push({ ...rows[5]!, id: 9999 }, { ...rows[17]!, id: 10000 }); // exact duplicates tie
    const exact = buildExemplarIndex(labels, dim, rows, { coarseMinRows: 0 });
    const coarse = buildExemplarIndex(labels, dim, rows, { coarseMinRows: 1 });
    assert.equal(exact.coarse, undefined);
    assert.ok(coarse.coarse, 'WebAssembly SIMD is available on Node 20');
    for (const aggregation of ['max', 'mean', 'sum'] as const) {
      for (const [k, topExemplars] of [
        [1, 0],
        [3, 5],
        [10, 1],
        [0, 5],
        [600, 3],
      ] as const) {
        for (let q = 0; q < 4; q++) {
          const query = q === 0 ? rows[5]!.vector : unit(dim, coarseValues);
          const options = { k, aggregation, topExemplars };
          assert.deepEqual(
            scoreAxis(coarse, query, options, new Float32Array(coarse.size)),
            scoreAxis(exact, query, options),
            `dim ${dim} k ${k} top ${topExemplars}`,
          );
        }
      }
    }
  }
});

test('coarse-to-fine scoring stays exact on clustered data, near-ties, row orders that raise the cuts late, and k/top edge cases', () => {
  const next = random(11);
  const dim = 64;
  const gaussian = () => Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next());
  const normalise = (v: Float32Array) => {
    const n = Math.hypot(...v) || 1;
    return v.map((x) => x / n);
  };
  const centroids = Array.from({ length: 6 }, () => normalise(Float32Array.from({ length: dim }, gaussian)));
  // Rows close to a few centroids: many similarities within the int8 bound of each other.
  const near = (c: Float32Array, spread: number) => normalise(c.map((x) => x + (spread * gaussian()) / Math.sqrt(dim)));
  const labels = ['a', 'b', 'c', 'rare', 'unused'];
  const rows = Array.from({ length: 2500 }, (_, i) => ({
    id: i + 1,
    label: labels[i % 3]!,
    text: `t${i}`,
    vector: near(centroids[i % centroids.length]!, i % 5 === 0 ? 0.02 : 0.3),
  }));
  rows.push(
    { id: 5001, label: 'rare', text: 'r1', vector: near(centroids[0]!, 0.05) },
    { id: 5002, label: 'rare', text: 'r2', vector: rows[10]!.vector },
  );
  rows.push({ ...rows[3]!, id: 5003, label: 'b' }, { ...rows[3]!, id: 5004, label: 'c' }); // the same vector under three labels
  // Ascending similarity to centroid 0 at the end: the best rows come last, so the running cuts rise late.
  const ramp = Array.from({ length: 400 }, (_, i) => ({
    id: 6000 + i,
    label: labels[i % 3]!,
    text: `ramp${i}`,
    vector: normalise(centroids[0]!.map((x, d) => x * (i / 400) + (d === 0 ? 1 : 0))),
  }));
  for (const order of [rows.concat(ramp), ramp.concat(rows), rows.concat(ramp).reverse()]) {
    const exact = buildExemplarIndex(labels, dim, order, { coarseMinRows: 0 });
    const coarse = buildExemplarIndex(labels, dim, order, { coarseMinRows: 1 });
    assert.ok(coarse.coarse);
    const queries = [
      centroids[0]!,
      near(centroids[1]!, 0.1),
      order[7]!.vector, // a row of the set: ties with its duplicates
      normalise(Float32Array.from({ length: dim }, gaussian)),
      new Float32Array(dim), // all bounds equal: every row ties
    ];
    for (const aggregation of ['max', 'mean', 'sum'] as const) {
      // k above the rare label's 2 rows; top above the whole set (every row is then a candidate); both 0.
      for (const [k, topExemplars] of [
        [1, 0],
        [3, 5],
        [7, 1],
        [0, 5],
        [0, 0],
        [2, 3000],
        [1000, 2],
      ] as const) {
        for (const query of queries) {
          const options = { k, aggregation, topExemplars };
          assert.deepEqual(
            scoreAxis(coarse, query, options, new Float32Array(coarse.size)),
            scoreAxis(exact, query, options),
            `k ${k} top ${topExemplars}`,
          );
        }
      }
    }
  }
});

test('a query the int8 pass cannot bound (not finite) is scored exactly', () => {
  const dim = 16;
  const next = random(5);
  const rows = Array.from({ length: 50 }, (_, i) => ({
    id: i + 1,
    label: i % 2 ? 'a' : 'b',
    text: `t${i}`,
    vector: Float32Array.from({ length: dim }, () => next() - 0.5),
  }));
  const exact = buildExemplarIndex(['a', 'b'], dim, rows, { coarseMinRows: 0 });
  const coarse = buildExemplarIndex(['a', 'b'], dim, rows, { coarseMinRows: 1 });
  for (const bad of [Number.NaN, Infinity]) {
    const query = Float32Array.from({ length: dim }, (_, d) => (d === 3 ? bad : 0.25));
    const options = { k: 3, aggregation: 'mean' as const, topExemplars: 4 };
    assert.deepEqual(scoreAxis(coarse, query, options), scoreAxis(exact, query, options));
  }
});

test('coarse-to-fine scoring keeps a row whose int8 rounding error is as large as the bound allows', () => {
  // Row U: every component rounds down by 0.49 of its int8 step, in the query's direction, so the int8 pass
  // underestimates it by almost the whole error bound. Row E: slightly lower true similarity, quantised without
  // error and with a tiny bound. Only a sound bound keeps U, the true best, as a candidate.
  const next = random(3);
  const dim = 64;
  const labels = ['a', 'b'];
  for (let trial = 0; trial < 20; trial++) {
    const query = Float32Array.from({ length: dim }, (_, d) => (d === 0 ? 0 : (next() < 0.5 ? -1 : 1) * (0.2 + next())));
    const norm = Math.hypot(...query);
    query.forEach((x, d) => (query[d] = x / norm));
    const sign = (d: number) => Math.sign(query[d]!);
    const u = Float32Array.from({ length: dim }, (_, d) => (d === 0 ? 127 / 128 : (sign(d) * 2.49) / 128));
    const e = Float32Array.from({ length: dim }, (_, d) => (d === 0 ? 0 : (sign(d) * (2.48 - 0.002 * (trial % 5))) / 128));
    const filler = Array.from({ length: 60 }, (_, i) => ({
      id: 100 + i,
      label: labels[i % 2]!,
      text: `f${i}`,
      vector: Float32Array.from({ length: dim }, () => (next() - 0.5) / 64),
    }));
    const rows = [
      ...filler.slice(0, 30),
      { id: 1, label: 'a', text: 'e', vector: e },
      ...filler.slice(30),
      { id: 2, label: 'a', text: 'u', vector: u },
    ];
    const exact = buildExemplarIndex(labels, dim, rows, { coarseMinRows: 0 });
    const coarse = buildExemplarIndex(labels, dim, rows, { coarseMinRows: 1 });
    for (const [k, topExemplars] of [
      [1, 1],
      [1, 0],
      [0, 1],
    ] as const) {
      const options = { k, aggregation: 'max' as const, topExemplars };
      const want = scoreAxis(exact, query, options);
      if (topExemplars > 0) assert.equal(want.top[0]!.id, 2, 'U is the true best');
      assert.deepEqual(
        scoreAxis(coarse, query, options, new Float32Array(coarse.size)),
        want,
        `trial ${trial} k ${k} top ${topExemplars}`,
      );
    }
  }
});

test('the distance-weighted vote scores each label by its share of the k nearest exemplars of any label', () => {
  const next = random(7);
  const labels = ['a', 'b', 'c', 'empty'];
  const dim = 6;
  const vector = () => {
    const v = Float32Array.from({ length: dim }, () => next() * 2 - 1);
    const n = Math.hypot(...v) || 1;
    return v.map((x) => x / n);
  };
  const rows = Array.from({ length: 120 }, (_, i) => ({ id: i + 1, label: labels[i % 3]!, text: `t${i}`, vector: vector() }));
  for (const coarseMinRows of [undefined, 1]) {
    const index = buildExemplarIndex(labels, dim, rows, coarseMinRows === undefined ? {} : { coarseMinRows });
    for (const [k, tau] of [
      [1, 0.05],
      [5, 0.02],
      [20, 0.05],
      [200, 0.1],
    ] as const) {
      for (let q = 0; q < 5; q++) {
        const query = vector();
        // Reference: every row's similarity, the k largest of any label, each voting exp(sim / tau).
        const sims = Array.from(similarities(index, query, new Float32Array(index.size)));
        const nearest = sims.map((sim, r) => ({ sim, label: index.labels[index.labelOfRow[r]!]! }));
        nearest.sort((x, y) => y.sim - x.sim);
        const votes = nearest.slice(0, k);
        const total = votes.reduce((sum, v) => sum + Math.exp(v.sim / tau), 0);
        const got = scoreAxis(index, query, { k, aggregation: 'mean', topExemplars: 0, vote_tau: tau });
        assert.deepEqual(Object.keys(got.scores).sort(), ['a', 'b', 'c'], 'a label without exemplars has no score');
        for (const label of ['a', 'b', 'c']) {
          const want = votes.filter((v) => v.label === label).reduce((sum, v) => sum + Math.exp(v.sim / tau) * v.sim, 0) / total;
          assert.ok(Math.abs(got.scores[label]! - want) < 1e-9, `${label} k ${k} tau ${tau}: ${got.scores[label]} vs ${want}`);
        }
      }
    }
  }
});
