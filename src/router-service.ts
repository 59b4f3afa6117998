import { randomUUID } from 'node:crypto';
import type { CascadeResult, TierCascade } from './cascade/tier-cascade.js';
import type { Strategy } from './routing/strategy.js';
import type { Embedder } from './embedding/embedder.js';
import type { ExemplarStore, LabelCount } from './exemplars/store.js';
import type { RoutesData } from './routes-config/load-routes-data.js';
import { AXES, LABELS_BY_AXIS, type Axis } from './routes-config/schemas.js';
import { blendWithHistory, extractRoutingText, type ChatMessageLike } from './routing/conversation.js';
import { measureComplexity, strongNeed } from './routing/complexity-signals.js';
import { decideRoute, type ComplexityEvidence, type Decision } from './routing/decide.js';
import { tierDifficulty } from './quality/difficulty.js';
import { resolveScoring, type ResolvedScoring } from './routing/scoring-settings.js';
import { compileRules, matchRules, type CompiledRule, type RuleHit } from './routing/rules.js';
import type { SessionMemory } from './routing/session-memory.js';
import { buildExemplarIndex, type ExemplarIndex } from './scoring/exemplar-index.js';
import { scoreAxis, type AxisScores } from './scoring/label-scores.js';

export interface RouteInput {
  query?: string | undefined;
  messages?: readonly ChatMessageLike[] | undefined;
  strategy?: Strategy | undefined;
  sessionId?: string | undefined;
  /** Use this id (the request's id) rather than a new one, so logs and the decision share it. */
  decisionId?: string | undefined;
  /** Aborts a cascade consultation when the client goes away. */
  signal?: AbortSignal | undefined;
}

export interface RouteOutcome {
  decisionId: string;
  decision: Decision;
  strategy: Strategy;
  query: string;
  tierScores: AxisScores;
  intentScores: AxisScores;
  ruleHits: RuleHit[];
  /** Complexity signals, and the strong-need probability when the scoring has a fitted model for it. */
  complexity: ComplexityEvidence | undefined;
  sessionFloorApplied: boolean;
  /** The small model's consultation, when the tier margin was under the cascade's threshold. */
  cascade: CascadeResult | undefined;
  scoringSource: string;
  timingsMs: { embed: number; score: number; total: number };
}

export interface ExemplarSetStatus {
  version: string;
  revision: number;
  total: number;
  counts: LabelCount[];
}

/** What feedback needs to know about a decision after the fact; kept in memory only, bounded. */
export interface RememberedDecision {
  query: string;
  tier: string;
  intent: string;
  at: number;
}

export interface RouterDeps {
  embedder: Embedder;
  store: ExemplarStore;
  routesData: RoutesData;
  sessions: SessionMemory;
  defaultStrategy: Strategy;
  isProviderAvailable: (provider: string) => boolean;
  topExemplars?: number;
  /** Recent decisions remembered for feedback (0 disables). */
  decisionMemorySize?: number;
  /** Axes with this many exemplars or more get the coarse int8 index (default in scoring/coarse-index.ts; 0 never). */
  coarseMinRows?: number;
  /** Asks a small model to pick the tier when the tier margin is low (opt-in: CASCADE_MODEL). */
  cascade?: TierCascade | undefined;
  /** Called with every decision (metrics). */
  onRoute?: (outcome: RouteOutcome) => void;
}

/**
 * Embeds, scores and decides. Holds the in-memory exemplar matrices, rebuilt
 * from the store by `reload()` whenever the exemplar set changes.
 */
export class RouterService {
  private indexes!: Record<Axis, ExemplarIndex>;
  private status!: ExemplarSetStatus;
  private readonly rules: CompiledRule[];
  private readonly scoring: ResolvedScoring;
  private readonly scratch: Record<Axis, Float32Array> = { tier: new Float32Array(0), intent: new Float32Array(0) };
  private readonly recent = new Map<string, RememberedDecision>();

  constructor(private readonly deps: RouterDeps) {
    this.rules = compileRules(deps.routesData.rules);
    this.scoring = resolveScoring(deps.routesData, deps.embedder);
    this.reload();
  }

  get embedder(): Embedder {
    return this.deps.embedder;
  }

  /** The scoring settings in force (calibrated for this embedder when a calibration exists). */
  get scoringSettings(): ResolvedScoring['settings'] {
    return this.scoring.settings;
  }

  get scoringSource(): string {
    return this.scoring.source;
  }

  exemplarSet(): ExemplarSetStatus {
    return this.status;
  }

  /** A recent decision, for feedback that arrives after it. */
  recall(decisionId: string): RememberedDecision | undefined {
    return this.recent.get(decisionId);
  }

  private remember(decisionId: string, decision: RememberedDecision): void {
    const limit = this.deps.decisionMemorySize ?? 10_000;
    if (limit === 0) return;
    this.recent.set(decisionId, decision);
    if (this.recent.size > limit) this.recent.delete(this.recent.keys().next().value as string);
  }

  reload(): void {
    const rows = this.deps.store.vectorRows(this.deps.embedder.id);
    const dim = this.deps.embedder.dim;
    const next = {} as Record<Axis, ExemplarIndex>;
    for (const axis of AXES) {
      next[axis] = buildExemplarIndex(
        LABELS_BY_AXIS[axis],
        dim,
        rows.filter((row) => row.axis === axis),
        this.deps.coarseMinRows === undefined ? {} : { coarseMinRows: this.deps.coarseMinRows },
      );
      this.scratch[axis] = new Float32Array(next[axis].size);
    }
    this.indexes = next;
    const counts = this.deps.store.labelCounts();
    this.status = {
      version: this.deps.store.version(),
      revision: this.deps.store.revision(),
      total: counts.reduce((sum, row) => sum + row.count, 0),
      counts,
    };
  }

  /** The complexity signals of the query and, when the scoring has a fitted model, the probability that it needs the strong model. */
  private measureComplexity(query: string, tierScores: AxisScores): ComplexityEvidence | undefined {
    if (query === '') return undefined;
    const signals = measureComplexity(query);
    const model = this.scoring.settings.complexity;
    if (!model) return { signals };
    return { signals, strongNeed: strongNeed(model, signals, tierDifficulty(tierScores)), threshold: model.threshold };
  }

  /**
   * The cascade is asked only where its answer can matter: an uncertain tier
   * (two or more tiers scored, margin under the threshold) that no rule sets outright.
   */
  private async consultCascade(
    query: string,
    tierScores: AxisScores,
    ruleHits: readonly RuleHit[],
    signal: AbortSignal | undefined,
  ): Promise<CascadeResult | undefined> {
    const cascade = this.deps.cascade;
    if (!cascade || query === '' || tierScores.ranked.length < 2 || tierScores.margin >= cascade.maxMargin) return undefined;
    if (ruleHits.some((hit) => hit.set.tier !== undefined)) return undefined;
    return cascade.ask(query, signal);
  }

  async route(input: RouteInput): Promise<RouteOutcome> {
    const started = performance.now();
    const { settings } = this.scoring;
    const text =
      input.messages !== undefined
        ? extractRoutingText(input.messages, settings.history_turns)
        : { query: (input.query ?? '').trim(), history: [], hasImages: false };
    const strategy = input.strategy ?? this.deps.defaultStrategy;

    const history = settings.history_weight > 0 ? text.history : [];
    const toEmbed = text.query === '' ? [] : [text.query, ...history];
    const vectors = await this.deps.embedder.embed(toEmbed);
    const embedded = performance.now();

    const empty: AxisScores = { scores: {}, ranked: [], margin: 0, top: [] };
    const topExemplars = this.deps.topExemplars ?? 5;
    let tierScores = empty;
    let intentScores = empty;
    if (vectors.length > 0) {
      const queryVector = blendWithHistory(vectors[0]!, vectors.slice(1), settings.history_weight);
      tierScores = scoreAxis(this.indexes.tier, queryVector, { ...settings.tier, topExemplars }, this.scratch.tier);
      intentScores = scoreAxis(this.indexes.intent, queryVector, { ...settings.intent, topExemplars }, this.scratch.intent);
    }
    const ruleHits = text.query === '' ? [] : matchRules(this.rules, text.query);
    const complexity = this.measureComplexity(text.query, tierScores);
    const cascade = await this.consultCascade(text.query, tierScores, ruleHits, input.signal);
    const sessionFloor = input.sessionId ? this.deps.sessions.floor(input.sessionId) : undefined;
    const decision = decideRoute({
      tierScores,
      intentScores,
      tierSettings: settings.tier,
      intentSettings: settings.intent,
      strategy,
      ruleHits,
      sessionFloor,
      table: this.deps.routesData.routing,
      isProviderAvailable: this.deps.isProviderAvailable,
      needsVision: text.hasImages,
      complexity,
      cascade: cascade && this.deps.cascade ? { ...cascade, maxMargin: this.deps.cascade.maxMargin } : undefined,
    });
    if (input.sessionId) this.deps.sessions.remember(input.sessionId, decision.tier);
    const finished = performance.now();
    const decisionId = input.decisionId ?? randomUUID();
    this.remember(decisionId, { query: text.query, tier: decision.tier, intent: decision.intent, at: Date.now() });

    const outcome: RouteOutcome = {
      decisionId,
      decision,
      strategy,
      query: text.query,
      tierScores,
      intentScores,
      ruleHits,
      complexity,
      sessionFloorApplied: decision.sessionFloorApplied,
      cascade,
      scoringSource: this.scoring.source,
      timingsMs: { embed: embedded - started, score: finished - embedded, total: finished - started },
    };
    this.deps.onRoute?.(outcome);
    return outcome;
  }
}
