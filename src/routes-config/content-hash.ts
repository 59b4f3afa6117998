import { createHash } from 'node:crypto';
import type { Axis } from './schemas.js';

/**
 * Case, accents, punctuation and spacing do not make a new exemplar: "Hola!" and
 * "hola" are one row. The label is not part of the key, so re-labelling a text
 * updates its row instead of creating a contradiction on the same axis.
 */
export function normalizeExemplarText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export function exemplarContentHash(axis: Axis, text: string): string {
  return createHash('sha256')
    .update(`${axis}\n${normalizeExemplarText(text)}`)
    .digest('hex');
}
