import { SpanKind, type TextMapGetter } from '@opentelemetry/api';
import type { Context, MiddlewareHandler } from 'hono';
import { AppError } from '../errors.js';
import type { AppEnv } from './app-env.js';
import { TraceSpan } from '../tracing/trace-span.js';
import type { Tracing } from '../tracing/tracing.js';

/** Probes and scrapes: a trace every few seconds per replica that says nothing about routing. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

const requestHeaders: TextMapGetter<Context<AppEnv>> = {
  keys: (c) => Object.keys(c.req.header()),
  get: (c, key) => c.req.header(key),
};

/**
 * How long a streamed answer's span waits, once the stream ended or the client
 * left, for the work still running behind it. A client that disconnects ends
 * the body before the proxy has heard its upstream abort; the proxy's
 * `finally` (ledger, attempts, cost, error code) follows within milliseconds,
 * and a proxy that never settles must not keep the span, unexported, forever.
 */
const SETTLE_TIMEOUT_MS = 10_000;

/** Calls `fn` after `ms`; returns what cancels it. Injected by tests, which fire it themselves. */
export type SettleTimer = (fn: () => void, ms: number) => () => void;

const unrefTimer: SettleTimer = (fn, ms) => {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

export interface RequestSpanOptions {
  settleTimeoutMs?: number;
  timer?: SettleTimer;
}

/** Ends `span` once its holds are released, or after `timeoutMs` when one never is. */
function endWhenReleased(span: TraceSpan, timeoutMs: number, timer: SettleTimer): void {
  let cancel: () => void = () => undefined;
  const timedOut = new Promise<void>((resolve) => {
    cancel = timer(resolve, timeoutMs);
  });
  void Promise.race([span.released(), timedOut]).then(() => {
    cancel();
    span.end();
  });
}

/**
 * Calls `onEnd` once the body has been read to its end, failed, or been
 * cancelled by a client that left, so a streamed answer's span covers the
 * whole stream. A cancel also settles a read in flight (as done), so `onEnd`
 * runs once, whichever path gets there first.
 */
function endingWhenRead(body: ReadableStream<Uint8Array>, onEnd: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let ended = false;
  const endOnce = (): void => {
    if (ended) return;
    ended = true;
    onEnd();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await reader.read();
        if (next.done) {
          endOnce();
          controller.close();
        } else controller.enqueue(next.value);
      } catch (error) {
        endOnce();
        controller.error(error);
      }
    },
    async cancel(reason) {
      try {
        await reader.cancel(reason);
      } finally {
        endOnce();
      }
    },
  });
}

/**
 * The server span of every request (HTTP semantic conventions), the child of
 * the caller's span when a `traceparent` came in. The handlers find it as
 * `c.get('trace')` and hang the pipeline's spans and the decision on it.
 *
 * Health probes and metric scrapes are not traced.
 *
 * The response carries `traceparent` naming this span, and `traceresponse`
 * (the same value, the W3C Trace Context Level 2 draft's response header), so
 * a caller without tracing of its own can still quote the trace id.
 *
 * A streamed answer's span ends after the stream and after the work that
 * holds it (`TraceSpan.hold`): the proxy's served-call attributes.
 */
export function traceRequests(tracing: Tracing, options: RequestSpanOptions = {}): MiddlewareHandler<AppEnv> {
  const settleTimeoutMs = options.settleTimeoutMs ?? SETTLE_TIMEOUT_MS;
  const timer = options.timer ?? unrefTimer;
  return async function traced(c, next) {
    if (UNTRACED_PATHS.has(c.req.path)) return next();
    const { method } = c.req;
    const url = new URL(c.req.url);
    const attributes: Record<string, string | number> = {
      'http.request.method': method,
      'url.path': url.pathname,
      'url.scheme': url.protocol.replace(/:$/, ''),
    };
    const userAgent = c.req.header('user-agent');
    if (userAgent !== undefined) attributes['user_agent.original'] = userAgent;
    const span = TraceSpan.continuing(tracing.tracer, method, { kind: SpanKind.SERVER, attributes }, c, requestHeaders);
    c.set('trace', span);
    const traceparent = span.headers().traceparent;
    // Set before the handler runs, as request-context does for x-request-id (Hono keeps prepared headers cheaply).
    if (traceparent !== undefined) {
      c.header('traceparent', traceparent);
      c.header('traceresponse', traceparent);
    }
    try {
      await next();
    } finally {
      if (traceparent !== undefined && c.res.headers.get('traceparent') !== traceparent) {
        // A handler that returns its own Response (an SSE stream) bypasses the prepared headers.
        c.header('traceparent', traceparent);
        c.header('traceresponse', traceparent);
      }
      const route = c.req.routePath;
      if (route && route !== '/*' && route !== '*') {
        span.rename(`${method} ${route}`);
        span.set({ 'http.route': route });
      }
      const status = c.res.status;
      span.set({ 'http.response.status_code': status });
      const requestId = c.get('requestId');
      if (requestId !== undefined) span.set({ 'router.request_id': requestId });
      const error = c.error;
      if (error instanceof AppError) span.set({ 'router.error_code': error.code });
      // Server spans fail on 5xx only: a 4xx is the client's mistake, not the server's (HTTP conventions).
      if (status >= 500) span.fail(error instanceof AppError ? error.code : String(status), error?.message ?? `status ${status}`);
      const body = c.res.body;
      const streaming = (c.res.headers.get('content-type') ?? '').startsWith('text/event-stream');
      if (streaming && body !== null)
        c.res = new Response(
          endingWhenRead(body, () => endWhenReleased(span, settleTimeoutMs, timer)),
          c.res,
        );
      else span.end();
    }
  };
}
