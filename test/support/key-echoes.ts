/**
 * The ways an upstream might echo a provider key back in an error message
 * (issue #16, finding 8), and how to find any of them in a text: shared by the
 * redaction test and `npm run hostile`.
 */

/** The key as an upstream might echo it: as is, re-cased, base64/base64url at each alignment, URL-encoded, hex. */
export function keyEchoes(key: string): string[] {
  const bytes = Buffer.from(key);
  return [
    key,
    key.toUpperCase(),
    key.toLowerCase().replace(/^s/, 'S'),
    Buffer.from(`Bearer ${key}`).toString('base64'),
    Buffer.from(`u:${key}`).toString('base64url'),
    Buffer.from(`${key}!`).toString('base64'),
    encodeURIComponent(`key=${key}`),
    [...bytes].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
  ];
}

/** Where each echo would show: the key itself, or the part of its encoding that only the key determines. */
function keyFingerprints(key: string): string[] {
  const bytes = Buffer.from(key);
  return [
    key.toLowerCase(),
    ...[0, 1, 2].map((offset) =>
      Buffer.concat([Buffer.alloc(offset), bytes])
        .toString('base64')
        .slice(4, 24),
    ),
    bytes.toString('hex'),
  ];
}

/** The fingerprints of `key` found in `text` (any case; base64 or base64url): empty when nothing leaked. */
export function keyLeaks(key: string, text: string): string[] {
  return keyFingerprints(key).filter(
    (print) => text.toLowerCase().includes(print.toLowerCase()) || text.includes(print.replaceAll('+', '-').replaceAll('/', '_')),
  );
}
