import type { Embedder } from '../embedding/embedder.js';
import { AppError } from '../errors.js';
import { ExemplarInputSchema, type Axis, type ExemplarInput } from '../routes-config/schemas.js';
import { embedInBatches } from '../embedding/embedder.js';
import { exemplarContentHash } from '../routes-config/content-hash.js';
import type { LocatedExemplar } from '../routes-config/exemplar-files.js';
import { dedupeExemplars } from '../routes-config/exemplar-files.js';
import { regressionCheckView, type BankEdit, type RegressionCheck, type RegressionGuard } from './regression-guard.js';
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

/** The regression check a change passed (or was flagged by); absent when checks are off. */
export interface CheckedChange {
  regressionCheck?: RegressionCheck | undefined;
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
    /** Checks adds, edits, promotions and imports before they are written (PROMOTION_CHECK); none when off. */
    private readonly guard?: RegressionGuard | undefined,
  ) {}

  /**
   * Runs the regression check on a proposed change. In `refuse` mode a
   * regression throws before anything is written; in `flag` mode the change
   * goes ahead and the check travels with its result.
   */
  private async checked(edits: () => Promise<BankEdit[]>): Promise<CheckedChange> {
    if (!this.guard) return {};
    const check = await this.guard.check(await edits());
    if (!check.passed && check.mode === 'refuse') {
      throw new AppError(
        'exemplar_regression',
        409,
        `refused: the change would make routing worse (${check.regressions.join('; ')}); nothing was changed`,
        {
          regression_check: regressionCheckView(check),
        },
      );
    }
    return { regressionCheck: check };
  }

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
      throw new AppError(
        'conflict',
        409,
        `the same text is already exemplar ${existing} on the ${axis} axis; edit that one instead`,
        {
          existing_id: existing,
        },
      );
    }
    return contentHash;
  }

  private exclusive<T>(change: () => Promise<T> | T): Promise<T> {
    const run = this.tail.then(change);
    this.tail = run.catch(() => undefined);
    return run;
  }

  add(input: ExemplarInput): Promise<{ exemplar: ExemplarRecord } & ExemplarSetChange & CheckedChange> {
    return this.exclusive(() => this.addNow(input, true));
  }

  private async addNow(
    input: ExemplarInput,
    check: boolean,
  ): Promise<{ exemplar: ExemplarRecord } & ExemplarSetChange & CheckedChange> {
    const contentHash = this.refuseDuplicate(input.axis, input.text);
    const [vector] = await this.embedder.embed([input.text]);
    const checked = check ? await this.checked(async () => [{ axis: input.axis, label: input.label, vector: vector! }]) : {};
    this.store.apply({
      embedderId: this.embedder.id,
      writes: [{ ...input, source: ADMIN_SOURCE, contentHash, vector }],
      vectors: [],
      deleteIds: [],
    });
    const change = this.onChange();
    if (checked.regressionCheck) this.guard?.committed(change.revision);
    return { exemplar: this.get(this.store.idOfHash(contentHash)!), ...change, ...checked };
  }

  update(id: number, patch: ExemplarPatch): Promise<{ exemplar: ExemplarRecord } & ExemplarSetChange & CheckedChange> {
    return this.exclusive(() => this.updateNow(id, patch, true));
  }

  private async updateNow(
    id: number,
    patch: ExemplarPatch,
    check: boolean,
  ): Promise<{ exemplar: ExemplarRecord } & ExemplarSetChange & CheckedChange> {
    const current = this.get(id);
    const next = ExemplarInputSchema.safeParse({
      axis: current.axis,
      label: patch.label ?? current.label,
      text: patch.text ?? current.text,
      lang: patch.lang ?? current.lang,
    });
    if (!next.success)
      throw new AppError(
        'invalid_request',
        400,
        next.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '),
      );
    const contentHash = this.refuseDuplicate(current.axis, next.data.text, id);
    const textChanged = next.data.text !== current.text;
    const vector = textChanged ? (await this.embedder.embed([next.data.text]))[0]! : undefined;
    // Only a new label or a new text can move a decision; a language tag cannot.
    const moves = textChanged || next.data.label !== current.label;
    const checked =
      check && moves
        ? await this.checked(async () => [
            { id, axis: current.axis, label: next.data.label, vector: vector ?? (await this.embedder.embed([current.text]))[0]! },
          ])
        : {};
    this.store.update(
      id,
      { label: next.data.label, text: next.data.text, lang: next.data.lang, contentHash },
      vector ? { embedderId: this.embedder.id, vector } : undefined,
    );
    const change = this.onChange();
    return { exemplar: this.get(id), ...change, ...checked };
  }

  /** Makes `text` an exemplar of `label`: relabels it if it is already one on this axis, adds it otherwise. */
  async promote(axis: Axis, label: string, text: string, lang: string): Promise<ExemplarRecord> {
    const { exemplars } = await this.promoteAll([{ axis, label }], text, lang);
    return exemplars[0]!;
  }

  /**
   * A correction's labels on both axes as one change: one regression check
   * over all of them, so a correction is promoted whole or not at all.
   */
  promoteAll(
    labels: readonly { axis: Axis; label: string }[],
    text: string,
    lang: string,
  ): Promise<{ exemplars: ExemplarRecord[] } & CheckedChange> {
    return this.exclusive(async () => {
      const checked = await this.checked(async () => {
        const [vector] = await this.embedder.embed([text]);
        return labels.map(({ axis, label }) => ({
          id: this.store.idOfHash(exemplarContentHash(axis, text)),
          axis,
          label,
          vector: vector!,
        }));
      });
      const exemplars: ExemplarRecord[] = [];
      let revision: number | undefined;
      for (const { axis, label } of labels) {
        const existing = this.store.idOfHash(exemplarContentHash(axis, text));
        const result =
          existing !== undefined
            ? await this.updateNow(existing, { label }, false)
            : await this.addNow({ axis, label, text, lang }, false);
        exemplars.push(result.exemplar);
        revision = result.revision;
      }
      // Axes whose labels were all new keep their "after" state; a relabelled axis was recomputed and keeps none.
      if (checked.regressionCheck && revision !== undefined) this.guard?.committed(revision);
      return { exemplars, ...checked };
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
  importRows(rows: readonly LocatedExemplar[]): Promise<SeedSummary & CheckedChange> {
    return this.exclusive(async () => {
      const unique = dedupeExemplars(rows);
      const checked = await this.checked(async () => {
        // Rows already stored with the same label change nothing; the rest are checked as one change.
        const changing = unique.filter((row) => {
          const id = this.store.idOfHash(row.contentHash);
          return id === undefined || this.store.get(id)?.label !== row.label;
        });
        const vectors = await embedInBatches(
          this.embedder,
          changing.map((row) => row.text),
          32,
        );
        return changing.map((row, index) => ({
          id: this.store.idOfHash(row.contentHash),
          axis: row.axis,
          label: row.label,
          vector: vectors[index]!,
        }));
      });
      const summary = await seedExemplars(this.store, this.embedder, unique);
      this.onChange();
      return { ...summary, ...checked };
    });
  }
}
