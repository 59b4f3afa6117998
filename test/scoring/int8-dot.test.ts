import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../../src/seeded-random.js';
import { Int8DotKernel, int8DotModule, SCAN_CAPACITY } from '../../src/scoring/int8-dot.js';

const random = mulberry32;

/** A kernel over `rows` random rows (int8 in -127..127, extremes included), a random int16 query and per-row metadata. */
function setup(rows: number, dim: number, labelCount: number, seed: number) {
  const module = int8DotModule();
  assert.ok(module, 'WebAssembly SIMD is available on Node 20');
  const next = random(seed);
  const kernel = new Int8DotKernel(module, rows, dim, labelCount);
  const pick = (values: number[], otherwise: () => number) =>
    next() < 0.2 ? values[Math.floor(next() * values.length)]! : otherwise();
  for (let r = 0; r < rows; r++) {
    for (let d = 0; d < dim; d++)
      kernel.matrix[r * kernel.dimPad + d] = pick([-127, 127, 0], () => Math.round(next() * 254 - 127));
    kernel.scale[r] = (0.5 + next()) / 127;
    kernel.l1[r] = next() * 20;
    kernel.label[r] = Math.floor(next() * labelCount);
  }
  for (let d = 0; d < dim; d++) kernel.query[d] = pick([-32_767, 32_767, 0], () => Math.round(next() * 65_534 - 32_767));
  const dot = (r: number) => {
    let sum = 0;
    for (let d = 0; d < dim; d++) sum += kernel.matrix[r * kernel.dimPad + d]! * kernel.query[d]!;
    return sum;
  };
  return { kernel, dot, next };
}

test('the int8 kernel computes every row dot product exactly, odd dimensions and extreme values included', () => {
  for (const [rows, dim] of [
    [1, 1],
    [3, 16],
    [17, 33],
    [200, 384],
    [64, 385],
  ] as const) {
    const { kernel, dot } = setup(rows, dim, 3, rows * 1000 + dim);
    const out = kernel.run();
    for (let r = 0; r < rows; r++) assert.equal(out[r], dot(r), `rows ${rows} dim ${dim} row ${r}`);
  }
  // The largest sums an int8 x int16 row can reach stay exact in int32.
  const { kernel } = setup(2, 384, 1, 1);
  kernel.matrix.fill(127, 0, 384);
  kernel.matrix.fill(-127, 384, 768);
  kernel.query.fill(32_767);
  assert.deepEqual([...kernel.run()], [384 * 127 * 32_767, -384 * 127 * 32_767]);
});

test('scan returns exactly the rows whose bound reaches their label cut, in row order, in batches of at most its capacity', () => {
  const dim = 40;
  const rows = 3 * SCAN_CAPACITY + 17;
  const labelCount = 4;
  const { kernel, dot, next } = setup(rows, dim, labelCount, 99);
  const [sq, a, b, slack] = [1 / 32_767, 3.5, 1 / 65_534, 1e-6];
  const bounds = (r: number) => {
    const s = kernel.scale[r]!;
    const approx = dot(r) * sq * s;
    const error = s * a + b * kernel.l1[r]! + slack;
    return { upper: approx + error, lower: approx - error };
  };
  const sorted = Array.from({ length: rows }, (_, r) => bounds(r).upper).sort((x, y) => x - y);
  const cutSets = [
    new Array<number>(labelCount).fill(-Infinity), // every row: several full batches
    new Array<number>(labelCount).fill(Infinity), // none
    Array.from({ length: labelCount }, () => sorted[Math.floor(next() * rows)]!), // some, ties with the cut included
    [sorted[0]!, Infinity, sorted[rows - 1]!, sorted[rows >> 1]!],
  ];
  for (const cuts of cutSets) {
    kernel.cut.set(cuts);
    const want = Array.from({ length: rows }, (_, r) => r).filter((r) => !(bounds(r).upper < cuts[kernel.label[r]!]!));
    const got: { row: number; upper: number; lower: number }[] = [];
    for (let from = 0; from < rows;) {
      const hits = kernel.scan(from, sq, a, b, slack);
      assert.ok(hits <= SCAN_CAPACITY);
      for (let i = 0; i < hits; i++) got.push({ row: kernel.hitRow[i]!, upper: kernel.hitUpper[i]!, lower: kernel.hitLower[i]! });
      from = hits < SCAN_CAPACITY ? rows : kernel.hitRow[hits - 1]! + 1;
    }
    assert.deepEqual(
      got,
      want.map((row) => ({ row, ...bounds(row) })),
      `cuts ${cuts.join(',')}`,
    );
  }
});
