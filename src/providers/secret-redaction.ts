/**
 * Finds a provider key in text an upstream sent back, in the forms an
 * upstream (or a proxy in front of it) might echo it: as sent, in any mix of
 * upper and lower case, URL-encoded, hex, and base64 or base64url (alone or
 * inside a longer encoded value such as a Basic credential). Only exact
 * matches were caught before: an error echoing the key upper-cased or
 * base64-encoded reached the client and the ledger.
 */

const REDACTED = '[redacted]';

/** Encoded fragments shorter than this are too likely to occur by chance, and reveal little of a key. */
const MIN_ENCODED_LENGTH = 8;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The characters of base64(…prefix, secret, suffix…) that depend on the
 * secret's bytes alone, for each of the three byte alignments it can have
 * inside a longer value: whatever surrounds the key, one of these appears.
 */
function base64Cores(bytes: Buffer): string[] {
  const cores: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const fullGroups = Math.floor((offset + bytes.length) / 3);
    const core = encoded.slice(offset === 0 ? 0 : 4, fullGroups * 4);
    if (core.length >= MIN_ENCODED_LENGTH) cores.push(core);
  }
  return cores;
}

interface Matchers {
  /** Forms whose case carries no meaning: the key itself, %-escapes, hex. */
  anyCase: RegExp | undefined;
  /** base64 and base64url, where case is part of the value. */
  exactCase: RegExp | undefined;
}

function alternation(parts: Iterable<string>, flags: string): RegExp | undefined {
  // Longest first, so a longer form is replaced whole rather than leaving a shorter form's remains.
  const sorted = [...new Set(parts)].filter((part) => part.length > 0).sort((a, b) => b.length - a.length);
  return sorted.length === 0 ? undefined : new RegExp(sorted.map(escapeRegExp).join('|'), flags);
}

function buildMatchers(secrets: readonly string[]): Matchers {
  const anyCase: string[] = [];
  const exactCase: string[] = [];
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    const bytes = Buffer.from(secret, 'utf8');
    // encodeURIComponent leaves letters and digits alone; some encoders escape every byte.
    const everyByte = [...bytes].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
    anyCase.push(secret, encodeURIComponent(secret), everyByte);
    const hex = bytes.toString('hex');
    if (hex.length >= MIN_ENCODED_LENGTH) anyCase.push(hex);
    for (const core of base64Cores(bytes)) exactCase.push(core, core.replaceAll('+', '-').replaceAll('/', '_'));
  }
  return { anyCase: alternation(anyCase, 'giu'), exactCase: alternation(exactCase, 'g') };
}

const cache = new Map<string, Matchers>();

function matchersFor(secrets: readonly string[]): Matchers {
  const key = secrets.join('\u0000');
  let matchers = cache.get(key);
  if (matchers === undefined) {
    matchers = buildMatchers(secrets);
    // A process has a handful of key sets; the bound only guards against a caller that makes new ones per call.
    if (cache.size > 64) cache.clear();
    cache.set(key, matchers);
  }
  return matchers;
}

/** `text` with every form of every secret replaced by "[redacted]". */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  if (secrets.length === 0 || text.length === 0) return text;
  const { anyCase, exactCase } = matchersFor(secrets);
  let result = anyCase ? text.replace(anyCase, REDACTED) : text;
  if (exactCase) result = result.replace(exactCase, REDACTED);
  return result;
}
