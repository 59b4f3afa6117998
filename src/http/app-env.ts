import type { Logger } from '../logger.js';
import type { RouterServices } from '../services.js';
import type { TraceSpan } from '../tracing/trace-span.js';

/** What the app's middleware puts on every request. */
export type AppEnv = {
  Variables: {
    /** Ours: the decision id and the ledger's key. */
    requestId: string;
    /** The client's `x-request-id`, when it sent a sane one: recorded beside ours, never a key. */
    clientRequestId: string | undefined;
    log: Logger;
    /** Aborts when REQUEST_TIMEOUT_MS passes (routes under the request timeout only). */
    deadline: AbortSignal | undefined;
    /** Set by `ready()` on /v1/*, /admin/* and /dashboard/api/*; routes outside those groups must not read it. */
    services: RouterServices;
    /** The request's server span, when tracing is on (src/tracing): the pipeline's spans are its children. */
    trace: TraceSpan | undefined;
  };
};
