import { timingSafeEqual, createHash } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { AppError } from '../errors.js';

export interface AccessKeys {
  clientKeys: readonly string[];
  adminKey: string | undefined;
}

export type Caller = { role: 'admin' | 'client' | 'anonymous'; key: string | undefined };

/** The key a request presents: `Authorization: Bearer` (OpenAI SDKs) or `x-api-key` (Anthropic SDKs). */
export function presentedKey(c: Context): string | undefined {
  const authorization = c.req.header('authorization');
  if (authorization?.toLowerCase().startsWith('bearer ')) return authorization.slice(7).trim() || undefined;
  return c.req.header('x-api-key')?.trim() || undefined;
}

/** Compares digests so neither content nor length leaks through timing. */
function sameKey(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

function matches(keys: readonly string[], presented: string): boolean {
  // Check every key, not just until the first match, so the position of the match does not show in the timing.
  let found = false;
  for (const key of keys) found = sameKey(key, presented) || found;
  return found;
}

export function identifyCaller(keys: AccessKeys, presented: string | undefined): Caller {
  if (presented === undefined) return { role: 'anonymous', key: undefined };
  if (keys.adminKey !== undefined && sameKey(keys.adminKey, presented)) return { role: 'admin', key: presented };
  if (matches(keys.clientKeys, presented)) return { role: 'client', key: presented };
  return { role: 'anonymous', key: presented };
}

/**
 * Client routes: open when no client keys are configured (the service warns at
 * boot); otherwise a client key or the admin key is required.
 */
export function requireClient(keys: AccessKeys): MiddlewareHandler {
  return async function clientAuth(c, next) {
    if (keys.clientKeys.length === 0) return next();
    const presented = presentedKey(c);
    const caller = identifyCaller(keys, presented);
    if (presented === undefined) throw new AppError('unauthorized', 401, 'this router needs an API key: send "Authorization: Bearer <key>" or "x-api-key: <key>"');
    if (caller.role === 'anonymous') throw new AppError('unauthorized', 401, 'the API key is not valid for this router');
    return next();
  };
}

/** Admin routes: only the admin key; without ADMIN_API_KEY they are disabled. */
export function requireAdmin(keys: AccessKeys): MiddlewareHandler {
  return async function adminAuth(c, next) {
    if (keys.adminKey === undefined) throw new AppError('forbidden', 403, 'the admin API is disabled: set ADMIN_API_KEY to enable it');
    const presented = presentedKey(c);
    if (presented === undefined) throw new AppError('unauthorized', 401, 'admin routes need the admin key: send "Authorization: Bearer <ADMIN_API_KEY>"');
    const caller = identifyCaller(keys, presented);
    if (caller.role === 'client') throw new AppError('forbidden', 403, 'a client key cannot use admin routes; use the admin key');
    if (caller.role !== 'admin') throw new AppError('unauthorized', 401, 'the admin key is not valid');
    return next();
  };
}
