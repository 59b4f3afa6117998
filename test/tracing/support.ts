import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { tracingWith, type Tracing } from '../../src/tracing/tracing.js';

/** A tracer provider of the test's own, exporting each span as it ends into memory. */
export function memoryTracing(t: { after: (fn: () => Promise<void>) => void }): {
  tracing: Tracing;
  exporter: InMemorySpanExporter;
} {
  const exporter = new InMemorySpanExporter();
  const tracing = tracingWith([new SimpleSpanProcessor({ exporter })], {
    serviceName: 'router-test',
    resourceAttributes: {},
    sampler: 'parentbased_always_on',
    samplerRatio: 1,
  });
  t.after(() => tracing.shutdown());
  return { tracing, exporter };
}

export function spanNamed(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((span) => span.name === name);
  if (found.length !== 1)
    throw new Error(`expected one span "${name}", got ${found.length}: ${spans.map((s) => s.name).join(', ')}`);
  return found[0]!;
}

export function serverSpan(spans: readonly ReadableSpan[]): ReadableSpan {
  const found = spans.filter((span) => span.kind === SpanKind.SERVER);
  if (found.length !== 1) throw new Error(`expected one server span, got ${found.length}`);
  return found[0]!;
}

export const childrenOf = (spans: readonly ReadableSpan[], parent: ReadableSpan): ReadableSpan[] =>
  spans.filter((span) => span.parentSpanContext?.spanId === parent.spanContext().spanId);

/** Every attribute and event value of every span, as text: to check that no prompt reached a span. */
export function everyValue(spans: readonly ReadableSpan[]): string {
  return JSON.stringify(
    spans.map((span) => [span.name, span.attributes, span.events.map((event) => event.attributes), span.status.message]),
  );
}
