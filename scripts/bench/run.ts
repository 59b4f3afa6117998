/**
 * npm run bench [-- options]: route latency and throughput over loopback HTTP,
 * scoring scale, footprint and proxy overhead; writes bench-results/<stamp>.json
 * and prints a table. Everything runs on 127.0.0.1 with bounded counts and times.
 *
 *   --quick                 one run per figure, shorter loads (for iterating)
 *   --runs N                runs per figure (default 3)
 *   --only a,b              sections: latency, scoring, footprint, proxy, hostile, tracing
 *   --embedders a,b         minilm-q8, minilm-fp32, use-lite (default all three)
 *   --env KEY=VALUE         extra service environment (repeatable), to compare settings
 *   --label NAME            added to the report's file name
 */
import { mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { benchHostile, type HostileResult } from './hostile-load.js';
import type { ModelCeiling } from './model-ceiling.js';
import { benchProxy, type ProxyResult } from './proxy-overhead.js';
import { benchScoringScale, type ScoringScaleResult } from './scoring-scale.js';
import { benchTracing, type TracingResult } from './tracing-overhead.js';
import {
  EMBEDDERS,
  benchColdStart,
  benchService,
  probeEmbedder,
  scratchDir,
  type BenchSettings,
  type ColdStartResult,
  type EmbedderName,
  type LatencyResult,
} from './service-bench.js';
import { PROJECT_ROOT, ensureBuilt } from './service-process.js';
import { renderTables } from './report-table.js';

const SECTIONS = ['latency', 'scoring', 'footprint', 'proxy', 'hostile', 'tracing'] as const;
type Section = (typeof SECTIONS)[number];

export interface BenchReport {
  startedAt: string;
  label: string | undefined;
  machine: { cpus: number; model: string; node: string; loadAverage: { start: number; end: number } };
  settings: Omit<BenchSettings, 'log'>;
  latency: LatencyResult[];
  /** What the model alone allows for the throughput mix (measured with the throughput figures). */
  modelCeiling: ModelCeiling | undefined;
  scoring: ScoringScaleResult[];
  footprint: ColdStartResult[];
  proxy: ProxyResult | undefined;
  /** /healthz during the worst request the limits allow, and RSS under the cache-filling load (issue #16). */
  hostile: HostileResult[];
  /** Route and proxied-call latency with OpenTelemetry off and on (in-memory exporter), same process, same queries. */
  tracing: TracingResult | undefined;
  durationSeconds: number;
}

const USAGE = `usage: npm run bench -- [--quick] [--runs N] [--only ${SECTIONS.join(',')}]
                       [--embedders ${Object.keys(EMBEDDERS).join(',')}] [--env KEY=VALUE ...] [--label NAME]`;

function parseCli() {
  const { values } = parseArgs({
    options: {
      help: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      only: { type: 'string' },
      embedders: { type: 'string' },
      env: { type: 'string', multiple: true, default: [] },
      label: { type: 'string' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const only = (values.only?.split(',') ?? [...SECTIONS]) as Section[];
  for (const section of only) if (!SECTIONS.includes(section)) throw new Error(`--only: unknown section ${section}`);
  const embedders = (values.embedders?.split(',') ?? Object.keys(EMBEDDERS)) as EmbedderName[];
  for (const name of embedders) if (!(name in EMBEDDERS)) throw new Error(`--embedders: unknown embedder ${name}`);
  const serviceEnv = Object.fromEntries(
    values.env.map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw new Error(`--env ${pair}: expected KEY=VALUE`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
  const runs = values.runs !== undefined ? Number(values.runs) : values.quick ? 1 : 3;
  return { quick: values.quick, runs, only, embedders, serviceEnv, label: values.label };
}

function ensureStandin(log: (line: string) => void): void {
  if (existsSync(join(PROJECT_ROOT, '.cache/minilm-standin/full/onnx/model_quantized.onnx'))) return;
  log('generating the MiniLM stand-in (.cache/minilm-standin/full)');
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/make-minilm-standin.ts', '--variant', 'full', '--quiet'],
    {
      cwd: PROJECT_ROOT,
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) throw new Error('could not generate the MiniLM stand-in');
}

/** model-ceiling.ts in a child process, so the bench process holds no model while it measures the service. */
function measureModelCeiling(log: (line: string) => void, modelDir: string | undefined): ModelCeiling {
  const args = ['--import', 'tsx', 'scripts/bench/model-ceiling.ts', 'q8', ...(modelDir === undefined ? [] : [modelDir])];
  const result = spawnSync(process.execPath, args, { cwd: PROJECT_ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`model ceiling: ${result.stderr.trim().split('\n').pop() ?? 'failed'}`);
  const ceiling = JSON.parse(result.stdout) as ModelCeiling;
  log(
    `model alone: short ${ceiling.shortCpuMs.toFixed(2)} ms, long ${ceiling.longCpuMs.toFixed(2)} ms CPU per query -> at most ${ceiling.routesPerSecond.toFixed(0)} routes/s on ${ceiling.cores} cores`,
  );
  return ceiling;
}

async function main(): Promise<void> {
  const cli = parseCli();
  const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
  const started = performance.now();
  const settings: BenchSettings = {
    runs: cli.runs,
    requestsPerRun: cli.quick ? 150 : 300,
    throughputSeconds: cli.quick ? 5 : 10,
    concurrencies: [32, 128],
    serviceEnv: cli.serviceEnv,
    log,
  };
  const report: BenchReport = {
    startedAt: new Date().toISOString(),
    label: cli.label,
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadAverage: { start: loadavg()[0]!, end: Number.NaN },
    },
    settings: {
      runs: settings.runs,
      requestsPerRun: settings.requestsPerRun,
      throughputSeconds: settings.throughputSeconds,
      concurrencies: settings.concurrencies,
      serviceEnv: settings.serviceEnv,
    },
    latency: [],
    modelCeiling: undefined,
    scoring: [],
    footprint: [],
    proxy: undefined,
    hostile: [],
    tracing: undefined,
    durationSeconds: 0,
  };

  // The tracing section runs the app in this process: it needs the stand-in model, not dist/.
  const needsService = cli.only.some((section) => section !== 'scoring' && section !== 'tracing');
  if (needsService) ensureBuilt(log);
  if (needsService || cli.only.includes('tracing')) ensureStandin(log);
  const dir = scratchDir();
  try {
    if (cli.only.includes('scoring'))
      report.scoring = benchScoringScale([1_000, 10_000, 100_000], 384, Math.max(cli.runs, 3), log);
    for (const name of cli.embedders) {
      if (!cli.only.includes('latency') && !cli.only.includes('footprint') && !cli.only.includes('hostile')) break;
      const identity = await probeEmbedder(name, dir, settings);
      // USE-lite (the fallback `npm start` gets without MiniLM) was the one that stalled; the fp32 stand-in adds nothing here.
      if (cli.only.includes('hostile') && name !== 'minilm-fp32')
        report.hostile.push(await benchHostile(name, identity, dir, settings));
      // Throughput is the default embedder's figure; the others get latency and footprint.
      if (cli.only.includes('latency'))
        report.latency.push(await benchService(name, identity, 1_000, dir, settings, name === 'minilm-q8'));
      if (cli.only.includes('latency') && name === 'minilm-q8')
        report.modelCeiling = measureModelCeiling(log, cli.serviceEnv['MINILM_MODEL_DIR']);
      // Seeding an empty database with USE-lite takes ~25 s a run; the default embedder's figure is the one tracked.
      if (cli.only.includes('footprint'))
        report.footprint.push(await benchColdStart(name, identity, dir, settings, name === 'minilm-q8'));
    }
    if (cli.only.includes('proxy')) report.proxy = await benchProxy(settings);
    if (cli.only.includes('tracing')) report.tracing = await benchTracing(dir, settings);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  report.durationSeconds = Math.round((performance.now() - started) / 1000);
  report.machine.loadAverage.end = loadavg()[0]!;
  if (report.machine.loadAverage.start > report.machine.cpus) {
    log(
      `the load average was ${report.machine.loadAverage.start.toFixed(1)} on ${report.machine.cpus} cores when the benchmark started: other work shares these cores`,
    );
  }
  const outDir = join(PROJECT_ROOT, 'bench-results');
  mkdirSync(outDir, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const path = join(outDir, `bench-${stamp}${cli.label ? `-${cli.label}` : ''}.json`);
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${renderTables(report)}\n\nreport: ${path} (${report.durationSeconds} s)\n`);
}

try {
  await main();
} catch (error) {
  // A bad flag or a failed section: one line and the usage, not a stack trace.
  console.error(`bench failed: ${(error as Error).message}\n${USAGE}`);
  process.exit(1);
}
