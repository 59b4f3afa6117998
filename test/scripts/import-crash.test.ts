import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { tempDir } from '../support/env.js';
import {
  inspectDatabase,
  labelledRows,
  startServiceProcess,
  type DatabaseState,
  type ServiceProcess,
} from '../support/child-process.js';
import { prng } from '../support/hostile-requests.js';

const ROWS = 2000;
const SOURCE = 'import:admin-upload';
const ADMIN_KEY = 'import-crash-admin-key-0123456789';

type Plan = { kill: 'after'; fraction: number } | { kill: 'wal' };

function csvFor(prefix: string): string {
  return `text,label,axis,lang\n${labelledRows(prefix, ROWS)
    .map((row) => [row.text, row.label, row.axis, row.lang].join(','))
    .join('\n')}\n`;
}

function walState(database: string): string {
  try {
    const stat = statSync(`${database}-wal`);
    return `${stat.size}:${stat.mtimeMs}`;
  } catch {
    return 'none';
  }
}

interface Ready {
  embedder: { id: string };
  exemplars: { total: number; revision: number };
}

async function readiness(service: ServiceProcess): Promise<Ready> {
  const response = await fetch(`${service.url}/readyz`);
  assert.equal(response.status, 200);
  return (await response.json()) as Ready;
}

function postImport(service: ServiceProcess, prefix: string): Promise<number | 'no answer'> {
  return fetch(`${service.url}/admin/exemplars/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'text/csv' },
    body: csvFor(prefix),
    signal: AbortSignal.timeout(60_000),
  }).then(
    (response) => response.status,
    () => 'no answer',
  );
}

test(`SIGKILL of the service during an admin import of ${ROWS} rows: after a restart the database is consistent, with all of the upload or none`, async (t) => {
  const database = join(tempDir(t), 'router.db');
  const settings = { DATABASE_PATH: database, SEED_ON_START: 'true', ADMIN_API_KEY: ADMIN_KEY };
  let service = await startServiceProcess(t, settings);
  const first = await readiness(service);
  const embedderId = first.embedder.id;

  // One import to the end, timed, so the kills below can land anywhere inside one.
  const started = performance.now();
  assert.equal(await postImport(service, 'complete upload'), 200);
  const importMs = performance.now() - started;
  let expected = inspectDatabase(database, embedderId);
  assert.equal(expected.bySource.get(SOURCE), ROWS);
  assert.equal(expected.withoutVector, 0);

  const random = prng(2026_0106);
  const plans: Plan[] = [
    ...[0, 1, 2].map((): Plan => ({ kill: 'after', fraction: 0.05 + random() * 0.9 })),
    // Nothing else writes while the import runs: the first change to the write-ahead log is the import's transaction.
    { kill: 'wal' },
    { kill: 'wal' },
  ];
  const outcomes: string[] = [];
  for (const [index, plan] of plans.entries()) {
    const prefix = `upload ${index}`;
    const walBefore = walState(database);
    const answer = postImport(service, prefix);
    if (plan.kill === 'after') await sleep(Math.round(plan.fraction * importMs));
    else while (walState(database) === walBefore && service.child.exitCode === null) await sleep(1);
    await service.kill();
    const status = await answer;

    const state = inspectDatabase(database, embedderId);
    const imported = (state.bySource.get(SOURCE) ?? 0) - (expected.bySource.get(SOURCE) ?? 0);
    const label = `${JSON.stringify(plan)}: answered ${status}, ${imported} rows`;
    assertConsistent(state, expected, imported, label);
    if (status === 200) assert.equal(imported, ROWS, `${label}: an answered import is all there`);
    outcomes.push(
      `${plan.kill === 'after' ? `${Math.round(plan.fraction * 100)}% in` : 'at the first WAL write'}: ${imported === 0 ? 'none' : 'all'} (${status})`,
    );
    expected = state;

    // Restart on the same file: it boots without reseeding, and serves exactly what the file holds.
    service = await startServiceProcess(t, settings);
    const ready = await readiness(service);
    assert.deepEqual([ready.exemplars.total, ready.exemplars.revision], [state.total, state.revision], label);
  }

  // The restarted service takes the next import whole.
  assert.equal(await postImport(service, 'after the crashes'), 200);
  assert.equal((await readiness(service)).exemplars.total, expected.total + ROWS);
  await service.kill();
  assertConsistent(inspectDatabase(database, embedderId), expected, ROWS, 'a last import');
  t.diagnostic(`one import takes ${Math.round(importMs)} ms; kills: ${outcomes.join('; ')}`);
});

function assertConsistent(state: DatabaseState, before: DatabaseState, imported: number, label: string): void {
  assert.equal(state.integrity, 'ok', label);
  assert.equal(state.foreignKeyProblems, 0, label);
  assert.ok(imported === 0 || imported === ROWS, `${label}: part of the upload was written`);
  assert.equal(state.total, before.total + imported, label);
  for (const [source, n] of before.bySource)
    if (source !== SOURCE) assert.equal(state.bySource.get(source), n, `${label}: ${source} untouched`);
  assert.equal(state.withoutVector, 0, `${label}: every exemplar has a vector`);
  assert.equal(state.revision, before.revision + (imported > 0 ? 1 : 0), label);
}
