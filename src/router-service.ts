import { randomUUID } from 'node:crypto';
import type { CascadeResult, TierCascade } from './cascade/tier-cascade.js';
import type { Strategy } from './routing/strategy.js';
import type { Embedder } from './embedding/embedder.js';
import { EMBED_INPUT_CHARS, cutForEmbedding, headForRules } from './embedding/input-limit.js';
import type { ExemplarStore, LabelCount } from './exemplars/store.js';
import type { RoutesData } from './routes-config/load-routes-data.js';
import { AXES, LABELS_BY_AXIS, type Axis } from './routes-config/schemas.js';
import { blendWithHistory, extractRoutingText, type ChatMessageLike, type RoutingText } from './routing/conversation.js';
import { DecisionMemory, type RememberedDecision } from './routing/decision-memory.js';
import { measureComplexity, strongNeed } from './routing/complexity-signals.js';
import { decideRoute, type ComplexityEvidence, type Decision } from './routing/decide.js';
import { tierDifficulty } from './quality/difficulty.js';
import { resolveScoring, type ResolvedScoring } from './routing/scoring-settings.js';
import { compileRules, matchRules, type CompiledRule, type RuleHit } from './routing/rules.js';
import type { SessionMemory } from './routing/session-memory.js';
import type { TurnMemory } from './routing/turn-memory.js';
import { buildExemplarIndex, type ExemplarIndex } from './scoring/exemplar-index.js';
import { scoreAxis, type AxisScores } from './scoring/label-scores.js';
import { decisionAttributes } from './tracing/decision-attributes.js';
import type { TraceSpan } from './tracing/trace-span.js';

export interface RouteInput {
  query?: string | undefined;
  messages?: readonly ChatMessageLike[] | undefined;
  strategy?: Strategy | undefined;
  sessionId?: string | undefined;
  /** Use this id (the request's id) rather than a new one, so logs and the decision share it. */
  decisionId?: string | undefined;
  /** A hash of the caller's API key: only that key (or the admin key) may give feedback on the decision. */
  owner?: string | undefined;
  /** Aborts the embedding work still queued for this request (its deadline passed, or its client left) and a cascade consultation. */
  signal?: AbortSignal | undefined;
  /** The request's span when tracing is on: embed, score and decide become its children, the decision its attributes. */
  trace?: TraceSpan | undefined;
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
  /** The conversation's turn (conversation.ts); the proxy remembers which model served it. */
  turnKey: string | undefined;
  /** The small model's consultation, when the tier margin was under the cascade's threshold. */
  cascade: CascadeResult | undefined;
  scoringSource: string;
  /** The routes-data version the decision was made with (see applyRoutesData). */
  configVersion: number;
  timingsMs: { embed: number; score: number; total: number };
}

interface ActiveRoutes {
  data: RoutesData;
  rules: CompiledRule[];
  scoring: ResolvedScoring;
  version: number;
}

export interface ExemplarSetStatus {
  version: string;
  revision: number;
  total: number;
  counts: LabelCount[];
}

export type { RememberedDecision };

export interface RouterDeps {
  embedder: Embedder;
  store: ExemplarStore;
  routesData: RoutesData;
  sessions: SessionMemory;
  /** The model that served each turn's first step; without it, tool loops are routed step by step. */
  turns?: TurnMemory | undefined;
  defaultStrategy: Strategy;
  isProviderAvailable: (provider: string) => boolean;
  topExemplars?: number;
  /** Recent decisions remembered for feedback (0 disables). */
  decisionMemorySize?: number;
  /** The bytes the remembered decisions may take (default 16 MiB). */
  decisionMemoryMaxBytes?: number;
  /** Whether a remembered decision keeps its query for feedback (LEDGER_STORE_PROMPTS); otherwise only its labels. */
  rememberQueries?: boolean;
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
  /** Replaced whole by `applyRoutesData`; a request reads it once, so it never mixes two versions. */
  private routes: ActiveRoutes;
  private readonly scratch: Record<Axis, Float32Array> = { tier: new Float32Array(0), intent: new Float32Array(0) };
  private readonly recent: DecisionMemory;
  private readonly inputChars: number;

  constructor(private readonly deps: RouterDeps) {
    this.recent = new DecisionMemory(deps.decisionMemorySize ?? 10_000, deps.decisionMemoryMaxBytes ?? 16 * 1024 * 1024);
    this.inputChars = EMBED_INPUT_CHARS[deps.embedder.kind];
    this.routes = {
      data: deps.routesData,
      rules: compileRules(deps.routesData.rules),
      scoring: resolveScoring(deps.routesData, deps.embedder),
      version: 1,
    };
    this.reload();
  }

  get embedder(): Embedder {
    return this.deps.embedder;
  }

  /** The scoring settings in force (calibrated for this embedder when a calibration exists). */
  get scoringSettings(): ResolvedScoring['settings'] {
    return this.routes.scoring.settings;
  }

  get scoringSource(): string {
    return this.routes.scoring.source;
  }

  /** Bumped by every routes-data reload; 1 is what the process started with. */
  get configVersion(): number {
    return this.routes.version;
  }

  /**
   * Routing table, rules, scoring and calibrations from a validated reload:
   * compiled first, then swapped in one assignment, so a request routes on
   * the old set or the new one, never a mix. Returns the new version.
   */
  applyRoutesData(data: RoutesData): number {
    const next: ActiveRoutes = {
      data,
      rules: compileRules(data.rules),
      scoring: resolveScoring(data, this.deps.embedder),
      version: this.routes.version + 1,
    };
    this.routes = next;
    return next.version;
  }

  exemplarSet(): ExemplarSetStatus {
    return this.status;
  }

  /** Called once a routed request was served, so later steps of its turn go to the same model. */
  rememberTurn(turnKey: string, model: string): void {
    this.deps.turns?.remember(turnKey, model);
  }

  /** A recent decision, for feedback that arrives after it. */
  recall(decisionId: string): RememberedDecision | undefined {
    return this.recent.recall(decisionId);
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
  private measureComplexity(
    query: string,
    tierScores: AxisScores,
    settings: ResolvedScoring['settings'],
  ): ComplexityEvidence | undefined {
    if (query === '') return undefined;
    const signals = measureComplexity(query);
    const model = settings.complexity;
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
    trace: TraceSpan | undefined,
  ): Promise<CascadeResult | undefined> {
    const cascade = this.deps.cascade;
    if (!cascade || query === '' || tierScores.ranked.length < 2 || tierScores.margin >= cascade.maxMargin) return undefined;
    if (ruleHits.some((hit) => hit.set.tier !== undefined)) return undefined;
    return cascade.ask(query, signal, trace);
  }

  async route(input: RouteInput): Promise<RouteOutcome> {
    const started = performance.now();
    const routes = this.routes;
    const { settings } = routes.scoring;
    const text: RoutingText =
      input.messages !== undefined
        ? extractRoutingText(input.messages, {
            historyTurns: settings.history_turns,
            followupMaxWords: settings.followup_max_words,
          })
        : {
            query: (input.query ?? '').trim(),
            history: [],
            hasImages: false,
            continuesTurn: false,
            turnKey: undefined,
            followupOf: undefined,
          };
    const conversationNotes: string[] = [];
    if (text.followupOf) {
      const { words, turnsBack } = text.followupOf;
      conversationNotes.push(
        `short follow-up (${words} word${words === 1 ? '' : 's'}) routed as the user turn ${turnsBack} back`,
      );
    }
    const turnModel = text.continuesTurn && text.turnKey ? this.deps.turns?.modelFor(text.turnKey) : undefined;
    if (text.continuesTurn && text.turnKey && turnModel === undefined) conversationNotes.push(`continues turn ${text.turnKey}`);
    const strategy = input.strategy ?? this.deps.defaultStrategy;

    // Only what the embedder reads is embedded, on every path (route, batch, both proxies, history turns).
    const history = settings.history_weight > 0 ? text.history.map((turn) => cutForEmbedding(turn, this.inputChars)) : [];
    const query = cutForEmbedding(text.query, this.inputChars);
    const toEmbed = query === '' ? [] : [query, ...history];
    const embedSpan = input.trace?.child('embed', {
      attributes: { 'router.embedder': this.deps.embedder.id, 'router.embed.texts': toEmbed.length },
    });
    let vectors: Float32Array[];
    try {
      vectors = await this.deps.embedder.embed(toEmbed, input.signal ? { signal: input.signal } : undefined);
    } catch (error) {
      embedSpan?.failWith(error);
      throw error;
    } finally {
      embedSpan?.end();
    }
    const embedded = performance.now();
    const scoreSpan = input.trace?.child('score');

    const empty: AxisScores = { scores: {}, ranked: [], margin: 0, top: [] };
    const topExemplars = this.deps.topExemplars ?? 5;
    let tierScores = empty;
    let intentScores = empty;
    // Every span ends whatever happens in it: a span left open is never exported, and its trace shows a gap.
    try {
      if (vectors.length > 0) {
        const queryVector = blendWithHistory(vectors[0]!, vectors.slice(1), settings.history_weight);
        tierScores = scoreAxis(this.indexes.tier, queryVector, { ...settings.tier, topExemplars }, this.scratch.tier);
        intentScores = scoreAxis(this.indexes.intent, queryVector, { ...settings.intent, topExemplars }, this.scratch.intent);
      }
      scoreSpan?.set({ 'router.tier.margin': tierScores.margin, 'router.intent.margin': intentScores.margin });
    } catch (error) {
      scoreSpan?.failWith(error);
      throw error;
    } finally {
      scoreSpan?.end();
    }
    // Rules, complexity signals, the cascade's consultation and the policy: everything between the scores and the decision.
    const decideSpan = input.trace?.child('decide');
    let ruleHits: RuleHit[];
    let complexity: ComplexityEvidence | undefined;
    let cascade: CascadeResult | undefined;
    let decision: Decision;
    try {
      // Rules and the complexity signals read the same bounded text: over 32k characters rules cost ~4.5 ms a query on
      // the event loop (150 ms for a batch of 32), and the word counts they test (at most 200) are decided well within the cut.
      const ruleText = headForRules(text.query, this.inputChars);
      ruleHits = query === '' ? [] : matchRules(routes.rules, ruleText);
      complexity = this.measureComplexity(ruleText, tierScores, settings);
      cascade = await this.consultCascade(text.query, tierScores, ruleHits, input.signal, decideSpan);
      const sessionFloor = input.sessionId ? this.deps.sessions.floor(input.sessionId) : undefined;
      decision = decideRoute({
        tierScores,
        intentScores,
        tierSettings: settings.tier,
        intentSettings: settings.intent,
        strategy,
        ruleHits,
        sessionFloor,
        table: routes.data.routing,
        isProviderAvailable: this.deps.isProviderAvailable,
        needsVision: text.hasImages,
        conversationNotes,
        turnModel: turnModel === undefined ? undefined : { turnKey: text.turnKey!, model: turnModel },
        complexity,
        cascade: cascade && this.deps.cascade ? { ...cascade, maxMargin: this.deps.cascade.maxMargin } : undefined,
      });
      if (input.sessionId) this.deps.sessions.remember(input.sessionId, decision.tier);
      decideSpan?.set({ 'router.tier': decision.tier, 'router.intent': decision.intent });
    } catch (error) {
      decideSpan?.failWith(error);
      throw error;
    } finally {
      decideSpan?.end();
    }
    const finished = performance.now();
    const decisionId = input.decisionId ?? randomUUID();
    this.recent.remember(decisionId, {
      query: this.deps.rememberQueries === true ? query : undefined,
      tier: decision.tier,
      intent: decision.intent,
      at: Date.now(),
      owner: input.owner,
    });

    const outcome: RouteOutcome = {
      decisionId,
      decision,
      strategy,
      query,
      tierScores,
      intentScores,
      ruleHits,
      complexity,
      sessionFloorApplied: decision.sessionFloorApplied,
      turnKey: text.turnKey,
      cascade,
      scoringSource: routes.scoring.source,
      configVersion: routes.version,
      timingsMs: { embed: embedded - started, score: finished - embedded, total: finished - started },
    };
    input.trace?.set(decisionAttributes(outcome));
    this.deps.onRoute?.(outcome);
    return outcome;
  }
}
