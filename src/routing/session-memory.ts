import type { Tier } from '../routes-config/schemas.js';
import { higherTier } from './tier-order.js';

/**
 * Remembers the highest tier a session reached, for a TTL, so a follow-up like
 * "thanks, and the second part?" in a hard conversation does not drop to the
 * cheapest model. Bounded: the oldest sessions are forgotten first.
 */
export class SessionMemory {
  private readonly entries = new Map<string, { tier: Tier; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  floor(sessionId: string): Tier | undefined {
    const entry = this.entries.get(sessionId);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(sessionId);
      return undefined;
    }
    return entry.tier;
  }

  remember(sessionId: string, tier: Tier): void {
    const previous = this.floor(sessionId);
    this.entries.delete(sessionId); // re-insert so Map order is least-recently-used first
    this.entries.set(sessionId, { tier: previous ? higherTier(previous, tier) : tier, expiresAt: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
