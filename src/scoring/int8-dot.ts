/**
 * Int8 x int16 dot products of one query with every row of a matrix, in
 * WebAssembly SIMD (i32x4.dot_i16x8_s): the coarse pass of coarse-to-fine
 * scoring (see coarse-index.ts). The module is assembled here, byte by byte,
 * so there is no build step and no toolchain. Rows are int8, padded to a
 * multiple of 16; the query is int16, padded the same; sums are exact int32.
 *
 *   (func $dots (param $q i32) (param $m i32) (param $rows i32) (param $dimPad i32) (param $out i32)
 *     for r in 0..rows: out[r] = sum_d m[r*dimPad + d] * q[d]
 */

const uleb = (value: number): number[] => {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
};
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (text: string): number[] => [...uleb(text.length), ...[...text].map((c) => c.charCodeAt(0))];

const I32 = 0x7f;
const V128 = 0x7b;
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const tee = (i: number) => [0x22, i];
const i32const = (v: number) => [0x41, ...uleb(v)]; // small non-negative values only (sleb == uleb below 64)
const simd = (op: number, ...rest: number[]) => [0xfd, ...uleb(op), ...rest];
const v128load = (offset: number) => simd(0x00, 0, ...uleb(offset));
const [Q, M, ROWS, DIMPAD, OUT, R, D, ACC, A] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const I32_ADD = 0x6a;
const I32_SHL = 0x74;

const body = [
  ...[0x02, 0x40], // block $exit
  ...[0x03, 0x40], //   loop $row
  ...get(R), ...get(ROWS), 0x4f /* i32.ge_u */, 0x0d, 1 /* br_if $exit */,
  ...simd(0x0c, ...new Array<number>(16).fill(0)), ...set(ACC),
  ...i32const(0), ...set(D),
  ...[0x03, 0x40], //     loop $dim
  ...get(M), ...get(D), I32_ADD, ...v128load(0), ...set(A),
  ...get(ACC),
  ...get(A), ...simd(0x87) /* i16x8.extend_low_i8x16_s */,
  ...get(Q), ...get(D), ...i32const(1), I32_SHL, I32_ADD, ...v128load(0),
  ...simd(0xba) /* i32x4.dot_i16x8_s */, ...simd(0xae) /* i32x4.add */,
  ...get(A), ...simd(0x88) /* i16x8.extend_high_i8x16_s */,
  ...get(Q), ...get(D), ...i32const(1), I32_SHL, I32_ADD, ...v128load(16),
  ...simd(0xba), ...simd(0xae),
  ...set(ACC),
  ...get(D), ...i32const(16), I32_ADD, ...tee(D), ...get(DIMPAD), 0x49 /* i32.lt_u */, 0x0d, 0 /* br_if $dim */,
  0x0b, //     end
  ...get(OUT), ...get(R), ...i32const(2), I32_SHL, I32_ADD,
  ...get(ACC), ...simd(0x1b, 0),
  ...get(ACC), ...simd(0x1b, 1), I32_ADD,
  ...get(ACC), ...simd(0x1b, 2), I32_ADD,
  ...get(ACC), ...simd(0x1b, 3), I32_ADD,
  0x36, 2, 0, // i32.store align=4 offset=0
  ...get(M), ...get(DIMPAD), I32_ADD, ...set(M),
  ...get(R), ...i32const(1), I32_ADD, ...set(R),
  0x0c, 0, // br $row
  0x0b, //   end
  0x0b, // end
  0x0b, // end of function
];
const locals = vec([
  [2, I32],
  [2, V128],
]);
const code = [...locals, ...body];

const WASM = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32]]), 0]])),
  ...section(3, vec([[0]])),
  ...section(5, vec([[0x00, 1]])),
  ...section(7, vec([[...name('mem'), 0x02, 0], [...name('dots'), 0x00, 0]])),
  ...section(10, vec([[...uleb(code.length), ...code]])),
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

/** One instance: its own memory laid out as [query int16 x dimPad][out int32 x rows][matrix int8 x rows x dimPad]. */
export class Int8DotKernel {
  readonly dimPad: number;
  readonly query: Int16Array;
  readonly out: Int32Array;
  readonly matrix: Int8Array;
  private readonly dots: (q: number, m: number, rows: number, dimPad: number, out: number) => void;
  private readonly offsets: { query: number; out: number; matrix: number };

  constructor(module: WasmModule, readonly rows: number, dim: number) {
    this.dimPad = Math.ceil(dim / 16) * 16;
    const instance = new WebAssembly.Instance(module, {});
    const memory = instance.exports.mem as WasmMemory;
    const query = 0;
    const out = this.dimPad * 2;
    const matrix = out + rows * 4;
    const bytes = matrix + rows * this.dimPad;
    const pages = Math.ceil(bytes / 65_536);
    if (pages > memory.buffer.byteLength / 65_536) memory.grow(pages - memory.buffer.byteLength / 65_536);
    this.query = new Int16Array(memory.buffer, query, this.dimPad);
    this.out = new Int32Array(memory.buffer, out, rows);
    this.matrix = new Int8Array(memory.buffer, matrix, rows * this.dimPad);
    this.offsets = { query, out, matrix };
    this.dots = instance.exports.dots as Int8DotKernel['dots'];
  }

  /** Fills `out` with the dot product of `query` and every matrix row. */
  run(): Int32Array {
    this.dots(this.offsets.query, this.offsets.matrix, this.rows, this.dimPad, this.offsets.out);
    return this.out;
  }
}
