import type { ChatProxy, ProxyServices } from './proxy/chat-proxy.js';
import type { RouterService } from './router-service.js';

/**
 * The server answers health checks while the embedder and exemplars load;
 * routes that need them check here and say "not ready" until they are.
 */
export interface ServiceState {
  router: RouterService | undefined;
  proxy: { chat: ChatProxy; services: ProxyServices } | undefined;
  startupError: string | undefined;
}

export function createServiceState(ready?: Pick<ServiceState, 'router' | 'proxy'>): ServiceState {
  return { router: ready?.router, proxy: ready?.proxy, startupError: undefined };
}
