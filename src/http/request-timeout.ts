import type { MiddlewareHandler } from 'hono';
import { AppError } from '../errors.js';

/** Fails a request that takes longer than `ms` with a 504 in our error shape. */
export function requestTimeout(ms: number): MiddlewareHandler {
  return async function timeoutGuard(_c, next) {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AppError('request_timeout', 504, `the request took longer than ${ms} ms (REQUEST_TIMEOUT_MS)`)), ms);
    });
    try {
      await Promise.race([next(), expired]);
    } finally {
      clearTimeout(timer);
    }
  };
}
