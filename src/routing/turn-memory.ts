/**
 * Which model served the first step of a turn, by turn key (a hash of the
 * conversation up to the user's last words, see conversation.ts), so every
 * later step of a tool loop goes to the same model without a session id.
 * Bounded by entries (a key and a model id, about 100 bytes each) and a TTL;
 * the least recently used turn is forgotten first.
 */
export class TurnMemory {
  private readonly entries = new Map<string, { model: string; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The model that served the turn's first step, while fresh. */
  modelFor(turnKey: string): string | undefined {
    const entry = this.entries.get(turnKey);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(turnKey);
      return undefined;
    }
    return entry.model;
  }

  /** The first step's model wins: a later step served by a fallback does not move the turn. */
  remember(turnKey: string, model: string): void {
    if (this.maxEntries === 0) return;
    const first = this.modelFor(turnKey) ?? model;
    this.entries.delete(turnKey); // re-insert so Map order is least-recently-used first
    this.entries.set(turnKey, { model: first, expiresAt: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  get size(): number {
    return this.entries.size;
  }
}
