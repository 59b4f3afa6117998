import { ByteBudgetLru, hashKey } from '../caching/byte-budget-lru.js';
import type { Tier } from '../routes-config/schemas.js';
import { higherTier } from './tier-order.js';

/** A session's floor and its expiry: a shared tier string and a number. */
const SESSION_VALUE_BYTES = 48;

/**
 * Remembers the highest tier a session reached, for a TTL, so a follow-up like
 * "thanks, and the second part?" in a hard conversation does not drop to the
 * cheapest model. Sessions are keyed by a hash of their id (a client's text,
 * up to 256 characters) and bounded by a count and by bytes: the least
 * recently used are forgotten first.
 */
export class SessionMemory {
  private readonly entries: ByteBudgetLru<{ tier: Tier; expiresAt: number }>;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
    maxBytes = 16 * 1024 * 1024,
  ) {
    this.entries = new ByteBudgetLru(maxBytes, () => SESSION_VALUE_BYTES);
  }

  floor(sessionId: string): Tier | undefined {
    return this.floorOf(hashKey(sessionId));
  }

  private floorOf(key: string): Tier | undefined {
    const entry = this.entries.peek(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.tier;
  }

  remember(sessionId: string, tier: Tier): void {
    const key = hashKey(sessionId);
    const previous = this.floorOf(key);
    this.entries.set(key, { tier: previous ? higherTier(previous, tier) : tier, expiresAt: this.now() + this.ttlMs });
    this.entries.trimTo(this.maxEntries);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The estimated bytes held now. */
  get bytes(): number {
    return this.entries.bytes;
  }
}
