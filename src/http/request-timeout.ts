import type { Context, MiddlewareHandler } from 'hono';
import { AppError } from '../errors.js';
import type { AppEnv } from './app-env.js';
import { clientSignal } from './node-request.js';

/**
 * Fails a request that takes longer than `ms` with a 504 in our error shape,
 * and aborts the request's signal (`c.get('deadline')`) at that moment, so the
 * work it queued (embeddings waiting for the model) is withdrawn rather than
 * run for nobody after the 504.
 */
export function requestTimeout(ms: number): MiddlewareHandler<AppEnv> {
  return async function timeoutGuard(c, next) {
    const controller = new AbortController();
    c.set('deadline', controller.signal);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new AppError('request_timeout', 504, `the request took longer than ${ms} ms (REQUEST_TIMEOUT_MS)`);
        controller.abort(error);
        reject(error);
      }, ms);
    });
    try {
      await Promise.race([next(), expired]);
    } finally {
      clearTimeout(timer);
    }
  };
}

/** Aborts when the request's deadline passes or its client goes away, whichever comes first. */
export function requestSignal(c: Context<AppEnv>): AbortSignal {
  const deadline = c.get('deadline');
  const client = clientSignal(c);
  return deadline === undefined ? client : AbortSignal.any([deadline, client]);
}
