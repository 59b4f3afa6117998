/**
 * Which model an embedder really is. A file hash only recognises the exact
 * bytes someone measured; the same all-MiniLM-L6-v2 arrives as the Hub's q8
 * export, its fp32 export or our own import, all with different bytes. So a
 * model is known by its name plus a behaviour check: a few sentences embedded
 * at load must come out as the committed sentence-transformers vectors
 * (routes-data/model-identity/<name>.json). Calibration keys on the name only
 * when the check passed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export type IdentityCheck = 'passed' | 'failed' | 'no_reference';

export interface ModelIdentity {
  /** e.g. "all-MiniLM-L6-v2". */
  readonly name: string;
  readonly check: IdentityCheck;
  /** One line for people: what was compared and how close it came. */
  readonly detail: string;
}

const IdentityReferenceSchema = z.object({
  model_name: z.string().min(1),
  source: z.string(),
  min_cosine: z.number().gt(0).max(1),
  sentences: z.array(z.object({ text: z.string().min(1), vector: z.array(z.number()).min(1) })).min(1),
});
export type IdentityReference = z.infer<typeof IdentityReferenceSchema>;

/** Names come from config and manifest files: only plain names can become a file name. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function readIdentityReference(dir: string, name: string): IdentityReference | undefined {
  if (!SAFE_NAME.test(name)) return undefined;
  const path = join(dir, `${name}.json`);
  if (!existsSync(path)) return undefined;
  const parsed = IdentityReferenceSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success)
    throw new Error(`${path}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  return parsed.data;
}

/** Cosine of two vectors of the same length (0 when either is all zeros). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return aa === 0 || bb === 0 ? 0 : dot / Math.sqrt(aa * bb);
}

/**
 * Embeds each sentence on its own, as the service embeds a query (int8
 * activations are scaled per batch, so a batch would test something else).
 */
export async function checkModelBehaviour(
  name: string,
  reference: IdentityReference | undefined,
  embed: (texts: readonly string[]) => Promise<Float32Array[]>,
): Promise<ModelIdentity> {
  if (reference === undefined) {
    return {
      name,
      check: 'no_reference',
      detail: `no reference vectors for ${name}, so its behaviour is not checked and no calibration applies`,
    };
  }
  const cosines: number[] = [];
  for (const sentence of reference.sentences) {
    const [vector] = await embed([sentence.text]);
    cosines.push(vector && vector.length === sentence.vector.length ? cosine(vector, sentence.vector) : 0);
  }
  const min = Math.min(...cosines);
  const passed = cosines.filter((value) => value >= reference.min_cosine).length;
  const detail = `${passed}/${cosines.length} reference sentences at cosine >= ${reference.min_cosine} (min ${min.toFixed(4)})`;
  return { name, check: passed === cosines.length ? 'passed' : 'failed', detail };
}
