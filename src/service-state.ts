import type { RouterService } from './router-service.js';

/**
 * The server answers health checks while the embedder and exemplars load;
 * routes that need them check here and say "not ready" until they are.
 */
export interface ServiceState {
  router: RouterService | undefined;
  startupError: string | undefined;
}

export function createServiceState(router?: RouterService): ServiceState {
  return { router, startupError: undefined };
}
