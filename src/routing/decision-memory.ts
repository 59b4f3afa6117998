import { ByteBudgetLru, stringBytes } from '../caching/byte-budget-lru.js';

/** What feedback needs to know about a decision after the fact; kept in memory only, bounded in bytes. */
export interface RememberedDecision {
  /** The routed text, only when LEDGER_STORE_PROMPTS allows keeping prompts; undefined otherwise. */
  query: string | undefined;
  tier: string;
  intent: string;
  at: number;
  /** A hash of the API key that asked for the decision (undefined without one): only that key may give feedback on it. */
  owner: string | undefined;
}

/**
 * Recent decisions by decision id (ours, a UUID: never a client's text), for
 * feedback that arrives after them. Bounded by a count and by bytes, the
 * oldest forgotten first.
 */
export class DecisionMemory {
  private readonly recent: ByteBudgetLru<RememberedDecision>;

  constructor(
    private readonly maxEntries: number,
    maxBytes: number,
  ) {
    this.recent = new ByteBudgetLru(
      maxEntries === 0 ? 0 : maxBytes,
      (decision) => 80 + (decision.query === undefined ? 0 : stringBytes(decision.query)),
    );
  }

  remember(decisionId: string, decision: RememberedDecision): void {
    if (this.maxEntries === 0) return;
    this.recent.set(decisionId, decision);
    this.recent.trimTo(this.maxEntries);
  }

  recall(decisionId: string): RememberedDecision | undefined {
    return this.recent.peek(decisionId);
  }

  get bytes(): number {
    return this.recent.bytes;
  }
}
