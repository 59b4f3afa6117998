import { rmSync } from 'node:fs';
import { exemplarContentHash } from '../../src/routes-config/content-hash.js';
import { ExemplarStore, type ExemplarWrite } from '../../src/exemplars/store.js';
import { AXES, LABELS_BY_AXIS, type Axis } from '../../src/routes-config/schemas.js';
import { mulberry32 } from '../../src/seeded-random.js';

/** A small deterministic PRNG, so fixtures are the same from run to run. */
export const prng = mulberry32;

/** A random unit vector; a few shared directions make the similarity distribution less uniform than pure noise. */
export function unitVector(dim: number, random: () => number): Float32Array {
  const v = new Float32Array(dim);
  let norm = 0;
  for (let d = 0; d < dim; d++) {
    // Box-Muller
    const g = Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
    v[d] = g;
    norm += g * g;
  }
  norm = Math.sqrt(norm);
  for (let d = 0; d < dim; d++) v[d]! /= norm;
  return v;
}

export interface SyntheticExemplar {
  axis: Axis;
  label: string;
  text: string;
  vector: Float32Array;
}

/** `count` exemplars over both axes (a third tier, two thirds intent, like the shipped set), each with a unit vector. */
export function syntheticExemplars(count: number, dim: number, seed = 7): SyntheticExemplar[] {
  const random = prng(seed);
  const out: SyntheticExemplar[] = [];
  for (let i = 0; i < count; i++) {
    const axis: Axis = i % 3 === 0 ? AXES[0] : AXES[1];
    const labels = LABELS_BY_AXIS[axis];
    const label = labels[i % labels.length]!;
    out.push({ axis, label, text: `synthetic exemplar ${i} for ${label}`, vector: unitVector(dim, random) });
  }
  return out;
}

/**
 * A database holding `count` exemplars already embedded for `embedderId`, as a
 * service that has run before has it: booting on it re-embeds nothing.
 * The vectors are random (scoring cost depends on count and dimension only).
 */
export function writeFixtureDb(path: string, embedderId: string, dim: number, count: number): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  const store = ExemplarStore.open(path);
  try {
    const writes: ExemplarWrite[] = syntheticExemplars(count, dim).map((row) => ({
      axis: row.axis,
      label: row.label,
      text: row.text,
      lang: 'en',
      source: 'bench',
      contentHash: exemplarContentHash(row.axis, row.text),
      vector: row.vector,
    }));
    store.apply({ embedderId, writes, vectors: [], deleteIds: [] });
    store.db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    store.close();
  }
}
