import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { embedderIdentity, type Embedder } from '../../src/embedding/embedder.js';

/**
 * Embeddings of evaluation and exemplar texts on disk, keyed by embedder id and
 * text hash: USE-lite needs minutes for the dev files, and every eval or
 * calibration run after the first then embeds nothing.
 */
export interface EmbeddingCache {
  /** The same embedder, answering from the cache first. */
  wrap(embedder: Embedder): CachingEmbedder;
  close(): void;
}

export interface CachingEmbedder extends Embedder {
  /** Embeds in batches whatever is not cached yet (faster than one at a time), with progress. */
  warm(texts: readonly string[], onProgress?: (done: number, total: number) => void): Promise<void>;
  readonly stats: { hits: number; misses: number };
}

export const DEFAULT_CACHE_PATH = '.cache/embeddings.db';

function textKey(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function openEmbeddingCache(path = DEFAULT_CACHE_PATH): EmbeddingCache {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(
    'CREATE TABLE IF NOT EXISTS vectors (embedder_id TEXT NOT NULL, text_hash TEXT NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (embedder_id, text_hash))',
  );
  const get = db.prepare<[string, string], { vector: Buffer }>(
    'SELECT vector FROM vectors WHERE embedder_id = ? AND text_hash = ?',
  );
  const put = db.prepare('INSERT OR REPLACE INTO vectors (embedder_id, text_hash, vector) VALUES (?, ?, ?)');
  const putMany = db.transaction((embedderId: string, rows: { key: string; vector: Float32Array }[]) => {
    for (const row of rows)
      put.run(embedderId, row.key, Buffer.from(row.vector.buffer, row.vector.byteOffset, row.vector.byteLength));
  });

  const lookup = (embedderId: string, text: string): Float32Array | undefined => {
    const row = get.get(embedderId, textKey(text));
    if (!row) return undefined;
    const copy = new Float32Array(row.vector.byteLength / 4);
    new Uint8Array(copy.buffer).set(row.vector);
    return copy;
  };

  return {
    wrap(inner) {
      const stats = { hits: 0, misses: 0 };
      const embed = async (texts: readonly string[]): Promise<Float32Array[]> => {
        const out: (Float32Array | undefined)[] = texts.map((text) => lookup(inner.id, text));
        const missing = [...new Set(texts.filter((_, i) => out[i] === undefined))];
        stats.hits += texts.length - texts.filter((_, i) => out[i] === undefined).length;
        stats.misses += missing.length;
        if (missing.length > 0) {
          const vectors = await inner.embed(missing);
          putMany(
            inner.id,
            missing.map((text, i) => ({ key: textKey(text), vector: vectors[i]! })),
          );
          const byText = new Map(missing.map((text, i) => [text, vectors[i]!]));
          texts.forEach((text, i) => {
            if (out[i] === undefined) out[i] = Float32Array.from(byText.get(text)!);
          });
        }
        return out as Float32Array[];
      };
      return {
        ...embedderIdentity(inner),
        stats,
        embed,
        async warm(texts, onProgress) {
          const missing = [...new Set(texts)].filter((text) => lookup(inner.id, text) === undefined);
          const batch = 64;
          for (let start = 0; start < missing.length; start += batch) {
            await embed(missing.slice(start, start + batch));
            onProgress?.(Math.min(start + batch, missing.length), missing.length);
          }
        },
      };
    },
    close: () => db.close(),
  };
}
