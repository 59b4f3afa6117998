/**
 * Farthest-point sampling: start from the row nearest the label's centroid,
 * then repeatedly add the row least similar to everything chosen so far, so a
 * few hundred exemplars cover the spread of a much larger labelled file. Pure.
 * Returns indexes into `vectors` (L2-normalised), at most `count`.
 */
export function farthestPointSample(vectors: readonly Float32Array[], count: number): number[] {
  if (vectors.length <= count) return vectors.map((_, i) => i);
  const dim = vectors[0]!.length;
  const centroid = new Float32Array(dim);
  for (const v of vectors) for (let d = 0; d < dim; d++) centroid[d]! += v[d]!;
  const dot = (a: Float32Array, b: Float32Array) => {
    let s = 0;
    for (let d = 0; d < dim; d++) s += a[d]! * b[d]!;
    return s;
  };
  let first = 0;
  vectors.forEach((v, i) => {
    if (dot(v, centroid) > dot(vectors[first]!, centroid)) first = i;
  });
  const chosen = [first];
  const nearest = vectors.map((v) => dot(v, vectors[first]!));
  while (chosen.length < count) {
    let pick = -1;
    nearest.forEach((sim, i) => {
      if (!chosen.includes(i) && (pick < 0 || sim < nearest[pick]!)) pick = i;
    });
    chosen.push(pick);
    vectors.forEach((v, i) => {
      nearest[i] = Math.max(nearest[i]!, dot(v, vectors[pick]!));
    });
  }
  return chosen;
}

/** Splits `total` over groups in proportion to their sizes, at least one each (largest remainders). */
export function proportionalQuotas(sizes: Record<string, number>, total: number): Record<string, number> {
  const entries = Object.entries(sizes);
  const all = entries.reduce((s, [, n]) => s + n, 0);
  if (all <= total) return Object.fromEntries(entries);
  const raw = entries.map(([key, n]) => ({ key, n, exact: (n / all) * total }));
  const quotas = raw.map((r) => ({ ...r, q: Math.min(r.n, Math.max(1, Math.floor(r.exact))) }));
  let left = total - quotas.reduce((s, r) => s + r.q, 0);
  for (const r of [...quotas].sort((a, b) => b.exact - Math.floor(b.exact) - (a.exact - Math.floor(a.exact)))) {
    if (left <= 0) break;
    if (r.q < r.n) {
      r.q++;
      left--;
    }
  }
  return Object.fromEntries(quotas.map((r) => [r.key, r.q]));
}
