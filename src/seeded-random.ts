/**
 * mulberry32: a tiny seeded generator of uniforms in [0, 1). Wherever the
 * project needs randomness that must come out the same on every run (subset
 * selection, the stand-in model's weights, bench fixtures, replayable hostile
 * tests); statistically fine for that, not for anything secret.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
