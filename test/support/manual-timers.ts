import type { DeadlineTimers } from '../../src/providers/deadline.js';

/** A deadline clock that moves only when the test says so: time-dependent behaviour without sleeping or racing. */
export interface ManualTimers extends DeadlineTimers {
  /** Milliseconds stepped so far. */
  readonly now: number;
  /** The delay of every timer set, in order: what a deadline asked to wait. */
  readonly delays: readonly number[];
  /** How many timers are waiting to fire. */
  readonly pending: number;
  /** Moves the clock on by `ms`, firing (in due order) every timer that falls due. */
  advance(ms: number): void;
}

interface Timer {
  due: number;
  fire: () => void;
}

export function manualTimers(): ManualTimers {
  let now = 0;
  const delays: number[] = [];
  const waiting = new Set<Timer>();
  return {
    get now() {
      return now;
    },
    delays,
    get pending() {
      return waiting.size;
    },
    set(fire, ms) {
      const timer = { due: now + ms, fire };
      delays.push(ms);
      waiting.add(timer);
      return timer;
    },
    clear(timer) {
      waiting.delete(timer as Timer);
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const next = [...waiting].filter((timer) => timer.due <= until).sort((a, b) => a.due - b.due)[0];
        if (next === undefined) break;
        waiting.delete(next);
        now = next.due;
        next.fire();
      }
      now = until;
    },
  };
}

/** One turn of the event loop: sockets and timers get to run. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Resolves once `condition` holds, checking once per turn of the event loop: a
 * wait for something the test cannot be told about, without guessing how long
 * it takes. It never gives up; the test's own timeout ends a wait that hangs.
 */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await nextTurn();
}

/**
 * Settles `work` while stepping the clock by `stepMs` each turn, once `ready()`
 * holds: for work that only a timer can end (an upstream that never answers).
 */
export async function settleByStepping<T>(
  work: Promise<T>,
  timers: ManualTimers,
  stepMs: number,
  ready: () => boolean = () => true,
): Promise<T> {
  let outcome: { value: T } | { error: unknown } | undefined;
  // Handled at once, so a rejection while the clock steps is not reported as unhandled.
  void work.then(
    (value) => (outcome = { value }),
    (error: unknown) => (outcome = { error }),
  );
  while (outcome === undefined) {
    if (ready()) timers.advance(stepMs);
    await nextTurn();
  }
  if ('error' in outcome) throw outcome.error;
  return outcome.value;
}
