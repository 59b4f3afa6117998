import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LedgerEntry } from '../ledger/request-ledger.js';
import type { CircuitBreaker } from '../providers/circuit-breaker.js';
import { modelCircuit } from '../providers/forward.js';
import type { RouteOutcome } from '../router-service.js';
import type { RoutingTable } from '../routes-config/schemas.js';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const SIMILARITY_BUCKETS = [-0.2, 0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];
const MARGIN_BUCKETS = [0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1];
const CIRCUIT_VALUE = { closed: 0, half_open: 1, open: 2 } as const;

/** The circuits /metrics reports: one per provider (transport failures) and one per model (`[model, provider]`). */
interface WatchedCircuits {
  providers: readonly string[];
  models: readonly (readonly [model: string, provider: string])[];
}

/**
 * Everything /metrics exposes, on a registry of its own so each app (and each
 * test) counts separately.
 */
export class RouterMetrics {
  readonly registry = new Registry();
  private readonly requests;
  private readonly requestSeconds;
  private readonly decisions;
  private readonly routeSeconds;
  private readonly embedSeconds;
  private readonly scoreSeconds;
  private readonly topSimilarity;
  private readonly margin;
  private readonly upstreamSeconds;
  private readonly attempts;
  private readonly proxied;
  private readonly fallbacks;
  private readonly tokens;
  private readonly cascades;
  private readonly cost;
  private readonly baselineCost;
  private readonly embedderInfo;
  private readonly exemplarSet;
  private readonly exemplarRevision;
  private readonly configVersion;
  private breaker: { breaker: CircuitBreaker; circuits: WatchedCircuits } | undefined;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'router_http_requests_total',
      help: 'HTTP requests by endpoint, method and status',
      labelNames: ['endpoint', 'method', 'status'],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'router_http_request_seconds',
      help: 'HTTP request duration',
      labelNames: ['endpoint'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.decisions = new Counter({
      name: 'router_decisions_total',
      help: 'Routing decisions by tier, intent, model and strategy',
      labelNames: ['tier', 'intent', 'model', 'strategy'],
      registers,
    });
    this.routeSeconds = new Histogram({
      name: 'router_route_seconds',
      help: 'Time to decide a route (embed + score + decide)',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.embedSeconds = new Histogram({
      name: 'router_embed_seconds',
      help: 'Time to embed a query',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.scoreSeconds = new Histogram({
      name: 'router_score_seconds',
      help: 'Time to score and decide',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.topSimilarity = new Histogram({
      name: 'router_top1_similarity',
      help: 'Best label score per axis: drift and low-confidence traffic show here',
      labelNames: ['axis'],
      buckets: SIMILARITY_BUCKETS,
      registers,
    });
    this.margin = new Histogram({
      name: 'router_top_margin',
      help: 'Best minus second-best label score per axis',
      labelNames: ['axis'],
      buckets: MARGIN_BUCKETS,
      registers,
    });
    this.upstreamSeconds = new Histogram({
      name: 'router_upstream_seconds',
      help: 'Upstream time of proxied requests',
      labelNames: ['provider', 'model'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.attempts = new Counter({
      name: 'router_upstream_attempts_total',
      help: 'Upstream attempts by provider, model and outcome',
      labelNames: ['provider', 'model', 'outcome'],
      registers,
    });
    this.proxied = new Counter({
      name: 'router_proxied_requests_total',
      help: 'Proxied calls by endpoint and how they ended: ok, error (error_code says which) or client_closed',
      labelNames: ['endpoint', 'status', 'error_code'],
      registers,
    });
    this.fallbacks = new Counter({
      name: 'router_fallbacks_total',
      help: 'Requests answered by a candidate other than the first',
      labelNames: ['model'],
      registers,
    });
    this.tokens = new Counter({
      name: 'router_tokens_total',
      help: 'Tokens by model and direction',
      labelNames: ['model', 'direction'],
      registers,
    });
    this.cascades = new Counter({
      name: 'router_cascade_total',
      help: 'Cascade consultations on uncertain tiers, by model and outcome',
      labelNames: ['model', 'outcome'],
      registers,
    });
    this.cost = new Counter({ name: 'router_cost_usd_total', help: 'Spend in USD by model', labelNames: ['model'], registers });
    this.baselineCost = new Counter({
      name: 'router_baseline_cost_usd_total',
      help: 'What the baseline model would have cost for the same tokens',
      registers,
    });
    this.embedderInfo = new Gauge({
      name: 'router_embedder_info',
      help: 'The active embedder (value 1)',
      labelNames: ['embedder', 'standin'],
      registers,
    });
    this.exemplarSet = new Gauge({
      name: 'router_exemplar_set_info',
      help: 'The exemplar set version (value 1); replicas should agree',
      labelNames: ['version'],
      registers,
    });
    this.exemplarRevision = new Gauge({
      name: 'router_exemplar_revision',
      help: "Changes to this replica's exemplar set",
      registers,
    });
    this.configVersion = new Gauge({
      name: 'router_config_version',
      help: 'Routes-data version: 1 at start, +1 per accepted reload',
      registers,
    });
    this.configVersion.set(1);
    const watched = () => this.breaker;
    new Gauge({
      name: 'router_circuit_state',
      help: 'Circuit breakers, 0 closed, 1 half-open, 2 open: per model (provider and model labels), and per provider for transport failures (provider label only)',
      labelNames: ['provider', 'model'],
      registers,
      collect() {
        const watching = watched();
        if (!watching) return;
        const { breaker, circuits } = watching;
        // A reload can drop a model: only what the routing table names now is reported.
        this.reset();
        for (const provider of circuits.providers) this.set({ provider }, CIRCUIT_VALUE[breaker.state(provider)]);
        for (const [model, provider] of circuits.models)
          this.set({ provider, model }, CIRCUIT_VALUE[breaker.state(modelCircuit(model))]);
      },
    });
  }

  /** Reports the breaker's circuits for the routing table's providers and models (again after each reload). */
  watchBreaker(breaker: CircuitBreaker, routing: Pick<RoutingTable, 'providers' | 'models'>): void {
    this.breaker = {
      breaker,
      circuits: {
        providers: Object.keys(routing.providers),
        models: Object.entries(routing.models).map(([model, config]) => [model, config.provider] as const),
      },
    };
  }

  setEmbedder(id: string, standin: boolean): void {
    this.embedderInfo.reset();
    this.embedderInfo.set({ embedder: id, standin: String(standin) }, 1);
  }

  setConfigVersion(version: number): void {
    this.configVersion.set(version);
  }

  setExemplarSet(version: string, revision: number): void {
    this.exemplarSet.reset();
    this.exemplarSet.set({ version }, 1);
    this.exemplarRevision.set(revision);
  }

  observeRequest(endpoint: string, method: string, status: number, seconds: number): void {
    this.requests.inc({ endpoint, method, status: String(status) });
    this.requestSeconds.observe({ endpoint }, seconds);
  }

  observeRoute(outcome: RouteOutcome): void {
    const { decision } = outcome;
    this.decisions.inc({
      tier: decision.tier,
      intent: decision.intent,
      model: decision.chosen?.id ?? 'none',
      strategy: outcome.strategy,
    });
    this.routeSeconds.observe(outcome.timingsMs.total / 1000);
    this.embedSeconds.observe(outcome.timingsMs.embed / 1000);
    this.scoreSeconds.observe(outcome.timingsMs.score / 1000);
    for (const [axis, scores] of [
      ['tier', outcome.tierScores],
      ['intent', outcome.intentScores],
    ] as const) {
      const best = scores.ranked[0];
      if (!best) continue;
      this.topSimilarity.observe({ axis }, best.score);
      this.margin.observe({ axis }, scores.margin);
    }
    const { cascade } = outcome;
    if (cascade) {
      this.cascades.inc({ model: cascade.model, outcome: cascade.outcome });
      // Counted here, for routed-only requests too; observeProxied leaves it out of the answering model's spend.
      if (cascade.costUsd) this.cost.inc({ model: cascade.model }, cascade.costUsd);
    }
  }

  observeProxied(entry: LedgerEntry): void {
    // A stream is a 200 in router_http_requests_total whatever happens after its first byte; this counts how it ended.
    this.proxied.inc({ endpoint: entry.endpoint, status: entry.status, error_code: entry.errorCode ?? 'none' });
    for (const attempt of entry.attempts)
      this.attempts.inc({ provider: attempt.provider, model: attempt.model, outcome: attempt.status });
    if (!entry.model) return;
    if (entry.upstreamMs !== undefined && entry.provider)
      this.upstreamSeconds.observe({ provider: entry.provider, model: entry.model }, entry.upstreamMs / 1000);
    if (entry.attempts.length > 1 && entry.attempts.at(-1)?.status === 'ok') this.fallbacks.inc({ model: entry.model });
    if (entry.inputTokens !== undefined) this.tokens.inc({ model: entry.model, direction: 'input' }, entry.inputTokens);
    if (entry.outputTokens !== undefined) this.tokens.inc({ model: entry.model, direction: 'output' }, entry.outputTokens);
    if (entry.costUsd !== undefined)
      this.cost.inc({ model: entry.model }, Math.max(0, entry.costUsd - (entry.cascadeCostUsd ?? 0)));
    if (entry.baselineCostUsd !== undefined && entry.costUsd !== undefined) this.baselineCost.inc(entry.baselineCostUsd);
  }
}
