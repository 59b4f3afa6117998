import { AppError } from '../errors.js';
import type { ServiceState } from '../service-state.js';

export function requireProxy(state: ServiceState): NonNullable<ServiceState['proxy']> {
  if (!state.proxy) {
    throw new AppError('not_ready', 503, state.startupError ?? 'the router is still loading its embedder and exemplars; retry shortly');
  }
  return state.proxy;
}
