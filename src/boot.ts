import type { Config } from './config.js';
import { selectEmbedder, type EmbedderLoaders } from './embedding/select-embedder.js';
import { seedExemplars } from './exemplars/seed.js';
import { ExemplarStore } from './exemplars/store.js';
import type { Logger } from './logger.js';
import { RouterService } from './router-service.js';
import { loadRoutesData, type RoutesData } from './routes-data/load-routes-data.js';
import type { RoutingTable } from './routes-data/schemas.js';
import { SessionMemory } from './routing/session-memory.js';

export interface BootedRouter {
  router: RouterService;
  store: ExemplarStore;
  routesData: RoutesData;
}

/** A provider can take traffic when the environment variable its routing.json entry names holds a key. */
export function providerAvailability(table: RoutingTable, env: Readonly<Record<string, string | undefined>>) {
  return (provider: string): boolean => {
    const config = table.providers[provider];
    return config !== undefined && (env[config.api_key_env] ?? '') !== '';
  };
}

/**
 * Loads routes-data, the embedder and the exemplar store; seeds an empty
 * database from routes-data and embeds whatever the active embedder lacks,
 * so the first start works with no separate seeding step.
 */
export async function bootRouter(config: Config, logger: Logger, loaders?: EmbedderLoaders): Promise<BootedRouter> {
  const routesData = loadRoutesData(config.routesDataDir);
  const embedder = await selectEmbedder(config.embedder, logger, loaders);
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
    const router = new RouterService({
      embedder,
      store,
      routesData,
      sessions: new SessionMemory(config.routing.sessionTtlMs, config.routing.sessionMaxEntries),
      defaultStrategy: config.routing.defaultStrategy,
      isProviderAvailable: providerAvailability(routesData.routing, config.providerEnv),
    });
    if (router.exemplarSet().total === 0) logger.warn('the exemplar set is empty: every query will get the default tier and intent general');
    return { router, store, routesData };
  } catch (error) {
    store.close();
    throw error;
  }
}
