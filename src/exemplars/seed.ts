import { embedInBatches, type Embedder } from '../embedding/embedder.js';
import type { LocatedExemplar } from '../routes-config/exemplar-files.js';
import type { ExemplarStore, ExemplarWrite, LabelCount } from './store.js';

export interface SeedOptions {
  /** Delete stored exemplars whose source matches and that the input no longer has. */
  prune?: (source: string) => boolean;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  /** Batches embedded at once: the number of embedder workers keeps each of them busy. */
  inFlight?: number;
}

export interface SeedSummary {
  added: number;
  relabelled: number;
  unchanged: number;
  pruned: number;
  embedded: number;
  revision: number;
  version: string;
  counts: LabelCount[];
}

/**
 * Upserts exemplars by content hash and embeds whatever the active embedder
 * lacks. Embedding happens before the write and the write is one transaction,
 * so a failure anywhere leaves the database as it was.
 */
export async function seedExemplars(
  store: ExemplarStore,
  embedder: Embedder,
  exemplars: readonly LocatedExemplar[],
  options: SeedOptions = {},
): Promise<SeedSummary> {
  const states = store.statesByHash(embedder.id);
  const inputHashes = new Set(exemplars.map((exemplar) => exemplar.contentHash));

  const toWrite: LocatedExemplar[] = [];
  let added = 0;
  let relabelled = 0;
  for (const exemplar of exemplars) {
    const state = states.get(exemplar.contentHash);
    if (!state) added++;
    else if (state.label !== exemplar.label || state.lang !== exemplar.lang || state.source !== exemplar.source) relabelled++;
    else continue;
    toWrite.push(exemplar);
  }

  const deleteIds = options.prune
    ? [...states.entries()]
        .filter(([hash, state]) => options.prune!(state.source) && !inputHashes.has(hash))
        .map(([, state]) => state.id)
    : [];
  const deleted = new Set(deleteIds);
  const rewrittenIds = new Set(toWrite.map((exemplar) => states.get(exemplar.contentHash)?.id));

  // Rows already stored without a vector for this embedder (e.g. after switching embedders) get one too.
  const needVectorWrites = toWrite.filter((exemplar) => !states.get(exemplar.contentHash)?.hasVector);
  const storedWithoutVector = store
    .missingVectors(embedder.id)
    .filter((row) => !deleted.has(row.id) && !rewrittenIds.has(row.id));

  const texts = [...needVectorWrites.map((exemplar) => exemplar.text), ...storedWithoutVector.map((row) => row.text)];
  const vectors = await embedInBatches(embedder, texts, options.batchSize ?? 32, options.onProgress, options.inFlight);

  const vectorByHash = new Map(needVectorWrites.map((exemplar, index) => [exemplar.contentHash, vectors[index]!]));
  const writes: ExemplarWrite[] = toWrite.map((exemplar) => ({
    axis: exemplar.axis,
    label: exemplar.label,
    text: exemplar.text,
    lang: exemplar.lang,
    source: exemplar.source,
    contentHash: exemplar.contentHash,
    vector: vectorByHash.get(exemplar.contentHash),
  }));
  store.apply({
    embedderId: embedder.id,
    writes,
    vectors: storedWithoutVector.map((row, index) => ({ exemplarId: row.id, vector: vectors[needVectorWrites.length + index]! })),
    deleteIds,
  });

  return {
    added,
    relabelled,
    unchanged: exemplars.length - added - relabelled,
    pruned: deleteIds.length,
    embedded: texts.length,
    revision: store.revision(),
    version: store.version(),
    counts: store.labelCounts(),
  };
}
