/**
 * Writes routes-data/model-identity/all-MiniLM-L6-v2.json, the behaviour check
 * the service runs when it loads a MiniLM: a few sentences with their
 * sentence-transformers vectors, taken from test/fixtures/minilm-reference.json
 * (made by make-minilm-reference.py from the PyPI package).
 *
 *   node --import tsx scripts/reference-vectors/make-identity-check.ts
 *
 * The sentences are mid-length (9 to 40 word pieces, plus one cut at 256) in
 * English and Spanish: dynamic int8 quantisation is least accurate on one- to
 * three-word inputs (cosine down to 0.94 on "Thanks!"), and the check must
 * tell models apart, not precisions.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const CHECK_TEXT_PREFIXES = [
  'How much does the pro plan cost per month?',
  'What is the capital of Peru?',
  'Prove that the square root of 2 is irrational.',
  'SELECT user_id, COUNT(*) FROM orders',
  'I forgot my password and the reset email never arr',
  '¿Cuánto cuesta el plan profesional al año?',
  'Tengo un error al iniciar sesión',
  'I have this TypeScript function and it sometimes',
];
/** Issue #12: each sentence must come out with cosine >= 0.99 against the reference. */
const MIN_COSINE = 0.99;

interface ReferenceFile {
  model: string;
  source: { package: string; weights_sha256: string };
  sentences: { text: string; vector: number[] }[];
}

const reference = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/minilm-reference.json'), 'utf8')) as ReferenceFile;
const sentences = CHECK_TEXT_PREFIXES.map((prefix) => {
  const found = reference.sentences.filter((s) => s.text.startsWith(prefix));
  if (found.length !== 1) throw new Error(`${found.length} reference sentences start with ${JSON.stringify(prefix)}`);
  // Six decimals are far below the 0.01 tolerance and keep the file small.
  return { text: found[0]!.text, vector: found[0]!.vector.map((v) => Number(v.toFixed(6))) };
});
const check = {
  model_name: 'all-MiniLM-L6-v2',
  reference_model: reference.model,
  source: `${reference.source.package} (weights sha256 ${reference.source.weights_sha256}) via sentence-transformers; see test/fixtures/minilm-reference.json`,
  min_cosine: MIN_COSINE,
  sentences,
};
const out = join(ROOT, 'routes-data/model-identity/all-MiniLM-L6-v2.json');
writeFileSync(out, `${JSON.stringify(check, null, 1)}\n`);
console.log(`wrote ${out} (${sentences.length} sentences)`);
