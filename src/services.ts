import type { Embedder } from './embedding/embedder.js';
import type { ExemplarAdmin } from './exemplars/exemplar-admin.js';
import type { ExemplarConflicts } from './exemplars/exemplar-conflicts.js';
import type { ExemplarStore } from './exemplars/store.js';
import type { FeedbackStore } from './feedback/feedback-store.js';
import type { RequestLedger } from './ledger/request-ledger.js';
import type { RequestTimeseries } from './ledger/request-timeseries.js';
import type { ProviderRegistry } from './providers/registry.js';
import type { ChatProxy, ProxyServices } from './proxy/chat-proxy.js';
import type { ResponsesProxy } from './proxy/responses-proxy.js';
import type { RouterService } from './router-service.js';
import type { RoutesData } from './routes-config/load-routes-data.js';

/**
 * Everything the routes need once boot has finished, built in one place
 * (`bootRouter`) and handed to the app as a whole: the app reads it through
 * a getter, so it is either all there or not there at all.
 */
export interface RouterServices {
  router: RouterService;
  store: ExemplarStore;
  routesData: RoutesData;
  registry: ProviderRegistry;
  proxy: { chat: ChatProxy; responses: ResponsesProxy; services: ProxyServices };
  ledger: RequestLedger;
  timeseries: RequestTimeseries;
  feedback: FeedbackStore;
  admin: { exemplars: ExemplarAdmin; conflicts: ExemplarConflicts };
  /** The bare embedder (the router holds it wrapped in its cache and batcher); `close` stops a worker pool. */
  embedder: Embedder;
  /**
   * Re-reads and validates routes-data (routing, prices, rules, scoring,
   * calibrations) and swaps it in; throws DataFileError, changing nothing,
   * when a file is invalid. SIGHUP and POST /admin/reload call it.
   */
  reloadRoutes(): RoutesReload;
}

export interface RoutesReload {
  version: number;
  models: number;
  rules: number;
  scoring: string;
}
