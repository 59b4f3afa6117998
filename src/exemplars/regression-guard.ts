import { embedInBatches, type Embedder } from '../embedding/embedder.js';
import {
  bankFigures,
  compareFigures,
  type AxisSettings,
  type BankVector,
  type RegressionVerdict,
  type ValidationVector,
} from '../quality/regression-check.js';
import type { ValidationRow } from '../quality/validation-set.js';
import type { Axis } from '../routes-data/schemas.js';
import type { ExemplarStore } from './store.js';

/** `flag`: apply the change and say it regressed; `refuse`: leave the bank as it was and answer 409. */
export type RegressionMode = 'flag' | 'refuse';

/** One row of a proposed change: with `id`, that exemplar's new label and vector; without, a new exemplar. */
export interface BankEdit {
  id?: number | undefined;
  axis: Axis;
  label: string;
  vector: Float32Array;
}

export interface RegressionCheck extends RegressionVerdict {
  mode: RegressionMode;
  passed: boolean;
}

export interface RegressionGuardOptions {
  store: ExemplarStore;
  embedder: Embedder;
  mode: RegressionMode;
  tolerance: number;
  /** The scoring settings routing uses now (the calibrated ones when there are). */
  settings: () => AxisSettings;
  validation: readonly ValidationRow[];
}

type Figures = ReturnType<typeof bankFigures>[Axis];

/**
 * Checks a proposed exemplar change against the bank as stored: leave-one-out
 * accuracy and validation accuracy, before and after, on the axes it touches.
 * The "before" figures are kept per stored version, so a run of changes pays
 * for each bank once. The validation set is embedded on the first check.
 */
export class RegressionGuard {
  private validationVectors: ValidationVector[] | undefined;
  private readonly beforeByVersion = new Map<string, Figures>();

  constructor(private readonly options: RegressionGuardOptions) {}

  get mode(): RegressionMode {
    return this.options.mode;
  }

  private async validation(): Promise<ValidationVector[]> {
    if (this.validationVectors === undefined) {
      const rows = this.options.validation;
      const vectors = await embedInBatches(
        this.options.embedder,
        rows.map((row) => row.text),
        32,
      );
      this.validationVectors = rows.map((row, index) => ({ axis: row.axis, label: row.label, vector: vectors[index]! }));
    }
    return this.validationVectors;
  }

  async check(edits: readonly BankEdit[]): Promise<RegressionCheck> {
    const axes = [...new Set(edits.map((edit) => edit.axis))];
    const validation = await this.validation();
    const settings = this.options.settings();
    const version = this.options.store.version();
    const before: BankVector[] = this.options.store
      .vectorRows(this.options.embedder.id)
      .map((row) => ({ id: row.id, axis: row.axis, label: row.label, vector: row.vector }));

    const after = new Map(before.map((row) => [row.id, row]));
    let nextId = -1;
    for (const edit of edits) {
      const id = edit.id ?? nextId--;
      after.set(id, { id, axis: edit.axis, label: edit.label, vector: edit.vector });
    }

    const beforeFigures = {} as ReturnType<typeof bankFigures>;
    const missing = axes.filter((axis) => !this.beforeByVersion.has(`${version}:${axis}`));
    const computed = bankFigures(missing, before, validation, settings);
    for (const axis of axes) {
      const key = `${version}:${axis}`;
      if (computed[axis]) this.beforeByVersion.set(key, computed[axis]);
      beforeFigures[axis] = this.beforeByVersion.get(key)!;
    }
    // Only recent versions can be a "before" again.
    while (this.beforeByVersion.size > 8) this.beforeByVersion.delete(this.beforeByVersion.keys().next().value as string);

    const verdict = compareFigures(
      beforeFigures,
      bankFigures(axes, [...after.values()], validation, settings),
      axes,
      this.options.tolerance,
    );
    return { ...verdict, mode: this.options.mode, passed: verdict.regressions.length === 0 };
  }
}

/** The public shape of a check, in responses and in the 409 body. */
export function regressionCheckView(check: RegressionCheck) {
  return {
    mode: check.mode,
    passed: check.passed,
    tolerance: check.tolerance,
    leave_one_out: check.leaveOneOut,
    validation: check.validation,
    regressions: check.regressions,
  };
}
