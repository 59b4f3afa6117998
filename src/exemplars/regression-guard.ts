import { embedInBatches, type Embedder } from '../embedding/embedder.js';
import {
  compareFigures,
  leaveOneOutAccuracy,
  leaveOneOutAfterAdding,
  leaveOneOutState,
  validationAccuracy,
  type AxisFigures,
  type AxisSettings,
  type BankVector,
  type LeaveOneOutState,
  type RegressionVerdict,
  type ValidationVector,
} from '../quality/regression-check.js';
import type { ValidationRow } from '../quality/validation-set.js';
import type { Axis } from '../routes-config/schemas.js';
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

/**
 * Checks a proposed exemplar change against the bank as stored: leave-one-out
 * accuracy and validation accuracy, before and after, on the axes it touches.
 *
 * Leave-one-out is quadratic in the bank, so its per-exemplar state is kept
 * per stored revision: a change that only adds exemplars (an add, most
 * promotions) is scored by inserting the new pairs, and once written
 * (`committed`) its "after" state is the next change's "before". Relabels and
 * imports recompute. The validation set is embedded on the first check.
 */
export class RegressionGuard {
  private validationVectors: ValidationVector[] | undefined;
  private readonly states = new Map<string, LeaveOneOutState>();
  private pending: LeaveOneOutState[] = [];

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

  private stateFor(revision: number, axis: Axis, bank: readonly BankVector[], settings: AxisSettings[Axis]): LeaveOneOutState {
    const key = `${revision}:${axis}`;
    let state = this.states.get(key);
    // Scoring settings can change without a new revision (a calibration reloaded): a state kept under other settings
    // would give figures routing no longer stands for.
    if (state && JSON.stringify(state.settings) !== JSON.stringify(settings)) state = undefined;
    if (!state) {
      state = leaveOneOutState(axis, bank, settings);
      this.remember(key, state);
    }
    return state;
  }

  private remember(key: string, state: LeaveOneOutState): void {
    this.states.set(key, state);
    // Only the latest revisions can be a "before" again.
    while (this.states.size > 4) this.states.delete(this.states.keys().next().value as string);
  }

  async check(edits: readonly BankEdit[]): Promise<RegressionCheck> {
    this.pending = [];
    const axes = [...new Set(edits.map((edit) => edit.axis))];
    const validation = await this.validation();
    const settings = this.options.settings();
    const revision = this.options.store.revision();
    const before: BankVector[] = this.options.store
      .vectorRows(this.options.embedder.id)
      .map((row) => ({ id: row.id, axis: row.axis, label: row.label, vector: row.vector }));

    const afterById = new Map(before.map((row) => [row.id, row]));
    let nextId = -1;
    for (const edit of edits) {
      const id = edit.id ?? nextId--;
      afterById.set(id, { id, axis: edit.axis, label: edit.label, vector: edit.vector });
    }
    const after = [...afterById.values()];

    const beforeFigures: Partial<Record<Axis, AxisFigures>> = {};
    const afterFigures: Partial<Record<Axis, AxisFigures>> = {};
    for (const axis of axes) {
      const state = this.stateFor(revision, axis, before, settings[axis]);
      const onAxis = edits.filter((edit) => edit.axis === axis);
      let leaveOneOut: number;
      if (onAxis.every((edit) => edit.id === undefined)) {
        const next = leaveOneOutAfterAdding(
          state,
          onAxis.map((edit, i) => ({ id: -1 - i, axis, label: edit.label, vector: edit.vector })),
        );
        this.pending.push(next);
        leaveOneOut = next.accuracy;
      } else {
        leaveOneOut = leaveOneOutAccuracy(axis, after, settings[axis]);
      }
      const validationRows = validation.filter((row) => row.axis === axis).length;
      const validationOf = (bank: readonly BankVector[]) =>
        validationRows === 0 ? undefined : validationAccuracy(axis, bank, validation, settings[axis]);
      beforeFigures[axis] = {
        leaveOneOut: state.accuracy,
        validation: validationOf(before),
        rows: state.index.size,
        validationRows,
      };
      afterFigures[axis] = {
        leaveOneOut,
        validation: validationOf(after),
        rows: after.filter((row) => row.axis === axis).length,
        validationRows,
      };
    }

    const verdict = compareFigures(beforeFigures, afterFigures, axes, this.options.tolerance);
    return { ...verdict, mode: this.options.mode, passed: verdict.regressions.length === 0 };
  }

  /**
   * The change last checked was written as checked, at this revision: its
   * "after" state becomes the "before" of the next change. Call it only when
   * the write added exactly the checked rows and nothing else.
   */
  committed(revision: number): void {
    for (const state of this.pending) this.remember(`${revision}:${state.axis}`, state);
    this.pending = [];
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
