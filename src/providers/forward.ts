import type { CircuitBreaker } from './circuit-breaker.js';
import { startDeadline, type Deadline, type DeadlineTimers } from './deadline.js';
import { ProviderError, type ProviderErrorKind } from './types.js';

export interface ForwardCandidate {
  /** The routing table's model id (what the ledger and the price table know). */
  model: string;
  /** The routing table's provider name (what the registry and the breaker know). */
  provider: string;
}

export interface AttemptError {
  kind: ProviderErrorKind | 'circuit_open';
  message: string;
  retryable: boolean;
  status?: number;
  retryAfterMs?: number;
}

export interface AttemptRecord {
  model: string;
  provider: string;
  /** `skipped`: not called, because its circuit was open. */
  status: 'ok' | 'error' | 'skipped';
  error?: AttemptError;
  /** Until the answer (non-streaming) or the first chunk (streaming). */
  latencyMs: number;
}

export interface AttemptContext {
  /** Aborts on client disconnect or when the total deadline passes. */
  signal: AbortSignal;
  /** This attempt's budget: the per-attempt timeout, or less when the total deadline is nearer. */
  timeoutMs: number;
  /** The attempt span's W3C trace context (`traceparent`), sent upstream when tracing is on. */
  headers?: Record<string, string> | undefined;
}

export interface ForwardOptions {
  breaker: CircuitBreaker;
  /** For a stream, the budget until its first chunk; after that only the client's signal and per-event timeouts apply. */
  totalTimeoutMs: number;
  attemptTimeoutMs: number;
  signal: AbortSignal;
  now?: () => number;
  /** The total deadline's clock; tests step their own. */
  timers?: DeadlineTimers | undefined;
}

export interface ForwardResult<C extends ForwardCandidate, T> {
  value: T;
  candidate: C;
  attempts: AttemptRecord[];
}

export interface StreamForwardResult<C extends ForwardCandidate, T> {
  /** The first chunk, then the rest; an error after the first chunk surfaces here, with no fallback. */
  stream: AsyncIterable<T>;
  candidate: C;
  attempts: AttemptRecord[];
}

export type ForwardFailureReason = 'no_candidates' | 'all_failed' | 'non_retryable' | 'aborted' | 'total_timeout';

/** Why no candidate answered, with every attempt for the ledger and the last upstream error for the client. */
export class ForwardError extends Error {
  readonly reason: ForwardFailureReason;
  readonly attempts: AttemptRecord[];
  readonly lastError: ProviderError | undefined;

  constructor(reason: ForwardFailureReason, attempts: AttemptRecord[], lastError: ProviderError | undefined) {
    super(forwardErrorMessage(reason, attempts, lastError));
    this.name = 'ForwardError';
    this.reason = reason;
    this.attempts = attempts;
    this.lastError = lastError;
  }
}

/** The breaker key of one model: a model's own failures (5xx, 429, timeouts) open only its circuit. */
export function modelCircuit(model: string): string {
  return `model:${model}`;
}

/**
 * Transport failures (the connection itself) say the provider is unreachable,
 * for every model behind it; anything the upstream answered (a 5xx, a 429) or
 * a model too slow to answer says something about that model only. With one
 * breaker per provider, one failing model kept skipping its healthy siblings
 * and their successes kept closing the circuit it needed open.
 */
function isTransportFailure(error: ProviderError): boolean {
  return error.kind === 'connection';
}

/** Both circuits must let the call go: the provider's (transport) and the model's. */
function acquire(breaker: CircuitBreaker, candidate: ForwardCandidate): boolean {
  if (!breaker.tryAcquire(candidate.provider)) return false;
  if (breaker.tryAcquire(modelCircuit(candidate.model))) return true;
  breaker.release(candidate.provider);
  return false;
}

function recordOutcome(breaker: CircuitBreaker, candidate: ForwardCandidate, failure: ProviderError | undefined): void {
  const model = modelCircuit(candidate.model);
  if (failure === undefined) {
    breaker.recordSuccess(candidate.provider);
    breaker.recordSuccess(model);
  } else if (isTransportFailure(failure)) {
    breaker.recordFailure(candidate.provider);
    breaker.release(model);
  } else {
    // The upstream answered (or the model was slow): the transport works.
    breaker.release(candidate.provider);
    breaker.recordFailure(model);
  }
}

function release(breaker: CircuitBreaker, candidate: ForwardCandidate): void {
  breaker.release(candidate.provider);
  breaker.release(modelCircuit(candidate.model));
}

/**
 * Tries the candidates in order. Skips a model whose circuit (or whose provider's) is open, moves
 * on after a retryable failure, stops at once on a non-retryable one (a 400 or
 * 401 would fail the same way anywhere), and records every attempt.
 */
export async function forwardWithFallback<C extends ForwardCandidate, T>(
  candidates: readonly C[],
  attempt: (candidate: C, context: AttemptContext) => Promise<T>,
  options: ForwardOptions,
): Promise<ForwardResult<C, T>> {
  const total = startDeadline(options.signal, options.totalTimeoutMs, options.timers);
  try {
    return await tryInOrder(candidates, attempt, options, total);
  } finally {
    total.dispose();
  }
}

/**
 * The streaming form: an attempt succeeds when its first chunk arrives, so
 * fallback happens only before anything could have reached the client. A
 * failure after that is thrown from `stream` for the caller to end the client's
 * stream with an error event.
 */
export async function forwardStreamWithFallback<C extends ForwardCandidate, T>(
  candidates: readonly C[],
  open: (candidate: C, context: AttemptContext) => AsyncIterable<T>,
  options: ForwardOptions,
): Promise<StreamForwardResult<C, T>> {
  const total = startDeadline(options.signal, options.totalTimeoutMs, options.timers);
  let result: ForwardResult<C, { iterator: AsyncIterator<T>; first: T }>;
  try {
    result = await tryInOrder(candidates, (candidate, context) => firstChunk(open(candidate, context)), options, total);
  } catch (error) {
    total.dispose();
    throw error;
  }
  // Keep following the client's signal (a disconnect must abort the upstream) but stop the total clock.
  total.pause();
  const { iterator, first } = result.value;
  const chosen = result.candidate;
  const stream = continueStream(first, iterator, {
    onError(error) {
      if (error instanceof ProviderError && error.retryable) recordOutcome(options.breaker, chosen, error);
    },
    onClose: () => total.dispose(),
  });
  return { stream, candidate: result.candidate, attempts: result.attempts };
}

/**
 * The first chunk, then the rest of the upstream iterator. Written out rather
 * than as a generator because a generator's `return()` before its first
 * `next()` skips its `finally`, and the upstream request must be closed even
 * when the caller gives up before reading anything.
 */
function continueStream<T>(
  first: T,
  iterator: AsyncIterator<T>,
  hooks: { onError: (error: unknown) => void; onClose: () => void },
): AsyncIterableIterator<T> {
  let firstTaken = false;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    try {
      // Aborts the upstream request when the consumer stops early; a no-op after a normal end.
      await iterator.return?.();
    } finally {
      hooks.onClose();
    }
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next(): Promise<IteratorResult<T>> {
      if (closed) return { done: true, value: undefined };
      if (!firstTaken) {
        firstTaken = true;
        return { done: false, value: first };
      }
      try {
        const next = await iterator.next();
        if (next.done === true) await close();
        return next;
      } catch (error) {
        hooks.onError(error);
        closed = true;
        hooks.onClose();
        throw error;
      }
    },
    async return(): Promise<IteratorResult<T>> {
      await close();
      return { done: true, value: undefined };
    },
  };
}

/** How an attempt fails whose stream ended cleanly without a chunk: retryable, as a dropped connection is. */
export function endedBeforeFirstChunk(): ProviderError {
  return new ProviderError({ kind: 'connection', retryable: true, message: 'upstream stream ended before its first chunk' });
}

async function firstChunk<T>(stream: AsyncIterable<T>): Promise<{ iterator: AsyncIterator<T>; first: T }> {
  const iterator = stream[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done === true) throw endedBeforeFirstChunk();
  return { iterator, first: first.value };
}

async function tryInOrder<C extends ForwardCandidate, T>(
  candidates: readonly C[],
  attempt: (candidate: C, context: AttemptContext) => Promise<T>,
  options: ForwardOptions,
  total: Deadline,
): Promise<ForwardResult<C, T>> {
  const now = options.now ?? Date.now;
  const { breaker } = options;
  const begin = now();
  const attempts: AttemptRecord[] = [];
  let lastError: ProviderError | undefined;

  for (const candidate of candidates) {
    if (total.signal.aborted) break;
    const { model, provider } = candidate;
    if (!acquire(breaker, candidate)) {
      const message =
        breaker.state(provider) === 'closed' ? `circuit open for model "${model}"` : `circuit open for provider "${provider}"`;
      attempts.push({
        model,
        provider,
        status: 'skipped',
        error: { kind: 'circuit_open', message, retryable: true },
        latencyMs: 0,
      });
      continue;
    }
    const started = now();
    const timeoutMs = Math.max(0, Math.min(options.attemptTimeoutMs, options.totalTimeoutMs - (started - begin)));
    try {
      const value = await attempt(candidate, { signal: total.signal, timeoutMs });
      recordOutcome(breaker, candidate, undefined);
      attempts.push({ model, provider, status: 'ok', latencyMs: now() - started });
      return { value, candidate, attempts };
    } catch (error) {
      if (!(error instanceof ProviderError)) {
        // Not an upstream failure but a bug in the attempt function: nothing to fall back from.
        release(breaker, candidate);
        throw error;
      }
      // Our total deadline reaches the provider as an abort; report it as the timeout it is.
      const failure = total.timedOut
        ? new ProviderError({
            kind: 'timeout',
            retryable: true,
            message: `no answer within the total budget of ${options.totalTimeoutMs} ms`,
          })
        : error;
      attempts.push({ model, provider, status: 'error', error: attemptError(failure), latencyMs: now() - started });
      lastError = failure;
      if (total.signal.aborted) {
        release(breaker, candidate);
        throw new ForwardError(total.timedOut ? 'total_timeout' : 'aborted', attempts, lastError);
      }
      if (!failure.retryable) {
        release(breaker, candidate);
        throw new ForwardError('non_retryable', attempts, lastError);
      }
      recordOutcome(breaker, candidate, failure);
    }
  }

  const reason: ForwardFailureReason = total.timedOut
    ? 'total_timeout'
    : total.signal.aborted
      ? 'aborted'
      : candidates.length === 0
        ? 'no_candidates'
        : 'all_failed';
  throw new ForwardError(reason, attempts, lastError);
}

function attemptError(error: ProviderError): AttemptError {
  const result: AttemptError = { kind: error.kind, message: error.message, retryable: error.retryable };
  if (error.status !== undefined) result.status = error.status;
  if (error.retryAfterMs !== undefined) result.retryAfterMs = error.retryAfterMs;
  return result;
}

function forwardErrorMessage(
  reason: ForwardFailureReason,
  attempts: AttemptRecord[],
  lastError: ProviderError | undefined,
): string {
  switch (reason) {
    case 'no_candidates':
      return 'no candidate model to try';
    case 'non_retryable':
      return lastError?.message ?? 'the upstream refused the request';
    case 'aborted':
      return 'the request was aborted';
    case 'total_timeout':
      return lastError?.message ?? 'no answer within the total time budget';
    case 'all_failed': {
      const skipped = attempts.filter((record) => record.status === 'skipped').length;
      const tried = attempts.length - skipped;
      const last = lastError === undefined ? '' : `; last error: ${lastError.message}`;
      return `all candidates failed (${tried} tried, ${skipped} skipped with an open circuit)${last}`;
    }
  }
}
