import {
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type SpanOptions,
  type TextMapGetter,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * One span and the context that names it as the parent: the parent is handed
 * down explicitly (through the route input and the proxy call context) rather
 * than through a global context manager, so the SDK installs nothing global and
 * a test's tracer provider cannot leak into another test.
 */
const propagator = new W3CTraceContextPropagator();

const headerSetter = {
  set(carrier: Record<string, string>, key: string, value: string): void {
    carrier[key] = value;
  },
};

export class TraceSpan {
  private ended = false;
  /** Work that outlives the handler and still writes to this span (a streamed answer's `finally`). */
  private readonly holds = new Set<Promise<void>>();

  private constructor(
    private readonly tracer: Tracer,
    readonly span: Span,
    private readonly context: Context,
  ) {}

  static start(tracer: Tracer, name: string, options: SpanOptions = {}, parent: Context = ROOT_CONTEXT): TraceSpan {
    const span = tracer.startSpan(name, options, parent);
    return new TraceSpan(tracer, span, trace.setSpan(parent, span));
  }

  /** A span that continues the caller's trace when its `traceparent` (and `tracestate`) header names one. */
  static continuing<C>(tracer: Tracer, name: string, options: SpanOptions, carrier: C, getter: TextMapGetter<C>): TraceSpan {
    return TraceSpan.start(tracer, name, options, propagator.extract(ROOT_CONTEXT, carrier, getter));
  }

  child(name: string, options: SpanOptions = {}): TraceSpan {
    return TraceSpan.start(this.tracer, name, options, this.context);
  }

  get traceId(): string {
    return this.span.spanContext().traceId;
  }

  set(attributes: Attributes): this {
    if (!this.ended) this.span.setAttributes(attributes);
    return this;
  }

  event(name: string, attributes: Attributes): this {
    if (!this.ended) this.span.addEvent(name, attributes);
    return this;
  }

  rename(name: string): this {
    this.span.updateName(name);
    return this;
  }

  /** Marks the span failed; `type` is the low-cardinality `error.type` (an error code, a status, a kind). */
  fail(type: string, message: string): this {
    if (this.ended) return this;
    this.span.setAttribute('error.type', type);
    this.span.setStatus({ code: SpanStatusCode.ERROR, message });
    return this;
  }

  /** Marks the span failed by a thrown value: its error name (or `error`) as the type, its message. */
  failWith(error: unknown): this {
    return error instanceof Error ? this.fail(error.name, error.message) : this.fail('error', String(error));
  }

  /**
   * Marks work that finishes after the handler returned as part of this span:
   * `released()` waits until every release returned here has been called.
   */
  hold(): () => void {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.holds.add(held);
    return () => {
      this.holds.delete(held);
      release();
    };
  }

  /** Resolves once no hold is left (at once when none was taken). */
  async released(): Promise<void> {
    while (this.holds.size > 0) await Promise.all([...this.holds]);
  }

  /** Idempotent: a span can be ended by whichever of its paths finishes first; later changes are ignored. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.span.end();
  }

  /** `traceparent` (and `tracestate` when there is one) naming this span as the parent, for a call it makes. */
  headers(): Record<string, string> {
    const carrier: Record<string, string> = {};
    propagator.inject(this.context, carrier, headerSetter);
    return carrier;
  }
}
