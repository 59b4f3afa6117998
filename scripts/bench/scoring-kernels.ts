/**
 * node --import tsx scripts/bench/scoring-kernels.ts [rows=100000] [runs=3]
 * Is the int8 coarse pass bound by memory or by arithmetic? Variants of the WebAssembly SIMD dot kernel over the same
 * int8 matrix (384 dims), against a kernel that only loads the bytes (what memory allows); each variant's dots are
 * checked against plain JavaScript. Per call, min and p50 over `runs` x 50 calls.
 *
 * Variants: the shipped loop (src/scoring/int8-dot.ts: one row, i16x8.extend_low/high + i32x4.dot_i16x8_s);
 * 2 and 4 rows sharing each query load; v128.load8x8_s instead of load + extend; the dimension fully unrolled;
 * decoding the bytes with a mask and a shift instead of extends (the low byte stored biased by +128).
 */

import { get, i32const, I32, name, section, set, simd, tee, uleb, V128, vec } from '../../src/scoring/wasm-encoding.js';
import { mulberry32 } from '../../src/seeded-random.js';

const load = (offset: number) => simd(0x00, 0, ...uleb(offset));
const load8x8s = (offset: number) => simd(0x01, 0, ...uleb(offset));
const [ADD, SHL, MUL] = [0x6a, 0x74, 0x6c];
const ZERO = simd(0x0c, ...new Array<number>(16).fill(0));
const LOW_BYTES = simd(0x0c, ...Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? 0xff : 0)));
const EXT_LO = simd(0x87); // i16x8.extend_low_i8x16_s
const EXT_HI = simd(0x88); // i16x8.extend_high_i8x16_s
const DOT = simd(0xba); // i32x4.dot_i16x8_s
const IADD = simd(0xae); // i32x4.add
const OR = simd(0x50); // v128.or
const AND = simd(0x4e); // v128.and
const SHR_S16 = simd(0x8c); // i16x8.shr_s
const DIM = 384;
// params: q m rows dimPad out; locals: r d p (i32), a mask acc0.. (v128)
const [Q, M, ROWS, DIMPAD, OUT, R, D, P, A, MASK, ACC] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

type Step = 'load' | 'extend' | 'load8x8' | 'mask';
/** `block` rows per pass over the query; the dimension in a loop of 16 bytes, or fully unrolled. */
function kernel(step: Step, block: number, unrolled = false): number[] {
  const body: number[] = [...LOW_BYTES, ...set(MASK), 0x02, 0x40, 0x03, 0x40, ...get(R), ...get(ROWS), 0x4f, 0x0d, 1];
  for (let b = 0; b < block; b++) body.push(...ZERO, ...set(ACC + b));
  // One 16-byte chunk of each row at matrix address `p` + offset, query address `q` + 2 * offset.
  const chunk = (p: number[], q: number[], offset: number) => {
    for (let b = 0; b < block; b++) {
      const at = b * DIM + offset;
      const acc = ACC + b;
      if (step === 'load') body.push(...get(acc), ...p, ...load(at), ...OR, ...set(acc));
      else if (step === 'load8x8')
        body.push(
          ...get(acc),
          ...p,
          ...load8x8s(at),
          ...q,
          ...load(2 * offset),
          ...DOT,
          ...IADD,
          ...p,
          ...load8x8s(at + 8),
          ...q,
          ...load(2 * offset + 16),
          ...DOT,
          ...IADD,
          ...set(acc),
        );
      else if (step === 'extend')
        body.push(
          ...p,
          ...load(at),
          ...tee(A),
          ...EXT_LO,
          ...q,
          ...load(2 * offset),
          ...DOT,
          ...get(acc),
          ...IADD,
          ...get(A),
          ...EXT_HI,
          ...q,
          ...load(2 * offset + 16),
          ...DOT,
          ...IADD,
          ...set(acc),
        );
      // mask: low bytes (stored +128) & 0x00ff against the even query elements, high bytes >> 8 against the odd ones
      else
        body.push(
          ...p,
          ...load(at),
          ...tee(A),
          ...get(MASK),
          ...AND,
          ...q,
          ...load(2 * offset),
          ...DOT,
          ...get(A),
          ...i32const(8),
          ...SHR_S16,
          ...q,
          ...load(2 * offset + 16),
          ...DOT,
          ...IADD,
          ...get(acc),
          ...IADD,
          ...set(acc),
        );
    }
  };
  if (unrolled) {
    for (let offset = 0; offset < DIM; offset += 16) chunk(get(M), get(Q), offset);
  } else {
    body.push(...get(M), ...set(P), ...get(Q), ...set(D), 0x03, 0x40);
    chunk(get(P), get(D), 0);
    body.push(...get(P), ...i32const(16), ADD, ...set(P), ...get(D), ...i32const(32), ADD, ...tee(D));
    body.push(...get(Q), ...get(DIMPAD), ...i32const(1), SHL, ADD, 0x49, 0x0d, 0, 0x0b);
  }
  for (let b = 0; b < block; b++) {
    const acc = ACC + b;
    body.push(...get(OUT), ...get(R), ...i32const(2), SHL, ADD);
    body.push(
      ...get(acc),
      ...simd(0x1b, 0),
      ...get(acc),
      ...simd(0x1b, 1),
      ADD,
      ...get(acc),
      ...simd(0x1b, 2),
      ADD,
      ...get(acc),
      ...simd(0x1b, 3),
      ADD,
    );
    body.push(0x36, 2, ...uleb(b * 4));
  }
  body.push(
    ...get(M),
    ...get(DIMPAD),
    ...i32const(block),
    MUL,
    ADD,
    ...set(M),
    ...get(R),
    ...i32const(block),
    ADD,
    ...set(R),
    0x0c,
    0,
    0x0b,
    0x0b,
    0x0b,
  );
  return [
    ...vec([
      [3, I32],
      [2 + block, V128],
    ]),
    ...body,
  ];
}

const variants: Record<string, { code: number[]; layout: 'plain' | 'biased' | 'none' }> = {
  'load only, 1 row': { code: kernel('load', 1), layout: 'none' },
  'load only, 4 rows': { code: kernel('load', 4), layout: 'none' },
  'shipped: extend, 1 row': { code: kernel('extend', 1), layout: 'plain' },
  'extend, 2 rows': { code: kernel('extend', 2), layout: 'plain' },
  'extend, 4 rows': { code: kernel('extend', 4), layout: 'plain' },
  'load8x8_s, 1 row': { code: kernel('load8x8', 1), layout: 'plain' },
  'load8x8_s, 2 rows': { code: kernel('load8x8', 2), layout: 'plain' },
  'extend, unrolled, 1 row': { code: kernel('extend', 1, true), layout: 'plain' },
  'extend, unrolled, 4 rows': { code: kernel('extend', 4, true), layout: 'plain' },
  'mask + shift, 1 row': { code: kernel('mask', 1), layout: 'biased' },
};
const names = Object.keys(variants);
const wasm = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32]]), 0]])),
  ...section(3, vec(names.map(() => [0]))),
  ...section(5, vec([[0x00, 1]])),
  ...section(7, vec([[...name('mem'), 0x02, 0], ...names.map((n, i) => [...name(`f${i}`), 0x00, i])])),
  ...section(10, vec(names.map((n) => [...uleb(variants[n]!.code.length), ...variants[n]!.code]))),
]);

/** The little of the WebAssembly API used here (the compiler's lib and @types/node do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const rows = Number(process.argv[2] ?? 100_000);
const runs = Number(process.argv[3] ?? 3);
const instance = new WebAssembly.Instance(new WebAssembly.Module(wasm), {});
const memory = instance.exports.mem as { buffer: ArrayBuffer; grow(pages: number): number };
// [query x 384 i16][query, even/odd per 16][out i32 x rows][matrix][matrix, low bytes biased]
const at = { query: 0, queryEvenOdd: 1024, out: 2048, matrix: 2048 + rows * 4, biased: 2048 + rows * 4 + rows * DIM };
memory.grow(Math.ceil((at.biased + rows * DIM) / 65_536));
const matrix = new Int8Array(memory.buffer, at.matrix, rows * DIM);
const biased = new Int8Array(memory.buffer, at.biased, rows * DIM);
const next = mulberry32(1);
for (let i = 0; i < matrix.length; i++) {
  matrix[i] = Math.round(next() * 254 - 127);
  biased[i] = i % 2 === 0 ? ((matrix[i]! + 128) << 24) >> 24 : matrix[i]!;
}
const query = new Int16Array(memory.buffer, at.query, DIM);
const queryEvenOdd = new Int16Array(memory.buffer, at.queryEvenOdd, DIM);
let evenSum = 0;
for (let d = 0; d < DIM; d++) query[d] = Math.round(next() * 65_534 - 32_767);
for (let c = 0; c < DIM; c += 16) {
  for (let j = 0; j < 8; j++) {
    queryEvenOdd[c + j] = query[c + 2 * j]!;
    queryEvenOdd[c + 8 + j] = query[c + 2 * j + 1]!;
    evenSum += query[c + 2 * j]!;
  }
}
const out = new Int32Array(memory.buffer, at.out, rows);
const want = new Int32Array(rows);
for (let r = 0; r < rows; r++) {
  let sum = 0;
  for (let d = 0; d < DIM; d++) sum += matrix[r * DIM + d]! * query[d]!;
  want[r] = sum;
}

const samples: Record<string, number[]> = {};
for (let run = 0; run < runs; run++) {
  names.forEach((n, i) => {
    const fn = instance.exports[`f${i}`] as (q: number, m: number, rows: number, dimPad: number, out: number) => void;
    const { layout } = variants[n]!;
    const args = [
      layout === 'biased' ? at.queryEvenOdd : at.query,
      layout === 'biased' ? at.biased : at.matrix,
      rows,
      DIM,
      at.out,
    ] as const;
    if (run === 0 && layout !== 'none') {
      out.fill(0);
      fn(...args);
      // mask + shift sees the low bytes +128: its sums carry 128 x the even query elements, removed here.
      for (let r = 0; r < rows; r++) {
        const got = layout === 'biased' ? out[r]! - 128 * evenSum : out[r]!;
        if (got !== want[r]) throw new Error(`${n}: row ${r} gives ${got}, expected ${want[r]}`);
      }
    }
    for (let i = 0; i < 10; i++) fn(...args);
    for (let i = 0; i < 50; i++) {
      const started = performance.now();
      fn(...args);
      (samples[n] ??= []).push(performance.now() - started);
    }
  });
}
console.log(`${rows} rows x ${DIM} int8 (${((rows * DIM) / 1e6).toFixed(1)} MB per call), ${runs} x 50 calls each`);
console.log('| kernel | min ms | p50 ms | GB/s at min |');
console.log('|--------|--------|--------|-------------|');
for (const n of names) {
  const sorted = samples[n]!.sort((x, y) => x - y);
  const min = sorted[0]!;
  console.log(
    `| ${n} | ${min.toFixed(3)} | ${sorted[sorted.length >> 1]!.toFixed(3)} | ${((rows * DIM) / min / 1e6).toFixed(1)} |`,
  );
}
