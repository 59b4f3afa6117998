import { createHash } from 'node:crypto';

/**
 * The key a client-controlled string is remembered under: 43 characters of
 * sha256 (base64url) whatever its length. Kept as the text, a 32k-character
 * query, session id or API key cost its full size in every map that held it.
 */
export function hashKey(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/**
 * What a map entry costs besides its value, in bytes: the hashed key (43
 * one-byte characters in a V8 string of ~60 bytes), the Map's slot and the
 * entry record. Measured roughly with heap snapshots; generous on purpose, so
 * a budget is an upper bound of what the map holds rather than a hope.
 */
export const ENTRY_OVERHEAD_BYTES = 160;

/** Bytes a string costs on the V8 heap: two per UTF-16 unit when any is outside Latin-1, one otherwise, plus its header. */
export function stringBytes(text: string): number {
  return 16 + (/[^\u0000-\u00ff]/.test(text) ? 2 : 1) * text.length;
}

/**
 * A least-recently-used map bounded by an estimate of its size in bytes rather
 * than by a count: entries of very different sizes (a 384-float vector, a
 * remembered query of a few kB) cannot blow past the budget by being few but
 * large. A Map keeps insertion order, so re-inserting on a hit makes the first
 * key the least recently used. `maxBytes` 0 keeps nothing.
 */
export class ByteBudgetLru<V> {
  private readonly entries = new Map<string, { value: V; bytes: number }>();
  private used = 0;

  constructor(
    private readonly maxBytes: number,
    /** The value's own size in bytes; the key and bookkeeping are added here. */
    private readonly sizeOf: (value: V) => number,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Reads without making the entry recent. */
  peek(key: string): V | undefined {
    return this.entries.get(key)?.value;
  }

  set(key: string, value: V): void {
    this.delete(key);
    const bytes = ENTRY_OVERHEAD_BYTES + this.sizeOf(value);
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { value, bytes });
    this.used += bytes;
    while (this.used > this.maxBytes) {
      const oldest = this.entries.keys().next().value as string;
      this.delete(oldest);
    }
  }

  /** Forgets the least recently used entries until at most `maxEntries` are left. */
  trimTo(maxEntries: number): void {
    while (this.entries.size > maxEntries) this.delete(this.entries.keys().next().value as string);
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.used -= entry.bytes;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The estimated bytes held now. */
  get bytes(): number {
    return this.used;
  }
}
