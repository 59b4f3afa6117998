export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerOptions {
  /** Consecutive retryable failures that open a provider's circuit. */
  failureThreshold: number;
  /** How long an open circuit refuses calls before it lets one trial through. */
  cooldownMs: number;
  /** Milliseconds clock; injectable so tests need no real waiting. */
  now?: () => number;
}

/**
 * Per-provider circuit breaker. Closed: every call goes. After
 * `failureThreshold` consecutive failures it opens and refuses calls, so a dead
 * upstream costs nothing while the fallback moves on. After `cooldownMs` it is
 * half-open: exactly one trial call may go; its success closes the circuit, its
 * failure opens it for another cooldown.
 */
export interface CircuitBreaker {
  state(provider: string): CircuitState;
  /** May a call go to this provider now? In half-open, true once, for the trial call. */
  tryAcquire(provider: string): boolean;
  recordSuccess(provider: string): void;
  /** A retryable failure (connection, timeout, 429, 5xx): the kind that says the upstream is unwell. */
  recordFailure(provider: string): void;
  /**
   * Ends a call that said nothing about the upstream's health (a 4xx caused by
   * the request, the client going away), freeing the half-open trial slot.
   */
  release(provider: string): void;
}

interface Circuit {
  failures: number;
  openedAt: number | undefined;
  trialInFlight: boolean;
}

export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  const now = options.now ?? Date.now;
  const circuits = new Map<string, Circuit>();

  const circuitOf = (provider: string): Circuit => {
    let circuit = circuits.get(provider);
    if (circuit === undefined) {
      circuit = { failures: 0, openedAt: undefined, trialInFlight: false };
      circuits.set(provider, circuit);
    }
    return circuit;
  };

  const stateOf = (circuit: Circuit): CircuitState => {
    if (circuit.openedAt === undefined) return 'closed';
    return now() - circuit.openedAt >= options.cooldownMs ? 'half_open' : 'open';
  };

  return {
    state: (provider) => stateOf(circuitOf(provider)),

    tryAcquire(provider) {
      const circuit = circuitOf(provider);
      const state = stateOf(circuit);
      if (state === 'closed') return true;
      if (state === 'open' || circuit.trialInFlight) return false;
      circuit.trialInFlight = true;
      return true;
    },

    recordSuccess(provider) {
      const circuit = circuitOf(provider);
      circuit.failures = 0;
      circuit.openedAt = undefined;
      circuit.trialInFlight = false;
    },

    recordFailure(provider) {
      const circuit = circuitOf(provider);
      circuit.failures += 1;
      circuit.trialInFlight = false;
      // A failed trial reopens at once; a closed circuit opens at the threshold.
      if (circuit.openedAt !== undefined || circuit.failures >= options.failureThreshold) circuit.openedAt = now();
    },

    release(provider) {
      circuitOf(provider).trialInFlight = false;
    },
  };
}
