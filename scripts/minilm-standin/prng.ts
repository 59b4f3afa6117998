/**
 * Seeded pseudo-random numbers for the stand-in weights.
 *
 * Math.random() cannot be seeded, and the whole point of the stand-in is that
 * the same seed gives byte-identical model files, so tests and benchmarks can
 * be compared run to run. Everything here is integer arithmetic on 32-bit
 * values plus Math.log/Math.cos/Math.sqrt; V8 implements the first two with
 * its own fdlibm port and sqrt is exactly rounded, so the output depends on
 * the seed only, not on the C library of the machine.
 */
import { mulberry32 as seededMulberry32 } from '../../src/seeded-random.js';

/** A source of uniform floats in [0, 1). */
export type UniformSource = () => number;

/**
 * FNV-1a over the UTF-16 code units of a string. Used to give every weight
 * tensor its own stream keyed by its name, so adding or reordering tensors in
 * the generator never shifts the values of the others.
 */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Mixes a global seed with a tensor name into one 32-bit stream seed. */
export function deriveSeed(seed: number, name: string): number {
  // A murmur3-style finaliser so that nearby seeds and similar names do not
  // produce correlated streams.
  let h = (seed ^ hashString(name)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * mulberry32 (src/seeded-random.ts): tiny, fast, and statistically good enough
 * for initialising a network (we need plausible noise, not cryptographic quality).
 */
export const mulberry32: (seed: number) => UniformSource = seededMulberry32;

/**
 * Fills `out` with N(0, std²) samples using the Box–Muller transform, which
 * yields two normals per pair of uniforms.
 */
export function fillNormal(out: Float32Array, std: number, uniform: UniformSource): void {
  for (let i = 0; i < out.length; i += 2) {
    // 1 - u keeps the argument of log in (0, 1], never log(0).
    const radius = Math.sqrt(-2 * Math.log(1 - uniform())) * std;
    const angle = 2 * Math.PI * uniform();
    out[i] = radius * Math.cos(angle);
    if (i + 1 < out.length) out[i + 1] = radius * Math.sin(angle);
  }
}
