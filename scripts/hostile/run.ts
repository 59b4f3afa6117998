/**
 * npm run hostile [-- options]: replays the nine numbered findings of issue
 * #16 ("hold under hostile load") against the built service in a child
 * process (two client keys, an admin key, the limits of deploy/, the fake
 * upstream), prints one row per finding and exits 1 if any finding fails the
 * issue's demand. It measures; nothing here runs in `npm test`.
 *
 *   --embedder use-lite|minilm   use-lite (default, what `npm start` falls back to) or minilm (needs
 *                                MINILM_MODEL_DIR or --model-dir)
 *   --model-dir DIR              MiniLM model directory (default: $MINILM_MODEL_DIR)
 *   --fill-requests N            requests of the cache-filling load (default 115, the issue's)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../bench/service-process.js';
import {
  checkAssetsAndSearch,
  checkAuthLimits,
  checkBreaker,
  checkCacheFilling,
  checkDrain,
  checkFeedback,
  checkLedger,
  checkRedaction,
  checkWorstRequest,
  type Reproduction,
  type Verdict,
} from './findings.js';
import { renderFindings, type FindingRow } from './report.js';
import {
  reproduceAssetsAndSearch,
  reproduceAuthLimits,
  reproduceBreaker,
  reproduceFeedback,
  reproduceLedger,
  reproduceRedaction,
} from './reproduce-api.js';
import { reproduceDrain } from './reproduce-drain.js';
import { reproduceCacheFilling, reproduceWorstRequest } from './reproduce-load.js';
import { startHostileStack, type EmbedderChoice } from './stack.js';

const USAGE = 'usage: npm run hostile -- [--embedder use-lite|minilm] [--model-dir DIR] [--fill-requests N]';

function parseCli(): { embedder: EmbedderChoice; fillRequests: number } {
  const { values } = parseArgs({
    options: {
      help: { type: 'boolean', default: false },
      embedder: { type: 'string', default: 'use-lite' },
      'model-dir': { type: 'string' },
      'fill-requests': { type: 'string', default: '115' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const fillRequests = Number(values['fill-requests']);
  if (!Number.isInteger(fillRequests) || fillRequests < 1) throw new Error('--fill-requests: a positive integer');
  if (values.embedder === 'use-lite') return { embedder: { name: 'use-lite', env: { EMBEDDER: 'use-lite' } }, fillRequests };
  if (values.embedder !== 'minilm') throw new Error(`--embedder: use-lite or minilm, not ${values.embedder}`);
  const modelDir = values['model-dir'] ?? process.env['MINILM_MODEL_DIR'];
  if (modelDir === undefined) throw new Error('--embedder minilm needs MINILM_MODEL_DIR or --model-dir');
  return { embedder: { name: 'minilm', env: { EMBEDDER: 'minilm', MINILM_MODEL_DIR: modelDir } }, fillRequests };
}

async function main(): Promise<number> {
  const cli = parseCli();
  const log = (line: string) => process.stderr.write(`[hostile] ${line}\n`);
  const startedAt = new Date().toISOString();
  const loadStart = loadavg()[0]!;
  const started = performance.now();
  const stack = await startHostileStack(cli.embedder, log);
  const rows: FindingRow[] = [];
  const record = async <O>(finding: number, reproduce: () => Promise<Reproduction<O>>, check: (o: O) => Verdict) => {
    const at = performance.now();
    const { requests, observation } = await reproduce();
    const verdict = check(observation);
    rows.push({ finding, requests, verdict });
    log(
      `finding ${finding}: ${verdict.pass ? 'pass' : 'FAIL'} in ${((performance.now() - at) / 1000).toFixed(1)} s: ${verdict.now}`,
    );
    return observation;
  };
  const observations: Record<number, unknown> = {};
  let embedderId = 'unknown';
  try {
    embedderId = ((await (await fetch(`${stack.service.url}/readyz`)).json()) as { embedder: { id: string } }).embedder.id;
    log(`service ${stack.service.url} ready (${embedderId}), pid ${stack.service.pid}`);
    // The order keeps one finding from disturbing the next: the breaker (6) before the redaction's 500 (8) can count
    // against the failing model, the failed-auth burst (7) after the calls with keys, the drain (5) last: it stops the service.
    observations[9] = await record(9, () => reproduceAssetsAndSearch(stack), checkAssetsAndSearch);
    observations[4] = await record(4, () => reproduceFeedback(stack), checkFeedback);
    observations[3] = await record(3, () => reproduceLedger(stack), checkLedger);
    observations[6] = await record(6, () => reproduceBreaker(stack), checkBreaker);
    observations[8] = await record(8, () => reproduceRedaction(stack), checkRedaction);
    observations[7] = await record(7, () => reproduceAuthLimits(stack), checkAuthLimits);
    observations[1] = await record(1, () => reproduceWorstRequest(stack), checkWorstRequest);
    observations[2] = await record(2, () => reproduceCacheFilling(stack, cli.fillRequests), checkCacheFilling);
    observations[5] = await record(5, () => reproduceDrain(stack), checkDrain);
  } finally {
    await stack.stop();
  }
  const loadEnd = loadavg()[0]!;
  const seconds = Math.round((performance.now() - started) / 1000);
  const header =
    `npm run hostile -- --embedder ${cli.embedder.name} (${embedderId}), ${startedAt}, ${seconds} s, ` +
    `load average ${loadStart.toFixed(1)} -> ${loadEnd.toFixed(1)} on ${cpus().length} cores`;
  const outDir = join(PROJECT_ROOT, 'bench-results');
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, `hostile-${startedAt.replace(/[:.]/g, '-')}-${cli.embedder.name}.json`);
  writeFileSync(
    path,
    `${JSON.stringify({ startedAt, embedder: cli.embedder.name, embedderId, loadAverage: { start: loadStart, end: loadEnd }, seconds, rows, observations }, null, 2)}\n`,
  );
  process.stdout.write(`${header}\n\n${renderFindings(rows)}\n\nreport: ${path}\n`);
  return rows.every((row) => row.verdict.pass) && rows.length === 9 ? 0 : 1;
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(`hostile failed: ${(error as Error).message}\n${USAGE}`);
  process.exitCode = 2;
}
