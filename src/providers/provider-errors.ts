import type { Deadline } from './deadline.js';
import { redactSecrets } from './secret-redaction.js';
import { ProviderError } from './types.js';

export { redactSecrets };

/**
 * What an SDK error says once its class has been recognised. Each adapter
 * describes its own SDK's errors (the classes differ per package); the rules
 * that turn a description into a ProviderError live here, once.
 */
export type UpstreamFailure =
  | { type: 'http'; status: number; message: string; headers?: Headers | undefined }
  /** An error event inside an SSE stream: no HTTP status, sometimes an error type that implies one. */
  | { type: 'stream'; message: string; status?: number | undefined }
  | { type: 'connection'; message: string }
  | { type: 'timeout' }
  | { type: 'abort' };

export interface ErrorContext {
  deadline: Deadline;
  /** Values that must never reach a message: the provider's API key. */
  secrets: readonly string[];
  describe: (error: unknown) => UpstreamFailure | undefined;
  now?: () => number;
}

export function toProviderError(error: unknown, context: ErrorContext): ProviderError {
  const { deadline } = context;
  if (error instanceof ProviderError) return redacted(error, context.secrets);
  // Checked before the SDK's own classification: both of our aborts reach the
  // SDK as a plain user abort, and only the deadline knows which one it was.
  if (deadline.timedOut) return timeoutError(deadline.timeoutMs);
  if (deadline.signal.aborted) return abortedError();

  const failure = context.describe(error);
  if (failure === undefined) {
    // Not an SDK error: undici's "terminated" on a reset socket, a JSON parse
    // failure on a cut stream. All of them mean the upstream connection broke.
    return redacted(new ProviderError({ kind: 'connection', retryable: true, message: errorMessage(error) }), context.secrets);
  }
  switch (failure.type) {
    case 'timeout':
      return timeoutError(deadline.timeoutMs);
    case 'abort':
      return abortedError();
    case 'connection':
      return redacted(new ProviderError({ kind: 'connection', retryable: true, message: failure.message }), context.secrets);
    case 'stream':
      return redacted(
        failure.status === undefined
          ? new ProviderError({ kind: 'server', retryable: true, message: failure.message })
          : ProviderError.fromStatus(failure.status, failure.message),
        context.secrets,
      );
    case 'http': {
      const retryAfterMs = failure.headers ? parseRetryAfter(failure.headers, context.now?.() ?? Date.now()) : undefined;
      return redacted(ProviderError.fromStatus(failure.status, failure.message, retryAfterMs), context.secrets);
    }
  }
}

/** An upstream that closed a stream cleanly but before its final event. */
export function truncatedStreamError(): ProviderError {
  return new ProviderError({ kind: 'connection', retryable: true, message: 'upstream stream ended before it was complete' });
}

/**
 * `retry-after-ms` (OpenAI) wins over `retry-after`, which is either seconds or
 * an HTTP date (RFC 9110 section 10.2.3).
 */
export function parseRetryAfter(headers: Headers, now: number): number | undefined {
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  const value = headers.get('retry-after')?.trim() ?? '';
  if (/^-?\d+(\.\d+)?$/.test(value)) {
    const seconds = Number(value);
    return seconds >= 0 ? Math.round(seconds * 1000) : undefined;
  }
  // Only something shaped like an HTTP date: Date.parse would read "-3" as a year.
  const date = /[a-z]/i.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function redacted(error: ProviderError, secrets: readonly string[]): ProviderError {
  const message = redactSecrets(error.message, secrets);
  if (message === error.message) return error;
  return new ProviderError({
    kind: error.kind,
    retryable: error.retryable,
    message,
    status: error.status,
    retryAfterMs: error.retryAfterMs,
  });
}

function timeoutError(timeoutMs: number): ProviderError {
  return new ProviderError({ kind: 'timeout', retryable: true, message: `upstream did not answer within ${timeoutMs} ms` });
}

function abortedError(): ProviderError {
  return new ProviderError({ kind: 'aborted', retryable: false, message: 'the request was aborted by the caller' });
}

export function errorMessage(error: unknown): string {
  // undici and the SDKs put the useful part ("other side closed", ECONNRESET)
  // in the cause chain: "Connection error." -> "fetch failed" -> "other side closed".
  const messages: string[] = [];
  let current: unknown = error;
  while (current instanceof Error && messages.length < 4) {
    const message = current.message.replace(/\.$/, '');
    if (message !== '' && !messages.includes(message)) messages.push(message);
    current = (current as { cause?: unknown }).cause;
  }
  return messages.length > 0 ? messages.join(': ') : String(error);
}
