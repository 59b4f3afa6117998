import type { BenchReport } from './run.js';
import { formatSpread, type Spread } from './stats.js';

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const f = (s: Spread | undefined, digits = 2) => formatSpread(s, digits);

/** Markdown tables: each cell is the median of the runs, with min-max in brackets when there were several. */
export function renderTables(report: BenchReport): string {
  const out: string[] = [];
  out.push(
    `${report.machine.cpus} x ${report.machine.model}, Node ${report.machine.node}, ${report.settings.runs} run(s) per figure: median (min-max)`,
  );
  out.push(
    `load average (1 min) at start ${report.machine.loadAverage.start.toFixed(2)}, at end ${report.machine.loadAverage.end.toFixed(2)}`,
  );
  if (report.latency.length > 0) {
    out.push(`\n### Route latency, POST /v1/route over loopback HTTP, concurrency 1, 1k exemplars (ms)\n`);
    out.push(
      table(
        [
          'embedder',
          'short p50',
          'short p90',
          'short p99',
          'long p50',
          'long p99',
          'cache hit p50',
          'in-service embed p50',
          'RSS warm (MB)',
        ],
        report.latency.map((r) => [
          r.embedder,
          f(r.short.p50),
          f(r.short.p90),
          f(r.short.p99),
          f(r.long.p50),
          f(r.long.p99),
          f(r.repeated.p50),
          f(r.serverShort.embedP50),
          r.rssAfterWarmupMb.toFixed(0),
        ]),
      ),
    );
    const rows = report.latency.flatMap((r) =>
      r.throughput.map((t) => [
        r.embedder,
        String(t.connections),
        f(t.routesPerSecond, 0),
        f(t.p50Ms, 0),
        f(t.p99Ms, 0),
        String(t.errors),
        f(t.loopDelayP99Ms, 1),
        r.rssAfterLoadMb?.toFixed(0) ?? 'n/a',
      ]),
    );
    if (rows.length > 0) {
      out.push(`\n### Throughput, autocannon ${report.settings.throughputSeconds} s per run, 3 short : 1 long unique queries\n`);
      out.push(
        table(['embedder', 'connections', 'routes/s', 'p50 ms', 'p99 ms', 'errors', 'loop delay p99 ms', 'RSS after (MB)'], rows),
      );
    }
    const ceiling = report.modelCeiling;
    if (ceiling) {
      out.push(
        `\nThe model alone (minilm-${ceiling.precision}, 1-thread onnxruntime, in-process) costs ${ceiling.shortCpuMs.toFixed(2)} ms of CPU per short query ` +
          `(batches of 16) and ${ceiling.longCpuMs.toFixed(2)} ms per long one, ${ceiling.mixCpuMs.toFixed(2)} ms per query of this mix: ` +
          `at most **${ceiling.routesPerSecond.toFixed(0)} routes/s on ${ceiling.cores} cores** before HTTP, scoring and the load generator take their share.`,
      );
    }
  }
  if (report.scoring.length > 0) {
    out.push(`\n### Scoring scale, both axes per query, in-process (ms)\n`);
    out.push(
      table(
        ['exemplars', 'dim', 'score p50', 'score p99', 'similarities p50'],
        report.scoring.map((r) => [
          String(r.exemplars),
          String(r.dim),
          f(r.scoreMs.p50, 3),
          f(r.scoreMs.p99, 3),
          f(r.similaritiesMs.p50, 3),
        ]),
      ),
    );
  }
  if (report.footprint.length > 0) {
    out.push(`\n### Cold start, spawn to ready (ms)\n`);
    out.push(
      table(
        ['embedder', '10k pre-embedded', 'RSS at ready (MB)', 'empty DB (seeds shipped set)', 'empty DB, no seeding'],
        report.footprint.map((r) => [
          r.embedder,
          f(r.preEmbedded.readyMs, 0),
          f(r.preEmbedded.rssMb, 0),
          f(r.emptyDb?.readyMs, 0),
          r.bareStartMs.toFixed(0),
        ]),
      ),
    );
  }
  if (report.hostile.length > 0) {
    out.push(`\n### Under hostile load (issue #16), default limits\n`);
    out.push(
      table(
        ['embedder', 'worst request', 'statuses', 'request ms', '/healthz p50', '/healthz p99', '/healthz max', 'probes'],
        report.hostile.map((r) => [
          r.embedder,
          `${r.worst.parallel} x batch of ${r.worst.queriesPerRequest} x ${r.worst.charsPerQuery} chars (${(r.worst.bodyBytes / 1024).toFixed(0)} KB)`,
          r.worst.statuses.join(' '),
          r.worst.requestMs.join(' '),
          r.worst.healthz.p50.toFixed(1),
          r.worst.healthz.p99.toFixed(1),
          r.worst.healthz.max.toFixed(1),
          String(r.worst.healthz.count),
        ]),
      ),
    );
    out.push('');
    out.push(
      table(
        ['embedder', 'cache-filling load', 'statuses', 'RSS start (MB)', 'RSS peak (MB)', 'RSS end (MB)', 'deploy limit (MB)'],
        report.hostile.map((r) => [
          r.embedder,
          `${r.memory.requests} x batch of ${r.memory.queriesPerRequest} x ${r.memory.charsPerQuery} non-Latin-1 chars`,
          JSON.stringify(r.memory.statuses),
          String(r.memory.rssStartMb),
          String(r.memory.rssPeakMb),
          String(r.memory.rssEndMb),
          String(r.memory.limitMb),
        ]),
      ),
    );
  }
  if (report.proxy) {
    const p = report.proxy;
    out.push(`\n### Proxy overhead, POST /v1/chat/completions with an explicit model, fake upstream on loopback\n`);
    out.push(`c=1, ${p.requestsPerRun} requests per run: client round trip (ms); added = minus the direct call's\n`);
    out.push(
      table(
        ['target', 'p50', 'p99', 'added p50', 'added p99', `max req/s (c=${p.connections})`, 'p99 under load', 'errors'],
        p.targets.map((t) => [
          t.name,
          f(t.p50Ms, 3),
          f(t.p99Ms, 3),
          f(t.addedP50Ms, 3),
          f(t.addedP99Ms, 3),
          f(t.maxRps, 0),
          f(t.loadP99Ms, 0),
          String(t.errors),
        ]),
      ),
    );
    if (p.note) out.push(`\n${p.note}`);
  }
  if (report.tracing) {
    const r = report.tracing;
    out.push(`\n### OpenTelemetry off vs on (in-memory exporter, every span kept), ${r.embedder}, 1k exemplars\n`);
    out.push(
      `c=1, ${r.requestsPerRun} requests per run and side, every query an embedding-cache hit; round trip (ms), process CPU per request (us, client included)\n`,
    );
    out.push(
      table(
        ['request', 'p50 off', 'p50 on', 'p99 off', 'p99 on', 'CPU off', 'CPU on', 'spans/request'],
        r.cases.map((c) => [
          c.name,
          f(c.off.p50Ms, 3),
          f(c.on.p50Ms, 3),
          f(c.off.p99Ms, 3),
          f(c.on.p99Ms, 3),
          f(c.off.cpuUs, 0),
          f(c.on.cpuUs, 0),
          c.spansPerRequest.toFixed(1),
        ]),
      ),
    );
  }
  return out.join('\n');
}
