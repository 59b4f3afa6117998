import type { Context, MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { AppError } from '../errors.js';
import { hashKey } from '../caching/byte-budget-lru.js';
import { presentedKey } from './auth.js';

export interface RateLimitOptions {
  perSecond: number;
  burst: number;
  now?: () => number;
  /** Buckets kept at once; the least recently used go first. */
  maxBuckets?: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** A token bucket: refills at `perSecond`, holds at most `burst`. */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;

  constructor(private readonly options: RateLimitOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Takes a token; returns 0 when allowed, otherwise the milliseconds until one is available. */
  take(rawKey: string): number {
    // A key is a client's text (an API key of any length): the map holds its hash.
    const key = hashKey(rawKey);
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.options.burst, updatedAt: now };
    bucket.tokens = Math.min(this.options.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.options.perSecond);
    bucket.updatedAt = now;
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > (this.options.maxBuckets ?? 100_000)) this.buckets.delete(this.buckets.keys().next().value as string);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) / this.options.perSecond) * 1000);
  }
}

/** The address a request came from; `local` under app.request() (tests), which has no socket. */
export function callerAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'local';
  }
}

function callerKey(c: Context): string {
  const key = presentedKey(c);
  return key !== undefined ? `key:${key}` : `addr:${callerAddress(c)}`;
}

/** 429 with `retry-after` once a caller's bucket is empty. */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler {
  const buckets = new TokenBuckets(options);
  return async function rateLimiter(c, next) {
    if (options.perSecond <= 0) return next();
    const waitMs = buckets.take(callerKey(c));
    if (waitMs > 0) {
      c.header('retry-after', String(Math.max(1, Math.ceil(waitMs / 1000))));
      throw new AppError(
        'rate_limited',
        429,
        `rate limit of ${options.perSecond} requests/s exceeded; retry after ${Math.ceil(waitMs / 1000)} s`,
      );
    }
    return next();
  };
}
