import type { Embedder } from '../embedding/embedder.js';
import { AppError } from '../errors.js';
import { ExemplarInputSchema, type Axis, type ExemplarInput } from '../routes-config/schemas.js';
import { exemplarContentHash } from '../routes-config/content-hash.js';
import type { LocatedExemplar } from '../routes-config/exemplar-files.js';
import { dedupeExemplars } from '../routes-config/exemplar-files.js';
import { seedExemplars, type SeedSummary } from './seed.js';
import type { ExemplarFilter, ExemplarRecord, ExemplarStore } from './store.js';

export const ADMIN_SOURCE = 'admin';

export interface ExemplarPatch {
  label?: string | undefined;
  text?: string | undefined;
  lang?: string | undefined;
}

export interface ExemplarSetChange {
  version: string;
  revision: number;
}

/**
 * Live edits of the exemplar set: each change embeds what it adds, is one
 * transaction, bumps the revision, and reloads the router's matrices so the
 * next request sees it.
 *
 * Changes run one at a time. Each one reads the store, awaits the embedder,
 * then writes: interleaved, two adds of one text both "succeed" (the second
 * silently relabels the first), and an edit racing a delete writes a vector
 * for a row that is gone (a foreign-key failure, a 500).
 */
export class ExemplarAdmin {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: ExemplarStore,
    private readonly embedder: Embedder,
    private readonly onChange: () => ExemplarSetChange,
  ) {}

  list(filter: ExemplarFilter): { total: number; items: ExemplarRecord[] } {
    return this.store.list(filter);
  }

  get(id: number): ExemplarRecord {
    const record = this.store.get(id);
    if (!record) throw new AppError('not_found', 404, `no exemplar with id ${id}`);
    return record;
  }

  private refuseDuplicate(axis: Axis, text: string, exceptId?: number): string {
    const contentHash = exemplarContentHash(axis, text);
    const existing = this.store.idOfHash(contentHash);
    if (existing !== undefined && existing !== exceptId) {
      throw new AppError('conflict', 409, `the same text is already exemplar ${existing} on the ${axis} axis; edit that one instead`, {
        existing_id: existing,
      });
    }
    return contentHash;
  }

  private exclusive<T>(change: () => Promise<T> | T): Promise<T> {
    const run = this.tail.then(change);
    this.tail = run.catch(() => undefined);
    return run;
  }

  add(input: ExemplarInput): Promise<{ exemplar: ExemplarRecord } & ExemplarSetChange> {
    return this.exclusive(() => this.addNow(input));
  }

  private async addNow(input: ExemplarInput): Promise<{ exemplar: ExemplarRecord } & ExemplarSetChange> {
    const contentHash = this.refuseDuplicate(input.axis, input.text);
    const [vector] = await this.embedder.embed([input.text]);
    this.store.apply({
      embedderId: this.embedder.id,
      writes: [{ ...input, source: ADMIN_SOURCE, contentHash, vector }],
      vectors: [],
      deleteIds: [],
    });
    const change = this.onChange();
    return { exemplar: this.get(this.store.idOfHash(contentHash)!), ...change };
  }

  update(id: number, patch: ExemplarPatch): Promise<{ exemplar: ExemplarRecord } & ExemplarSetChange> {
    return this.exclusive(() => this.updateNow(id, patch));
  }

  private async updateNow(id: number, patch: ExemplarPatch): Promise<{ exemplar: ExemplarRecord } & ExemplarSetChange> {
    const current = this.get(id);
    const next = ExemplarInputSchema.safeParse({
      axis: current.axis,
      label: patch.label ?? current.label,
      text: patch.text ?? current.text,
      lang: patch.lang ?? current.lang,
    });
    if (!next.success) throw new AppError('invalid_request', 400, next.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
    const contentHash = this.refuseDuplicate(current.axis, next.data.text, id);
    const textChanged = next.data.text !== current.text;
    const vector = textChanged ? (await this.embedder.embed([next.data.text]))[0]! : undefined;
    this.store.update(
      id,
      { label: next.data.label, text: next.data.text, lang: next.data.lang, contentHash },
      vector ? { embedderId: this.embedder.id, vector } : undefined,
    );
    const change = this.onChange();
    return { exemplar: this.get(id), ...change };
  }

  /** Makes `text` an exemplar of `label`: relabels it if it is already one on this axis, adds it otherwise. */
  promote(axis: Axis, label: string, text: string, lang: string): Promise<ExemplarRecord> {
    return this.exclusive(async () => {
      const existing = this.store.idOfHash(exemplarContentHash(axis, text));
      if (existing !== undefined) return (await this.updateNow(existing, { label })).exemplar;
      return (await this.addNow({ axis, label, text, lang })).exemplar;
    });
  }

  delete(id: number): Promise<{ deleted: number } & ExemplarSetChange> {
    return this.exclusive(() => {
      this.get(id);
      this.store.apply({ embedderId: this.embedder.id, writes: [], vectors: [], deleteIds: [id] });
      return { deleted: id, ...this.onChange() };
    });
  }

  /** A whole file at once: validated before, written in one transaction, or not at all. */
  importRows(rows: readonly LocatedExemplar[]): Promise<SeedSummary> {
    return this.exclusive(async () => {
      const summary = await seedExemplars(this.store, this.embedder, dedupeExemplars(rows));
      this.onChange();
      return summary;
    });
  }
}
