import { randomUUID } from 'node:crypto';
import type { CascadeResult } from '../cascade/tier-cascade.js';
import type { Config } from '../config.js';
import type { Strategy } from '../routing/strategy.js';
import { estimateCost, roundUsd } from '../cost/pricing.js';
import { completionText, promptText, resolveUsage, type TokenUsage } from '../cost/tokens.js';
import { AppError, type AppErrorStatus } from '../errors.js';
import { ledgerStatus, type LedgerEntry, type RequestLedger } from '../ledger/request-ledger.js';
import type { Logger } from '../logger.js';
import type { CircuitBreaker } from '../providers/circuit-breaker.js';
import {
  ForwardError,
  forwardStreamWithFallback,
  forwardWithFallback,
  type AttemptContext,
  type AttemptRecord,
} from '../providers/forward.js';
import { reasoningToSend, type ClientReasoning, type SentReasoning, type ThinkingContext } from '../providers/reasoning.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest, Provider } from '../providers/types.js';
import type { RouterService } from '../router-service.js';
import type { RoutesData } from '../routes-config/load-routes-data.js';
import { reasoningOf, type CandidateReasoning } from '../routing/candidates.js';
import type { TraceSpan } from '../tracing/trace-span.js';
import { recordServedCall } from '../tracing/decision-attributes.js';
import {
  failingSpanOnError,
  recordAnswer,
  responseModelOf,
  startAttemptSpan,
  tracedCall,
  type UpstreamCall,
} from '../tracing/upstream-attempt.js';
import { planHeaders } from './decision-headers.js';
import { resolveModelChoice } from './model-choice.js';

export interface ProxyServices {
  registry: ProviderRegistry;
  breaker: CircuitBreaker;
  ledger: RequestLedger;
  routesData: RoutesData;
}

export interface ProxyCallContext {
  endpoint: string;
  /** The `model` field the client sent. */
  model: string;
  strategyHeader: string | undefined;
  sessionId: string | undefined;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
  /** The request's id (ours), which becomes the decision id. */
  requestId?: string | undefined;
  /** The client's own `x-request-id`, recorded in the ledger beside the decision id. */
  clientRequestId?: string | undefined;
  /** A hash of the caller's key, remembered with the decision for feedback. */
  owner?: string | undefined;
  /** The request's span when tracing is on: the decision goes on it, each upstream attempt under it. */
  trace?: TraceSpan | undefined;
  /** The effort (and, from Anthropic clients, thinking) the client asked for: reasoningToSend fits it to each model. */
  clientReasoning?: ClientReasoning | undefined;
}

export interface ProxyCandidate {
  model: string;
  provider: string;
  providerModel: string;
  /** The routing table's reasoning effort or thinking budget for this model. */
  reasoning?: CandidateReasoning | undefined;
}

/** What was decided before any upstream call: reported in headers and the ledger. */
export interface ProxyPlan {
  decisionId: string;
  routed: boolean;
  strategy: Strategy | undefined;
  tier: string | undefined;
  intent: string | undefined;
  candidates: ProxyCandidate[];
  routeMs: number | undefined;
  /** The conversation's turn, when routed from messages: the served model is remembered for its later steps. */
  turnKey?: string | undefined;
  /** The routes-data version the plan was made with. */
  configVersion?: number | undefined;
  /** The small model asked for the tier, if it was; its cost is part of the request's cost. */
  cascade: CascadeResult | undefined;
}

export interface ProxyOutcome {
  plan: ProxyPlan;
  candidate: ProxyCandidate;
  attempts: AttemptRecord[];
  /** The reasoning sent to the candidate that answered, and where it came from. */
  reasoning: SentReasoning;
}

/** What one candidate is sent for `request`: the client's reasoning fitted to it, else the routing table's. */
export function reasoningFor(candidate: ProxyCandidate, context: ProxyCallContext, request: ThinkingContext): SentReasoning {
  return reasoningToSend(context.clientReasoning, candidate.reasoning, request);
}

export interface CompletedCall extends ProxyOutcome {
  completion: ChatCompletion;
  usage: TokenUsage;
  costUsd: number | undefined;
}

export interface StreamingCall extends ProxyOutcome {
  /** Chunks as the upstream sends them; the ledger entry is written when it ends. */
  chunks: AsyncIterable<ChatCompletionChunk>;
}

/** Token counts as an upstream reported them, whatever its API calls them. */
export interface ReportedUsage {
  inputTokens: number;
  outputTokens: number;
}

export interface ForwardedCall<T> {
  value: T;
  candidate: ProxyCandidate;
  attempts: AttemptRecord[];
  usage: TokenUsage;
  costUsd: number | undefined;
}

export interface ForwardedStream<T> {
  candidate: ProxyCandidate;
  attempts: AttemptRecord[];
  /** What the upstream sends; the ledger entry is written when it ends. */
  stream: AsyncIterable<T>;
}

function chatUsage(usage: ChatCompletion['usage']): ReportedUsage | undefined {
  return usage == null ? undefined : { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens };
}

function upstreamCall(candidate: ProxyCandidate, request: ChatRequest): UpstreamCall {
  return { provider: candidate.provider, model: candidate.model, providerModel: candidate.providerModel, request };
}

function estimatedUsage(prompt: string, completion: string): TokenUsage {
  return resolveUsage(undefined, { prompt, completion });
}

/** Errors from the upstream keep the upstream's status where it says something about the request. */
const PASS_THROUGH_STATUSES = new Set<number>([400, 401, 403, 404, 408, 409, 413, 422, 429]);

function toAppError(error: ForwardError): AppError {
  const last = error.lastError;
  const attempts = error.attempts.map((attempt) => ({
    model: attempt.model,
    status: attempt.status,
    error: attempt.error?.message,
  }));
  switch (error.reason) {
    case 'non_retryable': {
      const status = last?.status !== undefined && PASS_THROUGH_STATUSES.has(last.status) ? (last.status as AppErrorStatus) : 502;
      return new AppError('upstream_error', status, `upstream rejected the request: ${last?.message ?? error.message}`, {
        attempts,
      });
    }
    case 'total_timeout':
      return new AppError('upstream_timeout', 504, `no upstream answered within the total timeout: ${error.message}`, {
        attempts,
      });
    case 'no_candidates':
      return new AppError(
        'no_candidate_available',
        503,
        `every candidate's provider is unavailable (circuit open): ${error.message}`,
        { attempts },
      );
    case 'aborted':
      // Nobody is left to read this; it exists for the ledger.
      return new AppError('client_closed', 408, 'the client closed the request', { attempts });
    case 'all_failed': {
      const allRateLimited = error.attempts.every((attempt) => attempt.error?.kind === 'rate_limited');
      return allRateLimited
        ? new AppError('rate_limited', 429, `every candidate is rate limited: ${error.message}`, { attempts })
        : new AppError('upstream_error', 502, `every candidate failed: ${error.message}`, { attempts });
    }
  }
}

/**
 * The full proxy: decide (or take the client's model), forward through the
 * provider SDKs with fallback, price the answer and write the ledger.
 */
export class ChatProxy {
  constructor(
    private readonly router: RouterService,
    private readonly services: ProxyServices,
    private readonly settings: Config['proxy'],
    private readonly logger: Logger,
    private readonly observe: (entry: LedgerEntry) => void = () => undefined,
  ) {}

  async plan(request: ChatRequest, context: ProxyCallContext): Promise<ProxyPlan> {
    const table = this.services.routesData.routing;
    const choice = resolveModelChoice(context.model, table, context.strategyHeader);
    if (choice.kind === 'fixed') {
      const config = table.models[choice.modelId]!;
      if (!this.services.registry.isAvailable(config.provider)) {
        const keyEnv = table.providers[config.provider]?.api_key_env ?? 'its key';
        throw new AppError(
          'no_candidate_available',
          503,
          `model ${choice.modelId} needs provider ${config.provider}: set ${keyEnv}`,
        );
      }
      return {
        decisionId: context.requestId ?? randomUUID(),
        routed: false,
        strategy: undefined,
        tier: undefined,
        intent: undefined,
        candidates: [
          {
            model: choice.modelId,
            provider: config.provider,
            providerModel: config.model,
            reasoning: reasoningOf(config, table),
          },
        ],
        routeMs: undefined,
        configVersion: this.router.configVersion,
        cascade: undefined,
      };
    }
    const outcome = await this.router.route({
      messages: request.messages,
      strategy: choice.strategy,
      sessionId: context.sessionId,
      decisionId: context.requestId,
      owner: context.owner,
      signal: context.signal,
      trace: context.trace,
    });
    const available = outcome.decision.candidates.filter((candidate) => candidate.available);
    if (available.length === 0) {
      const keys = [...new Set(outcome.decision.candidates.map((candidate) => table.providers[candidate.provider]?.api_key_env))];
      throw new AppError(
        'no_candidate_available',
        503,
        outcome.decision.candidates.length === 0
          ? `no model in the routing table fits this request (tier ${outcome.decision.tier}; images need a vision-capable model)`
          : `no provider key is configured for any candidate of tier ${outcome.decision.tier}: set one of ${keys.join(', ')}`,
      );
    }
    return {
      decisionId: outcome.decisionId,
      routed: true,
      strategy: outcome.strategy,
      tier: outcome.decision.tier,
      intent: outcome.decision.intent,
      candidates: available.map((candidate) => ({
        model: candidate.id,
        provider: candidate.provider,
        providerModel: candidate.providerModel,
        reasoning: candidate.reasoning,
      })),
      routeMs: outcome.timingsMs.total,
      turnKey: outcome.turnKey,
      configVersion: outcome.configVersion,
      cascade: outcome.cascade,
    };
  }

  private served(plan: ProxyPlan, candidate: ProxyCandidate): void {
    if (plan.routed && plan.turnKey !== undefined) this.router.rememberTurn(plan.turnKey, candidate.model);
  }

  private forwardOptions(signal: AbortSignal) {
    return {
      breaker: this.services.breaker,
      totalTimeoutMs: this.settings.totalTimeoutMs,
      attemptTimeoutMs: this.settings.attemptTimeoutMs,
      signal,
    };
  }

  private provider(candidate: ProxyCandidate) {
    const provider = this.services.registry.get(candidate.provider);
    if (!provider) throw new AppError('no_candidate_available', 503, `provider ${candidate.provider} is not configured`);
    return provider;
  }

  async complete(request: ChatRequest, plan: ProxyPlan, context: ProxyCallContext, started: number): Promise<CompletedCall> {
    const call = await this.completeWith(
      request,
      plan,
      context,
      started,
      (provider, candidate, attempt) =>
        provider.complete(
          { ...request, model: candidate.providerModel, stream: false },
          {
            model: candidate.providerModel,
            signal: attempt.signal,
            timeoutMs: attempt.timeoutMs,
            reasoning: reasoningFor(candidate, context, request),
            headers: attempt.headers,
          },
        ),
      (completion) => ({ reported: chatUsage(completion.usage), completion: () => completionText(completion) }),
    );
    const completion = { ...call.value, model: call.candidate.providerModel };
    return {
      plan,
      candidate: call.candidate,
      attempts: call.attempts,
      reasoning: reasoningFor(call.candidate, context, request),
      completion,
      usage: call.usage,
      costUsd: call.costUsd,
    };
  }

  async stream(request: ChatRequest, plan: ProxyPlan, context: ProxyCallContext, started: number): Promise<StreamingCall> {
    const call = await this.streamWith(
      request,
      plan,
      context,
      started,
      (provider, candidate, attempt) =>
        provider.stream(
          { ...request, model: candidate.providerModel, stream: true },
          {
            model: candidate.providerModel,
            signal: attempt.signal,
            timeoutMs: attempt.timeoutMs,
            reasoning: reasoningFor(candidate, context, request),
            headers: attempt.headers,
          },
        ),
      (chunk) => {
        let text = '';
        for (const choice of chunk.choices) {
          text += choice.delta.content ?? '';
          for (const toolCall of choice.delta.tool_calls ?? [])
            text += (toolCall.function?.name ?? '') + (toolCall.function?.arguments ?? '');
        }
        return { text, reported: chunk.usage ? chatUsage(chunk.usage) : undefined };
      },
    );
    const providerModel = call.candidate.providerModel;
    const chunks = (async function* () {
      for await (const chunk of call.stream) yield { ...chunk, model: providerModel };
    })();
    return {
      plan,
      candidate: call.candidate,
      attempts: call.attempts,
      reasoning: reasoningFor(call.candidate, context, request),
      chunks,
    };
  }

  /**
   * Forwards one call with fallback, prices it and writes the ledger; the
   * attempt decides what is sent (chat, or a Responses request to an upstream
   * that speaks it) and `measure` reads the usage of what came back.
   */
  async completeWith<T>(
    request: ChatRequest,
    plan: ProxyPlan,
    context: ProxyCallContext,
    started: number,
    attempt: (provider: Provider, candidate: ProxyCandidate, context: AttemptContext) => Promise<T>,
    measure: (value: T) => { reported: ReportedUsage | undefined; completion: () => string },
  ): Promise<ForwardedCall<T>> {
    const upstreamStarted = performance.now();
    try {
      const result = await forwardWithFallback(
        plan.candidates,
        (candidate, ctx) =>
          tracedCall(
            context.trace,
            upstreamCall(candidate, request),
            (headers) => attempt(this.provider(candidate), candidate, { ...ctx, headers }),
            (value) => ({ responseModel: responseModelOf(value), usage: measure(value).reported }),
          ),
        this.forwardOptions(context.signal),
      );
      this.served(plan, result.candidate);
      const measured = measure(result.value);
      // The texts are only read when the upstream sent no usage; a long prompt is not walked for nothing.
      const usage: TokenUsage = measured.reported
        ? { ...measured.reported, estimated: false }
        : estimatedUsage(promptText(request), measured.completion());
      const costUsd = this.record(request, plan, context, started, {
        candidate: result.candidate,
        attempts: result.attempts,
        upstreamMs: performance.now() - upstreamStarted,
        usage,
        httpStatus: 200,
        errorCode: undefined,
      });
      return { value: result.value, candidate: result.candidate, attempts: result.attempts, usage, costUsd };
    } catch (error) {
      throw this.failed(error, request, plan, context, started, performance.now() - upstreamStarted);
    }
  }

  /** The streaming form of `completeWith`: the ledger entry is written when the stream ends, however it ends. */
  async streamWith<T>(
    request: ChatRequest,
    plan: ProxyPlan,
    context: ProxyCallContext,
    started: number,
    open: (provider: Provider, candidate: ProxyCandidate, context: AttemptContext) => AsyncIterable<T>,
    meter: (item: T) => { text: string; reported: ReportedUsage | undefined },
  ): Promise<ForwardedStream<T>> {
    const upstreamStarted = performance.now();
    // The span of the attempt in progress; the stream that wins keeps it open until it ends.
    let attemptSpan: TraceSpan | undefined;
    let result;
    try {
      result = await forwardStreamWithFallback(
        plan.candidates,
        (candidate, ctx) => {
          const provider = this.provider(candidate);
          if (context.trace === undefined) return open(provider, candidate, ctx);
          const span = startAttemptSpan(context.trace, upstreamCall(candidate, request));
          attemptSpan = span;
          return failingSpanOnError(open(provider, candidate, { ...ctx, headers: span.headers() }), span);
        },
        this.forwardOptions(context.signal),
      );
    } catch (error) {
      throw this.failed(error, request, plan, context, started, performance.now() - upstreamStarted);
    }
    const { candidate, attempts } = result;
    this.served(plan, candidate);
    const source = result.stream;
    const servedSpan = attemptSpan;
    // The request span waits for this stream's `finally`: a client that leaves ends the body before the upstream abort
    // reaches the loop below, and the attempts, usage, cost and error code are set only there.
    const releaseRequestSpan = context.trace?.hold();
    const stream = async function* (this: ChatProxy): AsyncGenerator<T> {
      let text = '';
      let reported: ReportedUsage | undefined;
      let responseModel: string | undefined;
      let failure: unknown;
      let finished = false;
      try {
        for await (const item of source) {
          if (servedSpan && responseModel === undefined) responseModel = responseModelOf(item);
          const measured = meter(item);
          text += measured.text;
          if (measured.reported) reported = measured.reported;
          yield item;
        }
        finished = true;
      } catch (error) {
        failure = error;
        throw error;
      } finally {
        // The client left when its signal fired (the upstream call then fails with an abort, which is not the
        // upstream's failure) or when the body was cancelled mid-stream, which returns this generator early: leaving
        // the loop returns `source` too, and the SDK aborts its upstream request.
        const clientLeft = context.signal.aborted || (failure === undefined && !finished);
        this.record(request, plan, context, started, {
          candidate,
          attempts,
          upstreamMs: performance.now() - upstreamStarted,
          usage: reported ? { ...reported, estimated: false } : estimatedUsage(promptText(request), text),
          httpStatus: 200,
          errorCode: clientLeft ? 'client_closed' : failure !== undefined ? 'stream_failed' : undefined,
        });
        if (servedSpan) {
          // A stream that failed has already failed and ended its span (failingSpanOnError).
          recordAnswer(servedSpan, { responseModel, usage: reported });
          servedSpan.end();
        }
        releaseRequestSpan?.();
      }
    }.call(this);
    return { candidate, attempts, stream };
  }

  private failed(
    error: unknown,
    request: ChatRequest,
    plan: ProxyPlan,
    context: ProxyCallContext,
    started: number,
    upstreamMs: number,
  ): unknown {
    if (!(error instanceof ForwardError)) return error;
    const appError = toAppError(error).withHeaders(planHeaders(plan, error.attempts));
    this.record(request, plan, context, started, {
      candidate: undefined,
      attempts: error.attempts,
      upstreamMs,
      usage: undefined,
      httpStatus: appError.status,
      errorCode: appError.code,
    });
    return appError;
  }

  /** Writes the ledger row; returns the cost. A ledger failure is logged, never turned into a failed answer. */
  private record(
    request: ChatRequest,
    plan: ProxyPlan,
    context: ProxyCallContext,
    started: number,
    result: {
      candidate: ProxyCandidate | undefined;
      attempts: readonly AttemptRecord[];
      upstreamMs: number;
      usage: TokenUsage | undefined;
      httpStatus: number;
      errorCode: string | undefined;
    },
  ): number | undefined {
    const prices = this.services.routesData.prices;
    const baselineModel = this.services.routesData.routing.baseline_model;
    const answerCostUsd =
      result.candidate && result.usage ? estimateCost(prices, result.candidate.model, result.usage) : undefined;
    // The request's cost includes the cascade consultation that chose its tier, even when the answer itself failed.
    const cascadeCostUsd = plan.cascade?.costUsd;
    const costUsd =
      answerCostUsd === undefined && !cascadeCostUsd ? answerCostUsd : roundUsd((answerCostUsd ?? 0) + (cascadeCostUsd ?? 0));
    const baselineCostUsd = result.usage ? estimateCost(prices, baselineModel, result.usage) : undefined;
    const entry: LedgerEntry = {
      decisionId: plan.decisionId,
      clientRequestId: context.clientRequestId,
      createdAt: new Date().toISOString(),
      endpoint: context.endpoint,
      routed: plan.routed,
      strategy: plan.strategy,
      tier: plan.tier,
      intent: plan.intent,
      provider: result.candidate?.provider,
      model: result.candidate?.model,
      attempts: result.attempts,
      routeMs: plan.routeMs,
      upstreamMs: result.upstreamMs,
      totalMs: performance.now() - started,
      inputTokens: result.usage?.inputTokens,
      outputTokens: result.usage?.outputTokens,
      tokensEstimated: result.usage?.estimated ?? false,
      costUsd,
      cascadeCostUsd,
      baselineCostUsd,
      status: ledgerStatus(result.errorCode),
      httpStatus: result.httpStatus,
      errorCode: result.errorCode,
      prompt: this.settings.storePrompts ? promptText(request) : undefined,
    };
    this.observe(entry);
    if (context.trace)
      recordServedCall(context.trace, {
        routed: plan.routed,
        configVersion: plan.configVersion,
        model: result.candidate?.model,
        provider: result.candidate?.provider,
        attempts: result.attempts,
        usage: result.usage,
        costUsd,
        baselineCostUsd,
        errorCode: result.errorCode,
      });
    try {
      this.services.ledger.record(entry);
    } catch (error) {
      this.logger.error('ledger write failed', { decision_id: plan.decisionId, error: (error as Error).message });
    }
    return costUsd;
  }
}
