import { createTierCascade } from './cascade/tier-cascade.js';
import type { Config } from './config.js';
import { loadersWithThreads, withRequestFastPath } from './embedding/fast-path.js';
import { selectEmbedder, type EmbedderLoaders } from './embedding/select-embedder.js';
import { seedExemplars } from './exemplars/seed.js';
import { ExemplarStore } from './exemplars/store.js';
import { ExemplarAdmin } from './exemplars/exemplar-admin.js';
import { ExemplarConflicts } from './exemplars/exemplar-conflicts.js';
import { RegressionGuard } from './exemplars/regression-guard.js';
import { FeedbackStore } from './feedback/feedback-store.js';
import { RequestLedger } from './ledger/request-ledger.js';
import { RequestTimeseries } from './ledger/request-timeseries.js';
import type { Logger } from './logger.js';
import type { RouterMetrics } from './metrics/metrics.js';
import { createCircuitBreaker } from './providers/circuit-breaker.js';
import { createProviderRegistry } from './providers/registry.js';
import { ChatProxy, type ProxyServices } from './proxy/chat-proxy.js';
import { ResponsesProxy } from './proxy/responses-proxy.js';
import { ResponseStore } from './responses/response-store.js';
import { RouterService, type RouteOutcome } from './router-service.js';
import { loadValidationSet } from './quality/validation-set.js';
import { join } from 'node:path';
import { DataFileError } from './routes-config/data-error.js';
import { loadRoutesData } from './routes-config/load-routes-data.js';
import { SessionMemory } from './routing/session-memory.js';
import { TurnMemory } from './routing/turn-memory.js';
import type { RouterServices } from './services.js';

/**
 * Loads routes-data, the embedder and the exemplar store; seeds an empty
 * database from routes-data and embeds whatever the active embedder lacks,
 * so the first start works with no separate seeding step.
 */
export async function bootRouter(
  config: Config,
  logger: Logger,
  loaders?: EmbedderLoaders,
  metrics?: RouterMetrics,
): Promise<RouterServices> {
  const routesData = loadRoutesData(config.routesDataDir);
  let registry = createProviderRegistry({ table: routesData.routing, env: config.providerEnv });
  for (const status of registry.list()) {
    if (!status.available) logger.info(`provider ${status.name} unavailable: ${status.reason ?? ''}`);
  }
  const embedder = await selectEmbedder(config.embedder, logger, loadersWithThreads(config.embedding, loaders));
  logger.info('embedder loaded', { embedder: embedder.id, dim: embedder.dim, standin: embedder.standin });

  const store = ExemplarStore.open(config.databasePath);
  try {
    const seedFromFiles = store.isEmpty() && config.seedOnStart;
    const started = performance.now();
    const summary = await seedExemplars(store, embedder, seedFromFiles ? routesData.exemplars : []);
    if (seedFromFiles || summary.embedded > 0) {
      logger.info(seedFromFiles ? 'seeded an empty database from routes-data' : 'embedded exemplars the active embedder lacked', {
        added: summary.added,
        embedded: summary.embedded,
        version: summary.version,
        ms: Math.round(performance.now() - started),
      });
    }
    // One breaker for proxied calls and cascade consultations: an upstream that is down is down for both.
    const breaker = createCircuitBreaker({
      failureThreshold: config.proxy.breakerFailureThreshold,
      cooldownMs: config.proxy.breakerCooldownMs,
    });
    const cascade =
      config.cascade.model === undefined
        ? undefined
        : createTierCascade({
            model: config.cascade.model,
            maxMargin: config.cascade.maxMargin,
            timeoutMs: config.cascade.timeoutMs,
            cacheSize: config.cascade.cacheSize,
            table: routesData.routing,
            prices: routesData.prices,
            registry,
            breaker,
          });
    if (cascade) {
      const provider = routesData.routing.models[cascade.model]!.provider;
      if (!registry.isAvailable(provider))
        logger.warn(
          `CASCADE_MODEL ${cascade.model} needs provider ${provider}, which has no key: the cascade will keep the kNN tier`,
        );
      logger.info('cascade on', { model: cascade.model, max_margin: cascade.maxMargin, timeout_ms: config.cascade.timeoutMs });
    }
    const router = new RouterService({
      embedder: withRequestFastPath(embedder, config.embedding),
      store,
      routesData,
      sessions: new SessionMemory(
        config.routing.sessionTtlMs,
        config.routing.sessionMaxEntries,
        undefined,
        config.routing.sessionMaxBytes,
      ),
      turns:
        config.routing.turnMemorySize > 0
          ? new TurnMemory(config.routing.sessionTtlMs, config.routing.turnMemorySize)
          : undefined,
      defaultStrategy: config.routing.defaultStrategy,
      decisionMemorySize: config.decisionMemorySize,
      decisionMemoryMaxBytes: config.decisionMemoryMaxBytes,
      rememberQueries: config.proxy.storePrompts,
      coarseMinRows: config.scoring.coarseMinRows,
      isProviderAvailable: (provider) => registry.isAvailable(provider),
      cascade,
      ...(metrics ? { onRoute: (outcome: RouteOutcome) => metrics.observeRoute(outcome) } : {}),
    });
    metrics?.setEmbedder(router.embedder.id, router.embedder.standin);
    metrics?.setExemplarSet(router.exemplarSet().version, router.exemplarSet().revision);
    if (router.exemplarSet().total === 0)
      logger.warn('the exemplar set is empty: every query will get the default tier and intent general');
    const ledger = new RequestLedger(store.db, {
      onWriteError: (error, entry) =>
        logger.error('ledger write failed', { decision_id: entry.decisionId, error: error.message }),
    });
    const services: ProxyServices = {
      registry,
      breaker,
      ledger,
      routesData,
    };
    metrics?.watchBreaker(services.breaker, routesData.routing);
    const check = config.promotionCheck;
    const guard =
      check.mode === 'off'
        ? undefined
        : new RegressionGuard({
            store,
            embedder: router.embedder,
            mode: check.mode,
            tolerance: check.tolerance,
            settings: () => router.scoringSettings,
            validation: check.validationSetPath === undefined ? [] : loadValidationSet(check.validationSetPath),
          });
    if (guard)
      logger.info('exemplar changes are checked for regressions', {
        mode: check.mode,
        tolerance: check.tolerance,
        validation_set: check.validationSetPath ?? null,
      });
    const exemplars = new ExemplarAdmin(
      store,
      router.embedder,
      () => {
        router.reload();
        const { version, revision } = router.exemplarSet();
        logger.info('exemplar set changed', { version, revision });
        metrics?.setExemplarSet(version, revision);
        return { version, revision };
      },
      guard,
    );
    const chat = new ChatProxy(router, services, config.proxy, logger, (entry) => metrics?.observeProxied(entry));
    const responseStore =
      config.proxy.responsesTtlMs > 0 ? new ResponseStore(store.db, { ttlMs: config.proxy.responsesTtlMs }) : undefined;
    const booted: RouterServices = {
      router,
      store,
      routesData,
      registry,
      proxy: { chat, responses: new ResponsesProxy(chat, { store: responseStore }), services },
      ledger,
      // The ledger's `requests` table lives in the exemplar store's database.
      timeseries: new RequestTimeseries(store.db),
      feedback: new FeedbackStore(store.db),
      admin: { exemplars, conflicts: new ExemplarConflicts(store, () => router.embedder.id) },
      embedder,
      reloadRoutes() {
        // Everything that can fail happens before the first assignment; the swap itself is synchronous, so no
        // request sees half of it. In-flight requests finish on the candidates they already planned.
        const next = loadRoutesData(config.routesDataDir);
        // The boot refuses an unknown CASCADE_MODEL; a reload must not remove it either. (The cascade keeps the
        // provider and model name it resolved at boot.)
        if (config.cascade.model !== undefined && !(config.cascade.model in next.routing.models)) {
          throw new DataFileError([
            `${join(config.routesDataDir, 'routing.json')}: CASCADE_MODEL ${config.cascade.model} is not in models`,
          ]);
        }
        const nextRegistry = createProviderRegistry({ table: next.routing, env: config.providerEnv });
        const version = router.applyRoutesData(next);
        registry = nextRegistry;
        services.registry = nextRegistry;
        services.routesData = next;
        booted.registry = nextRegistry;
        booted.routesData = next;
        metrics?.setConfigVersion(version);
        metrics?.watchBreaker(services.breaker, next.routing);
        const reload = {
          version,
          models: Object.keys(next.routing.models).length,
          rules: next.rules.length,
          scoring: router.scoringSource,
        };
        logger.info('routes-data reloaded', reload);
        return reload;
      },
    };
    return booted;
  } catch (error) {
    store.close();
    await embedder.close?.();
    throw error;
  }
}
