import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import type { TraceSamplerName } from '../../src/config.js';
import { tracingWith } from '../../src/tracing/tracing.js';

const sampledParent = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  traceFlags: TraceFlags.SAMPLED,
  isRemote: true,
});

// [sampler, ratio, a root span recorded?, a child of a sampled remote parent recorded?]
const CASES: [TraceSamplerName, number, boolean, boolean][] = [
  ['always_on', 1, true, true],
  ['always_off', 1, false, false],
  ['traceidratio', 0, false, false],
  ['traceidratio', 1, true, true],
  ['parentbased_always_on', 1, true, true],
  ['parentbased_always_off', 1, false, true],
  ['parentbased_traceidratio', 0, false, true],
];

test('OTEL_TRACES_SAMPLER and its ratio pick the specification samplers', async () => {
  for (const [sampler, samplerRatio, root, child] of CASES) {
    const exporter = new InMemorySpanExporter();
    const tracing = tracingWith([new SimpleSpanProcessor({ exporter })], {
      serviceName: 'sampler-test',
      resourceAttributes: {},
      sampler,
      samplerRatio,
    });
    tracing.tracer.startSpan('root').end();
    tracing.tracer.startSpan('child', {}, sampledParent).end();
    const names = exporter.getFinishedSpans().map((span) => span.name);
    assert.equal(names.includes('root'), root, `${sampler} ${samplerRatio}: root`);
    assert.equal(names.includes('child'), child, `${sampler} ${samplerRatio}: child of a sampled parent`);
    await tracing.shutdown();
  }
});
