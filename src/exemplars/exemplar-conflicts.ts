import { misplacedAmong, type BankHealth, type BankRow } from '../quality/bank-health.js';
import { assessBankInWorker } from '../quality/bank-health-in-worker.js';
import { AXES, type Axis } from '../routes-config/schemas.js';
import type { ExemplarStore } from './store.js';

export interface Conflict {
  /** The label whose exemplars this one sits closer to than to its own. */
  closer_to: string;
  own_score: number;
  other_score: number;
}

/** The whole-bank analysis is quadratic; past this many exemplars on an axis it is left to `npm run health`. */
export const MAX_ROWS_FOR_LIVE_HEALTH = 5000;

type AxisHealth = Partial<Record<Axis, BankHealth>>;

/** Runs the whole-bank pass for one axis; a worker thread in the service, so the event loop stays free. */
export type AssessBank = (rows: readonly BankRow[], options: { k: number; duplicateAbove: number }) => Promise<BankHealth>;

/**
 * Exemplar-bank health for the admin API and the dashboard: the same analysis
 * as `npm run health`, over the live store, cached until the exemplar set changes.
 */
export class ExemplarConflicts {
  private cached: { revision: number; embedderId: string; health: Promise<AxisHealth> } | undefined;
  /** Per exemplar, for the list: its conflict or null, computed only for the ids asked about. */
  private rows: { revision: number; embedderId: string; verdicts: Map<number, Conflict | null> } | undefined;

  constructor(
    private readonly store: ExemplarStore,
    private readonly embedderId: () => string,
    private readonly k = 3,
    private readonly assess: AssessBank = assessBankInWorker,
  ) {}

  /** Callers asking while a pass runs share it; a failed pass is forgotten, so the next call tries again. */
  health(): Promise<AxisHealth> {
    const revision = this.store.revision();
    const embedderId = this.embedderId();
    if (this.cached?.revision === revision && this.cached.embedderId === embedderId) return this.cached.health;
    const rows = this.store.vectorRows(embedderId);
    const health = this.assessAxes(rows);
    const entry = { revision, embedderId, health };
    this.cached = entry;
    health.catch(() => {
      if (this.cached === entry) this.cached = undefined;
    });
    return health;
  }

  private async assessAxes(rows: readonly (BankRow & { axis: Axis })[]): Promise<AxisHealth> {
    const health: AxisHealth = {};
    for (const axis of AXES) {
      const axisRows = rows.filter((row) => row.axis === axis);
      if (axisRows.length <= MAX_ROWS_FOR_LIVE_HEALTH)
        health[axis] = await this.assess(axisRows, { k: this.k, duplicateAbove: 0.95 });
    }
    return health;
  }

  /**
   * Those of `ids` that leave-one-out scoring would give another label: the
   * same verdict as health(), worked out for these rows alone (see misplacedAmong)
   * and remembered until the exemplar set changes.
   */
  among(ids: readonly number[]): Map<number, Conflict> {
    const revision = this.store.revision();
    const embedderId = this.embedderId();
    if (this.rows?.revision !== revision || this.rows.embedderId !== embedderId)
      this.rows = { revision, embedderId, verdicts: new Map() };
    const { verdicts } = this.rows;
    const missing = new Set(ids.filter((id) => !verdicts.has(id)));
    if (missing.size > 0) {
      const rows = this.store.vectorRows(embedderId);
      for (const axis of AXES) {
        const axisRows = rows.filter((row) => row.axis === axis);
        if (axisRows.length > MAX_ROWS_FOR_LIVE_HEALTH) continue;
        for (const row of misplacedAmong(axisRows, missing, this.k)) {
          verdicts.set(row.id, { closer_to: row.closerTo, own_score: round(row.ownScore), other_score: round(row.otherScore) });
        }
      }
      for (const id of missing) if (!verdicts.has(id)) verdicts.set(id, null);
    }
    const conflicts = new Map<number, Conflict>();
    for (const id of ids) {
      const conflict = verdicts.get(id);
      if (conflict) conflicts.set(id, conflict);
    }
    return conflicts;
  }
}

const round = (value: number) => Math.round(value * 10000) / 10000;
