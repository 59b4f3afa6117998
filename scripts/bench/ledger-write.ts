/**
 * node --import tsx scripts/bench/ledger-write.ts [n=2000] [runs=5]
 * What one ledger insert costs (a WAL database on disk, as the service opens it). The proxy path only queues the row;
 * the insert runs after the response, batched per event-loop turn, so this is the one-row worst case.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { openDatabase } from '../../src/db/open-database.js';
import { RequestLedger, type LedgerEntry } from '../../src/ledger/request-ledger.js';
import { formatSpread, percentiles, spreadEach } from './stats.js';

const n = Number(process.argv[2] ?? 2000);
const runs = Number(process.argv[3] ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-'));
try {
  const db = openDatabase(join(dir, 'ledger.db'));
  const ledger = new RequestLedger(db);
  const entry = (): LedgerEntry => ({
    decisionId: randomUUID(),
    createdAt: new Date().toISOString(),
    endpoint: '/v1/chat/completions',
    routed: false,
    strategy: undefined,
    tier: undefined,
    intent: undefined,
    provider: 'openai',
    model: 'gpt-4o-mini',
    attempts: [{ model: 'gpt-4o-mini', provider: 'openai', status: 200, ms: 1.2 } as never],
    routeMs: undefined,
    upstreamMs: 1.1,
    totalMs: 1.5,
    inputTokens: 12,
    outputTokens: 9,
    tokensEstimated: false,
    costUsd: 1e-6,
    baselineCostUsd: 2e-6,
    status: 'ok',
    httpStatus: 200,
    errorCode: undefined,
    prompt: undefined,
  });
  const perRun: { p50: number; p99: number }[] = [];
  for (let run = 0; run < runs; run++) {
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const e = entry();
      const started = performance.now();
      ledger.record(e);
      ledger.flush();
      samples.push(performance.now() - started);
    }
    const p = percentiles(samples);
    perRun.push({ p50: p.p50, p99: p.p99 });
  }
  const x = spreadEach(perRun);
  console.log(`ledger.record: p50 ${formatSpread(x.p50, 4)} ms, p99 ${formatSpread(x.p99, 4)} ms (${n} inserts x ${runs} runs)`);
  db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
