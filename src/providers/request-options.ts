import type { ProviderCallOptions } from './types.js';

/** The SDKs' per-request options: the attempt's signal, and the attempt's trace headers when tracing is on. */
export function sdkRequestOptions(
  signal: AbortSignal,
  call: Pick<ProviderCallOptions, 'headers'>,
): { signal: AbortSignal; headers?: Record<string, string> } {
  return call.headers === undefined ? { signal } : { signal, headers: call.headers };
}
