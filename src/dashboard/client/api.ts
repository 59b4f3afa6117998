/** Calls to the service's own JSON API, with the key the user entered for this tab. */

const KEY_STORAGE = 'router-dashboard-key';

export function apiKey(): string {
  try {
    return sessionStorage.getItem(KEY_STORAGE) ?? '';
  } catch {
    return '';
  }
}

/** Stores the key for this tab (an empty value forgets it); with storage off, the key lasts for this page only. */
export function storeApiKey(value: string): void {
  try {
    if (value) sessionStorage.setItem(KEY_STORAGE, value);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // Storage is off: nothing to keep or forget.
  }
}

/** A refusal from the service, with its status and stable error code. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function errorOf(data: unknown): { message?: unknown; code?: unknown } | undefined {
  if (typeof data !== 'object' || data === null || !('error' in data)) return undefined;
  const error = data.error;
  return typeof error === 'object' && error !== null ? error : undefined;
}

/**
 * The answer's JSON as the type the caller names: the service is this page's
 * own origin and its shapes are tested on the server side.
 */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const key = apiKey();
  if (key) headers.authorization = `Bearer ${key}`;
  const response = await fetch(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = errorOf(data);
    const message = typeof error?.message === 'string' && error.message ? error.message : `HTTP ${response.status}`;
    throw new ApiError(message, response.status, typeof error?.code === 'string' ? error.code : undefined);
  }
  return data as T;
}

/** What the user should do about a failure, in words. */
export function describeFailure(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  if (error.status === 401) return `The service needs a key: open "API key" at the top and enter it. (${error.message})`;
  if (error.status === 403) return `This key may not do that${error.code ? ` (${error.code})` : ''}: ${error.message}`;
  if (error.status === 503) return `The router is still loading; try again in a moment. (${error.message})`;
  return error.message;
}
