import { timingSafeEqual, createHash } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { hashKey } from '../caching/byte-budget-lru.js';
import { AppError } from '../errors.js';
import { callerAddress, TokenBuckets } from './rate-limit.js';

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

/**
 * Who made a request, as a hash of its key (never the key itself): a decision
 * remembers it, and only the same key (or the admin key) may give feedback on it.
 */
export function callerFingerprint(c: Context): string | undefined {
  const key = presentedKey(c);
  return key === undefined ? undefined : hashKey(key);
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
 * Counts failed authentications against the caller's address: past a burst,
 * the answer is 429 instead of 401, so guessing keys costs time. A rejected
 * key cannot be the bucket (every guess would get a fresh one). Requests with
 * a valid key are never held back by the failures of others at their address.
 * One counter serves the client and the admin routes.
 */
export type AuthFailureCounter = (c: Context, failure: AppError) => AppError;

export function authFailureCounter(limit: { burst: number; perMinute: number; now?: () => number }): AuthFailureCounter {
  if (limit.perMinute <= 0) return (_c, failure) => failure;
  const buckets = new TokenBuckets({
    perSecond: limit.perMinute / 60,
    burst: limit.burst,
    ...(limit.now ? { now: limit.now } : {}),
  });
  return (c, failure) => {
    const waitMs = buckets.take(`auth-failures:${callerAddress(c)}`);
    if (waitMs === 0) return failure;
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    c.header('retry-after', String(seconds));
    return new AppError('rate_limited', 429, `too many failed authentications from this address; retry after ${seconds} s`);
  };
}

const uncounted: AuthFailureCounter = (_c, failure) => failure;

/**
 * Client routes: open when no client keys are configured (the service warns at
 * boot); otherwise a client key or the admin key is required.
 */
export function requireClient(keys: AccessKeys, failed: AuthFailureCounter = uncounted): MiddlewareHandler {
  return async function clientAuth(c, next) {
    if (keys.clientKeys.length === 0) return next();
    const presented = presentedKey(c);
    const caller = identifyCaller(keys, presented);
    if (presented === undefined)
      throw failed(
        c,
        new AppError(
          'unauthorized',
          401,
          'this router needs an API key: send "Authorization: Bearer <key>" or "x-api-key: <key>"',
        ),
      );
    if (caller.role === 'anonymous')
      throw failed(c, new AppError('unauthorized', 401, 'the API key is not valid for this router'));
    return next();
  };
}

/** Admin routes: only the admin key; without ADMIN_API_KEY they are disabled. */
export function requireAdmin(keys: AccessKeys, failed: AuthFailureCounter = uncounted): MiddlewareHandler {
  return async function adminAuth(c, next) {
    if (keys.adminKey === undefined)
      throw new AppError('forbidden', 403, 'the admin API is disabled: set ADMIN_API_KEY to enable it');
    const presented = presentedKey(c);
    if (presented === undefined)
      throw failed(
        c,
        new AppError('unauthorized', 401, 'admin routes need the admin key: send "Authorization: Bearer <ADMIN_API_KEY>"'),
      );
    const caller = identifyCaller(keys, presented);
    if (caller.role === 'client') throw new AppError('forbidden', 403, 'a client key cannot use admin routes; use the admin key');
    if (caller.role !== 'admin') throw failed(c, new AppError('unauthorized', 401, 'the admin key is not valid'));
    return next();
  };
}
