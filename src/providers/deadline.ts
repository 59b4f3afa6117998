/**
 * An abort signal that fires when its parent does or when a timer runs out, and
 * remembers which of the two it was: the error mapping must tell "we gave up
 * waiting" (retryable) from "the caller went away" (not retryable), and the SDKs
 * report both as the same abort.
 *
 * We keep our own timer rather than rely on the SDKs' `timeout` option, which
 * stops counting once response headers arrive and so never bounds a body or a
 * stream.
 */
export interface Deadline {
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  /** True once the timer, not the parent, aborted the signal. */
  readonly timedOut: boolean;
  /** Stops the timer but keeps following the parent (while a consumer holds a chunk). */
  pause(): void;
  /** Starts a fresh full-length timer (before the next wait). */
  restart(): void;
  /** Stops the timer and lets go of the parent. Idempotent. */
  dispose(): void;
}

/** Where a deadline's timer runs: the real clock in production, a clock a test steps by hand in the contract tests. */
export interface DeadlineTimers {
  set(fire: () => void, ms: number): unknown;
  clear(timer: unknown): void;
}

export const REAL_TIMERS: DeadlineTimers = {
  set: (fire, ms) => setTimeout(fire, ms),
  clear: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

export function startDeadline(parent: AbortSignal, timeoutMs: number, timers: DeadlineTimers = REAL_TIMERS): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  let timer: unknown;

  const onParentAbort = (): void => {
    stopTimer();
    controller.abort(parent.reason);
  };
  const stopTimer = (): void => {
    if (timer !== undefined) timers.clear(timer);
    timer = undefined;
  };
  const startTimer = (): void => {
    stopTimer();
    if (controller.signal.aborted) return;
    timer = timers.set(
      () => {
        timedOut = true;
        controller.abort(new Error(`no answer within ${timeoutMs} ms`));
      },
      Math.max(0, timeoutMs),
    );
  };

  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener('abort', onParentAbort, { once: true });
  startTimer();

  return {
    signal: controller.signal,
    timeoutMs,
    get timedOut() {
      return timedOut;
    },
    pause: stopTimer,
    restart: startTimer,
    dispose() {
      stopTimer();
      parent.removeEventListener('abort', onParentAbort);
    },
  };
}
