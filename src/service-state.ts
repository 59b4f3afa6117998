import type { ExemplarAdmin } from './exemplars/exemplar-admin.js';
import type { ExemplarConflicts } from './exemplars/exemplar-conflicts.js';
import type { ExemplarStore } from './exemplars/store.js';
import type { FeedbackStore } from './feedback/feedback-store.js';
import type { ChatProxy, ProxyServices } from './proxy/chat-proxy.js';
import type { ResponsesProxy } from './proxy/responses-proxy.js';
import type { RouterService } from './router-service.js';

/**
 * The server answers health checks while the embedder and exemplars load;
 * routes that need them check here and say "not ready" until they are.
 */
export interface ServiceState {
  router: RouterService | undefined;
  proxy: { chat: ChatProxy; responses: ResponsesProxy; services: ProxyServices } | undefined;
  admin:
    | { exemplars: ExemplarAdmin; feedback: FeedbackStore; router: RouterService; store: ExemplarStore; conflicts: ExemplarConflicts }
    | undefined;
  startupError: string | undefined;
  /** Set on SIGTERM: /readyz turns 503 so the load balancer stops sending traffic while requests drain. */
  draining: boolean;
}

export function createServiceState(ready?: Pick<ServiceState, 'router' | 'proxy' | 'admin'>): ServiceState {
  return { router: ready?.router, proxy: ready?.proxy, admin: ready?.admin, startupError: undefined, draining: false };
}
