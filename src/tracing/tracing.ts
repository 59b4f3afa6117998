import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TracingSettings } from '../config.js';
import { samplerFor } from './sampler.js';

/** The router's tracer and the means to flush it; absent when tracing is off. */
export interface Tracing {
  readonly tracer: Tracer;
  /** Exports what is still buffered and stops; the graceful shutdown waits for it. */
  shutdown(): Promise<void>;
  forceFlush(): Promise<void>;
}

const TRACER_NAME = 'semantic-llm-router';

export type ProviderSettings = Pick<TracingSettings, 'serviceName' | 'resourceAttributes' | 'sampler' | 'samplerRatio'>;

/**
 * A tracer provider of our own, never registered globally: the app receives it
 * as a dependency, so tests hand in one with an in-memory exporter and nothing
 * outlives them.
 */
export function tracingWith(processors: SpanProcessor[], settings: ProviderSettings): Tracing {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ ...settings.resourceAttributes, [ATTR_SERVICE_NAME]: settings.serviceName }),
    sampler: samplerFor(settings),
    spanProcessors: processors,
  });
  return {
    tracer: provider.getTracer(TRACER_NAME),
    shutdown: () => provider.shutdown(),
    forceFlush: () => provider.forceFlush(),
  };
}

export function spanExporterFor(settings: TracingSettings): SpanExporter {
  if (settings.exporter === 'console') return new ConsoleSpanExporter();
  const options = { url: settings.otlp.url, headers: settings.otlp.headers, timeoutMillis: settings.otlp.timeoutMs };
  return settings.otlp.protocol === 'http/json' ? new OtlpJsonExporter(options) : new OtlpProtobufExporter(options);
}

/**
 * The tracing OTEL_* configured, or undefined when OTEL_TRACES_EXPORTER is
 * unset or `none`: then no SDK is started and every span site is skipped.
 */
export function startTracing(settings: TracingSettings): Tracing | undefined {
  if (settings.exporter === 'none') return undefined;
  const exporter = spanExporterFor(settings);
  // The console is for a developer watching spans appear; a collector gets batches, off the request path.
  const processor =
    settings.exporter === 'console' ? new SimpleSpanProcessor({ exporter }) : new BatchSpanProcessor({ exporter });
  return tracingWith([processor], settings);
}
