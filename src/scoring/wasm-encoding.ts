/**
 * Just enough of the WebAssembly binary format to write a kernel by hand
 * (no toolchain at build or run time): LEB128, sections, vectors, names and
 * the handful of instruction encodings the int8 kernels use. Shared by
 * int8-dot.ts and the kernel experiments in scripts/bench/scoring-kernels.ts.
 */

export const uleb = (value: number): number[] => {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
};
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
export const name = (text: string): number[] => [...uleb(text.length), ...[...text].map((c) => c.charCodeAt(0))];

export const I32 = 0x7f;
export const V128 = 0x7b;
export const get = (i: number) => [0x20, i];
export const set = (i: number) => [0x21, i];
export const tee = (i: number) => [0x22, i];
/** Small non-negative values only (sleb == uleb below 64). */
export const i32const = (v: number) => [0x41, ...uleb(v)];
export const simd = (op: number, ...rest: number[]) => [0xfd, ...uleb(op), ...rest];
