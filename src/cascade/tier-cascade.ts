import { createHash } from 'node:crypto';
import { estimateCost } from '../cost/pricing.js';
import { resolveUsage } from '../cost/tokens.js';
import type { CircuitBreaker } from '../providers/circuit-breaker.js';
import { ForwardError, forwardWithFallback } from '../providers/forward.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { ChatRequest } from '../providers/types.js';
import { TIERS, type PriceTable, type RoutingTable, type Tier } from '../routes-config/schemas.js';
import type { TraceSpan } from '../tracing/trace-span.js';
import { tracedCall } from '../tracing/upstream-attempt.js';

/**
 * How a cascade consultation ended. Only `answered` and `cached` carry a tier;
 * every other outcome leaves the kNN tier in place.
 */
export type CascadeOutcome = 'answered' | 'cached' | 'timeout' | 'invalid_answer' | 'upstream_error' | 'unavailable';

export interface CascadeResult {
  outcome: CascadeOutcome;
  /** The routing table's model id that was asked. */
  model: string;
  /** The tier it picked; undefined unless the outcome is `answered` or `cached`. */
  tier: Tier | undefined;
  /** The start of what it said when that was not a tier (for the evidence; never the query). */
  answer: string | undefined;
  /** Wall time of the consultation, 0 for a cache hit. */
  latencyMs: number;
  /** USD spent on this consultation: 0 for a cache hit or no call, undefined when the model has no price. */
  costUsd: number | undefined;
  inputTokens: number;
  outputTokens: number;
}

export interface TierCascade {
  readonly model: string;
  /** The tier margin under which the kNN decision is uncertain enough to ask. */
  readonly maxMargin: number;
  /** `trace`: the span the consultation's upstream call becomes a child of, when tracing is on. */
  ask(query: string, signal?: AbortSignal, trace?: TraceSpan): Promise<CascadeResult>;
}

export interface TierCascadeOptions {
  /** A model id of routes-data/routing.json. */
  model: string;
  maxMargin: number;
  /** The whole consultation, connection included; past it the kNN tier stands. */
  timeoutMs: number;
  /** Answers kept, keyed by a hash of the text; 0 keeps none. */
  cacheSize: number;
  table: RoutingTable;
  prices: PriceTable;
  registry: ProviderRegistry;
  breaker: CircuitBreaker;
  now?: () => number;
}

/** The query is cut here: the tier shows in the first paragraphs, and the cost of asking stays bounded. */
export const CASCADE_MAX_QUERY_CHARS = 4000;

/**
 * The instruction given to the small model. The tier definitions are the same
 * ones the exemplars and the held-out sets are labelled by.
 */
const INSTRUCTION = [
  'You decide how capable a language model must be to answer a user request well.',
  'Reply with exactly one word:',
  'simple (greetings, single facts, trivial lookups, one-line answers),',
  'medium (ordinary word problems, single functions, short explanations, routine emails, short summaries), or',
  'complex (multi-step coding, system design, proofs, open-ended analysis with several constraints, careful long-form writing).',
  'The request follows; do not answer it.',
].join(' ');

/** A tier when the answer is exactly one tier word (any case, surrounding quotes or punctuation allowed); else undefined. */
export function parseTierAnswer(text: string): Tier | undefined {
  const word = text
    .trim()
    .toLowerCase()
    .replace(/^[^a-z]+|[^a-z]+$/g, '');
  return (TIERS as readonly string[]).includes(word) ? (word as Tier) : undefined;
}

function textKey(text: string): string {
  return createHash('sha256').update(text.trim()).digest('hex');
}

/**
 * Asks a small model to pick the tier when the kNN tier is uncertain, through
 * the same registry, circuit breaker and fallback code as proxied calls, within
 * a strict time budget. Valid answers are cached (bounded, least recently used
 * first out), keyed by a hash of the text; failures are not, so a passing
 * outage does not stick to a query.
 */
export function createTierCascade(options: TierCascadeOptions): TierCascade {
  const config = options.table.models[options.model];
  if (!config) throw new Error(`cascade model "${options.model}" is not in the routing table`);
  const candidate = { model: options.model, provider: config.provider, providerModel: config.model };
  const now = options.now ?? (() => performance.now());
  const cache = new Map<string, Tier>();

  const remember = (key: string, tier: Tier): void => {
    if (options.cacheSize === 0) return;
    cache.delete(key);
    cache.set(key, tier);
    if (cache.size > options.cacheSize) cache.delete(cache.keys().next().value as string);
  };

  const result = (outcome: CascadeOutcome, fields: Partial<CascadeResult> = {}): CascadeResult => ({
    outcome,
    model: options.model,
    tier: undefined,
    answer: undefined,
    latencyMs: 0,
    costUsd: 0,
    inputTokens: 0,
    outputTokens: 0,
    ...fields,
  });

  return {
    model: options.model,
    maxMargin: options.maxMargin,

    async ask(query, signal = new AbortController().signal, trace) {
      const key = textKey(query);
      const hit = cache.get(key);
      if (hit !== undefined) {
        cache.delete(key);
        cache.set(key, hit);
        return result('cached', { tier: hit });
      }
      const provider = options.registry.get(candidate.provider);
      if (!provider) return result('unavailable', { answer: `provider ${candidate.provider} has no key` });

      const request: ChatRequest = {
        model: candidate.providerModel,
        messages: [
          { role: 'system', content: INSTRUCTION },
          { role: 'user', content: query.slice(0, CASCADE_MAX_QUERY_CHARS) },
        ],
        max_tokens: 5,
        temperature: 0,
        stream: false,
      };
      const started = now();
      try {
        const { value } = await forwardWithFallback(
          [candidate],
          (picked, attempt) =>
            tracedCall(
              trace,
              { ...picked, request },
              (headers) =>
                provider.complete(request, {
                  model: picked.providerModel,
                  signal: attempt.signal,
                  timeoutMs: attempt.timeoutMs,
                  headers,
                }),
              (answer) => ({
                responseModel: answer.model,
                usage: answer.usage
                  ? { inputTokens: answer.usage.prompt_tokens, outputTokens: answer.usage.completion_tokens }
                  : undefined,
              }),
            ),
          { breaker: options.breaker, totalTimeoutMs: options.timeoutMs, attemptTimeoutMs: options.timeoutMs, signal },
        );
        const text = value.choices[0]?.message.content ?? '';
        const usage = resolveUsage(value.usage, { prompt: INSTRUCTION + query, completion: text });
        const spent = {
          latencyMs: now() - started,
          costUsd: estimateCost(options.prices, options.model, usage),
          inputTokens: usage.inputTokens,
          outputTokens: usage.outputTokens,
        };
        const tier = parseTierAnswer(text);
        if (tier === undefined) return result('invalid_answer', { ...spent, answer: text.slice(0, 60) });
        remember(key, tier);
        return result('answered', { ...spent, tier });
      } catch (error) {
        if (!(error instanceof ForwardError)) throw error;
        const latencyMs = now() - started;
        const timedOut = error.reason === 'total_timeout' || error.lastError?.kind === 'timeout';
        if (timedOut) return result('timeout', { latencyMs, answer: `no answer within ${options.timeoutMs} ms` });
        if (error.attempts.every((attempt) => attempt.status === 'skipped'))
          return result('unavailable', { answer: error.message.slice(0, 120) });
        return result('upstream_error', { latencyMs, answer: error.message.slice(0, 120) });
      }
    },
  };
}
