import { get, i32const, I32, name, section, set, simd, tee, uleb, V128, vec } from './wasm-encoding.js';

/**
 * Int8 x int16 dot products of one query with every row of a matrix, in
 * WebAssembly SIMD (i32x4.dot_i16x8_s): the coarse pass of coarse-to-fine
 * scoring (see coarse-index.ts). The module is assembled here, byte by byte,
 * so there is no build step and no toolchain. Rows are int8, padded to a
 * multiple of 16; the query is int16, padded the same; sums are exact int32.
 *
 *   (func $dots (param $q i32) (param $m i32) (param $rows i32) (param $dimPad i32) (param $out i32)
 *     for r in 0..rows: out[r] = sum_d m[r*dimPad + d] * q[d]
 *
 *   (func $scan (param $q $m $dimPad $scale $l1 $label $cut $hitRow $hitUpper $hitLower $from $to $cap i32)
 *               (param $sq $a $b $slack f64) (result i32)
 *     for r in from..to, each row's dot as above, then in f64:
 *       approx = dot * sq * scale[r];  error = scale[r] * a + b * l1[r] + slack
 *       unless approx + error < cut[label[r]]: append (r, approx + error, approx - error) to the hits
 *     returns the number of hits, stopping after `cap` of them
 *
 * `scan` is the whole per-row part of the coarse pass: the caller sees only the
 * rows whose upper bound reaches their label's current cut, and raises the cuts
 * between calls. The dot loop is at its throughput bound on x64 (~2 vector-ALU
 * cycles per 16 matrix bytes, ~15 GB/s, against ~25 GB/s to only load the
 * bytes): two or four rows per query load, load8x8_s, a fully unrolled
 * dimension and shift/mask decoding measured at most ~7% faster, not enough
 * for their extra layout (scripts/bench/scoring-kernels.ts, docs/performance.md).
 */

const F64 = 0x7c;
const v128load = (offset: number) => simd(0x00, 0, ...uleb(offset));
const I32_ADD = 0x6a;
const I32_SHL = 0x74;
const I32_EQ = 0x46;
const I32_EQZ = 0x45;
const I32_GE_U = 0x4f;
const I32_LT_U = 0x49;
const F64_ADD = 0xa0;
const F64_SUB = 0xa1;
const F64_MUL = 0xa2;
const F64_LT = 0x63;
const F64_CONVERT_I32_S = 0xb7;
const f64load = [0x2b, 3, 0];
const f64store = [0x39, 3, 0];
const i32store = [0x36, 2, 0];
const i32load16u = [0x2f, 1, 0];
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const IF = [0x04, 0x40];
const END = 0x0b;
const index = (base: number, i: number, shift: number) => [...get(base), ...get(i), ...i32const(shift), I32_SHL, I32_ADD];

/**
 * The dot product of the row at local `m` with the query at local `q`, left as
 * an i32 on the stack. Locals `d` (i32), `acc` and `a` (v128) are scratch.
 */
function rowDot(q: number, m: number, dimPad: number, d: number, acc: number, a: number): number[] {
  return [
    ...simd(0x0c, ...new Array<number>(16).fill(0)),
    ...set(acc),
    ...i32const(0),
    ...set(d),
    ...LOOP,
    ...get(m),
    ...get(d),
    I32_ADD,
    ...v128load(0),
    ...set(a),
    ...get(acc),
    ...get(a),
    ...simd(0x87) /* i16x8.extend_low_i8x16_s */,
    ...get(q),
    ...get(d),
    ...i32const(1),
    I32_SHL,
    I32_ADD,
    ...v128load(0),
    ...simd(0xba) /* i32x4.dot_i16x8_s */,
    ...simd(0xae) /* i32x4.add */,
    ...get(a),
    ...simd(0x88) /* i16x8.extend_high_i8x16_s */,
    ...get(q),
    ...get(d),
    ...i32const(1),
    I32_SHL,
    I32_ADD,
    ...v128load(16),
    ...simd(0xba),
    ...simd(0xae),
    ...set(acc),
    ...get(d),
    ...i32const(16),
    I32_ADD,
    ...tee(d),
    ...get(dimPad),
    I32_LT_U,
    0x0d,
    0 /* br_if loop */,
    END,
    ...get(acc),
    ...simd(0x1b, 0),
    ...get(acc),
    ...simd(0x1b, 1),
    I32_ADD,
    ...get(acc),
    ...simd(0x1b, 2),
    I32_ADD,
    ...get(acc),
    ...simd(0x1b, 3),
    I32_ADD,
  ];
}

const dotsCode = (() => {
  const [Q, M, ROWS, DIMPAD, OUT, R, D, ACC, A] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const body = [
    ...BLOCK,
    ...LOOP,
    ...get(R),
    ...get(ROWS),
    I32_GE_U,
    0x0d,
    1 /* br_if exit */,
    ...index(OUT, R, 2),
    ...rowDot(Q, M, DIMPAD, D, ACC, A),
    ...i32store,
    ...get(M),
    ...get(DIMPAD),
    I32_ADD,
    ...set(M),
    ...get(R),
    ...i32const(1),
    I32_ADD,
    ...set(R),
    0x0c,
    0 /* br loop */,
    END,
    END,
    END,
  ];
  return [
    ...vec([
      [2, I32],
      [2, V128],
    ]),
    ...body,
  ];
})();

const scanCode = (() => {
  const [Q, M, DIMPAD, SCALE, L1, LABEL, CUT, HIT_ROW, HIT_UPPER, HIT_LOWER, FROM, TO, CAP] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
  ];
  const [SQ, A, B, SLACK] = [13, 14, 15, 16];
  const [R, D, P, N] = [17, 18, 19, 20];
  const [S, APPROX, ERROR, UP] = [21, 22, 23, 24];
  const [ACC, X] = [25, 26];
  const body = [
    ...get(FROM),
    ...set(R),
    // P = M + FROM * DIMPAD
    ...get(M),
    ...get(FROM),
    ...get(DIMPAD),
    0x6c /* i32.mul */,
    I32_ADD,
    ...set(P),
    ...BLOCK,
    ...LOOP,
    ...get(R),
    ...get(TO),
    I32_GE_U,
    0x0d,
    1 /* br_if exit */,
    ...index(SCALE, R, 3),
    ...f64load,
    ...set(S),
    ...rowDot(Q, P, DIMPAD, D, ACC, X),
    F64_CONVERT_I32_S,
    ...get(SQ),
    F64_MUL,
    ...get(S),
    F64_MUL,
    ...set(APPROX),
    ...get(S),
    ...get(A),
    F64_MUL,
    ...get(B),
    ...index(L1, R, 3),
    ...f64load,
    F64_MUL,
    F64_ADD,
    ...get(SLACK),
    F64_ADD,
    ...set(ERROR),
    ...get(APPROX),
    ...get(ERROR),
    F64_ADD,
    ...tee(UP),
    ...get(CUT),
    ...index(LABEL, R, 1),
    ...i32load16u,
    ...i32const(3),
    I32_SHL,
    I32_ADD,
    ...f64load,
    F64_LT,
    I32_EQZ,
    ...IF,
    ...index(HIT_ROW, N, 2),
    ...get(R),
    ...i32store,
    ...index(HIT_UPPER, N, 3),
    ...get(UP),
    ...f64store,
    ...index(HIT_LOWER, N, 3),
    ...get(APPROX),
    ...get(ERROR),
    F64_SUB,
    ...f64store,
    ...get(N),
    ...i32const(1),
    I32_ADD,
    ...tee(N),
    ...get(CAP),
    I32_EQ,
    ...IF,
    ...get(N),
    0x0f /* return */,
    END,
    END,
    ...get(P),
    ...get(DIMPAD),
    I32_ADD,
    ...set(P),
    ...get(R),
    ...i32const(1),
    I32_ADD,
    ...set(R),
    0x0c,
    0 /* br loop */,
    END,
    END,
    ...get(N),
    END,
  ];
  return [
    ...vec([
      [4, I32],
      [4, F64],
      [2, V128],
    ]),
    ...body,
  ];
})();

const WASM = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(
    1,
    vec([
      [0x60, ...vec([[I32], [I32], [I32], [I32], [I32]]), 0],
      [0x60, ...vec([...new Array<number[]>(13).fill([I32]), ...new Array<number[]>(4).fill([F64])]), ...vec([[I32]])],
    ]),
  ),
  ...section(3, vec([[0], [1]])),
  ...section(5, vec([[0x00, 1]])),
  ...section(
    7,
    vec([
      [...name('mem'), 0x02, 0],
      [...name('dots'), 0x00, 0],
      [...name('scan'), 0x00, 1],
    ]),
  ),
  ...section(
    10,
    vec([
      [...uleb(dotsCode.length), ...dotsCode],
      [...uleb(scanCode.length), ...scanCode],
    ]),
  ),
]);

/** The little of the WebAssembly API used here (the compiler's lib and @types/node do not declare it). */
interface WasmModule {
  readonly __wasmModule: never;
}
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: Record<string, unknown> };
}
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: WasmModule | null | undefined;

/** The compiled module, or null where WebAssembly SIMD is unavailable (callers then score exactly in JavaScript). */
export function int8DotModule(): WasmModule | null {
  if (compiled === undefined) compiled = WebAssembly.validate(WASM) ? new WebAssembly.Module(WASM) : null;
  return compiled;
}

/** Hits one scan call returns at most: the caller raises the cuts between calls. */
export const SCAN_CAPACITY = 256;

type ScanFn = (...args: number[]) => number;

/**
 * One instance, with its own memory holding the query, the int8 matrix, and
 * per row its scale, L1 norm and label; the cut per label; the hit lists.
 */
export class Int8DotKernel {
  readonly dimPad: number;
  readonly query: Int16Array;
  readonly out: Int32Array;
  readonly matrix: Int8Array;
  /** Per row: quantisation scale, L1 norm of the dequantised row, label. Filled by the caller. */
  readonly scale: Float64Array;
  readonly l1: Float64Array;
  readonly label: Uint16Array;
  /** Per label: rows whose upper bound is below it are not hits. */
  readonly cut: Float64Array;
  readonly hitRow: Int32Array;
  readonly hitUpper: Float64Array;
  readonly hitLower: Float64Array;
  private readonly dots: (q: number, m: number, rows: number, dimPad: number, out: number) => void;
  private readonly scanFn: ScanFn;
  private readonly at: Record<
    'query' | 'out' | 'matrix' | 'scale' | 'l1' | 'label' | 'cut' | 'hitRow' | 'hitUpper' | 'hitLower',
    number
  >;

  constructor(
    module: WasmModule,
    readonly rows: number,
    dim: number,
    labelCount: number,
  ) {
    this.dimPad = Math.ceil(dim / 16) * 16;
    const instance = new WebAssembly.Instance(module, {});
    const memory = instance.exports.mem as WasmMemory;
    let bytes = 0;
    const take = (size: number) => {
      const offset = bytes;
      bytes += Math.ceil(size / 16) * 16;
      return offset;
    };
    this.at = {
      query: take(this.dimPad * 2),
      out: take(rows * 4),
      scale: take(rows * 8),
      l1: take(rows * 8),
      label: take(rows * 2),
      cut: take(labelCount * 8),
      hitRow: take(SCAN_CAPACITY * 4),
      hitUpper: take(SCAN_CAPACITY * 8),
      hitLower: take(SCAN_CAPACITY * 8),
      matrix: take(rows * this.dimPad),
    };
    const pages = Math.ceil(bytes / 65_536);
    if (pages > memory.buffer.byteLength / 65_536) memory.grow(pages - memory.buffer.byteLength / 65_536);
    const { buffer } = memory;
    this.query = new Int16Array(buffer, this.at.query, this.dimPad);
    this.out = new Int32Array(buffer, this.at.out, rows);
    this.matrix = new Int8Array(buffer, this.at.matrix, rows * this.dimPad);
    this.scale = new Float64Array(buffer, this.at.scale, rows);
    this.l1 = new Float64Array(buffer, this.at.l1, rows);
    this.label = new Uint16Array(buffer, this.at.label, rows);
    this.cut = new Float64Array(buffer, this.at.cut, labelCount);
    this.hitRow = new Int32Array(buffer, this.at.hitRow, SCAN_CAPACITY);
    this.hitUpper = new Float64Array(buffer, this.at.hitUpper, SCAN_CAPACITY);
    this.hitLower = new Float64Array(buffer, this.at.hitLower, SCAN_CAPACITY);
    this.dots = instance.exports.dots as Int8DotKernel['dots'];
    this.scanFn = instance.exports.scan as ScanFn;
  }

  /** Fills `out` with the dot product of `query` and every matrix row. */
  run(): Int32Array {
    this.dots(this.at.query, this.at.matrix, this.rows, this.dimPad, this.at.out);
    return this.out;
  }

  /**
   * Rows from `from` on whose upper bound (see the module comment) is not below
   * their label's `cut`, into hitRow/hitUpper/hitLower; returns how many, at
   * most SCAN_CAPACITY. Fewer than that means every row up to the end was seen.
   */
  scan(from: number, sq: number, a: number, b: number, slack: number): number {
    const { at } = this;
    return this.scanFn(
      at.query,
      at.matrix,
      this.dimPad,
      at.scale,
      at.l1,
      at.label,
      at.cut,
      at.hitRow,
      at.hitUpper,
      at.hitLower,
      from,
      this.rows,
      SCAN_CAPACITY,
      sq,
      a,
      b,
      slack,
    );
  }
}
