import assert from 'node:assert/strict';
import { copyFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { bootRouter } from '../../src/boot.js';
import { silentLogger } from '../../src/logger.js';
import { TINY_STANDIN_DIR, tempDir, testConfig } from '../support/env.js';
import { startTestService } from '../support/test-router.js';
import { hermeticEnv, inspectDatabase, labelledRows, spawnTracked, type DatabaseState } from '../support/child-process.js';
import { prng } from '../support/hostile-requests.js';

const ROWS = 2000;
const FILE_NAME = 'crash-seed.jsonl';
const SOURCE = `import:${FILE_NAME}`;

type Plan =
  | { phase: 'embedding'; decile: number; extraMs: number }
  | { phase: 'writing'; delayMs: number }
  /** Killed as soon as the write-ahead log holds more than `bytes`: 0, the transaction has begun; 32 (its header), pages are being written. */
  | { phase: 'wal'; bytes: number };

test(`SIGKILL while seeding ${ROWS} rows: the database stays consistent and holds all of the file or none of it`, async (t) => {
  // A database seeded from routes-data, as a user's would be before importing a file of their own.
  const seeded = await startTestService(t, 'tiny-standin');
  const embedderId = seeded.router.embedder.id;
  seeded.store.close();
  const base = inspectDatabase(seeded.config.databasePath, embedderId);
  const dir = tempDir(t);
  const file = join(dir, FILE_NAME);
  writeFileSync(
    file,
    `${labelledRows('seed row', ROWS)
      .map((row) => JSON.stringify(row))
      .join('\n')}\n`,
  );

  // One run to the end, timed: the write starts right after the last progress line ("embedding N/N") and is
  // committed before the summary is printed, so the time between the two bounds the transaction.
  const calibration = join(dir, 'router-full.db');
  copyFileSync(seeded.config.databasePath, calibration);
  const full = spawnTracked(
    t,
    ['scripts/seed.ts', '--file', file],
    hermeticEnv({ DATABASE_PATH: calibration, LOG_LEVEL: 'warn' }),
  );
  await full.waitForLine(new RegExp(`^embedding ${ROWS}/${ROWS}$`));
  const embedded = performance.now();
  await full.waitForLine(/^exemplar set version/);
  const writeMs = performance.now() - embedded;
  assert.deepEqual(await full.exited, { code: 0, signal: null }, full.lines.join('\n'));
  assertConsistent(inspectDatabase(calibration, embedderId), base, ROWS, 'a full run');

  const random = prng(6_2026);
  const plans: Plan[] = [
    ...[2, 5, 8].map((decile): Plan => ({ phase: 'embedding', decile, extraMs: Math.floor(random() * 150) })),
    ...[0.05, 0.25, 0.6].map((fraction): Plan => ({ phase: 'writing', delayMs: Math.round(fraction * writeMs) })),
    { phase: 'wal', bytes: 0 },
    { phase: 'wal', bytes: 32 },
  ];
  const outcomes: string[] = [];
  let lastDatabase = '';
  for (const [index, plan] of plans.entries()) {
    const database = join(dir, `router-${index}.db`);
    copyFileSync(seeded.config.databasePath, database);
    const seed = spawnTracked(
      t,
      ['scripts/seed.ts', '--file', file],
      hermeticEnv({ DATABASE_PATH: database, LOG_LEVEL: 'warn' }),
    );
    if (plan.phase === 'embedding') {
      await seed.waitForLine((line) => Number(/^embedding (\d+)\//.exec(line)?.[1] ?? -1) >= (plan.decile * ROWS) / 10);
      await sleep(plan.extraMs);
    } else {
      await seed.waitForLine(new RegExp(`^embedding ${ROWS}/${ROWS}$`));
      if (plan.phase === 'writing' && plan.delayMs > 0) await sleep(plan.delayMs);
      if (plan.phase === 'wal') {
        while (walSize(database) <= plan.bytes && seed.child.exitCode === null) await sleep(1);
      }
    }
    const walBytes = walSize(database);
    const finishedFirst = seed.lines.some((line) => line.startsWith('exemplar set version'));
    await seed.kill();

    const state = inspectDatabase(database, embedderId);
    const imported = state.bySource.get(SOURCE) ?? 0;
    const label = `${JSON.stringify(plan)}: ${imported} rows, WAL ${walBytes} bytes at the kill`;
    assertConsistent(state, base, imported, label);
    if (plan.phase === 'embedding') assert.equal(imported, 0, `${label}: nothing is written while embedding`);
    const when =
      plan.phase === 'writing'
        ? ` +${plan.delayMs} ms`
        : plan.phase === 'embedding'
          ? ` decile ${plan.decile}`
          : ` > ${plan.bytes} B`;
    outcomes.push(
      `${plan.phase}${when}: ${imported === 0 ? 'none' : 'all'}${finishedFirst ? ' (finished first)' : ''}, WAL ${walBytes} B`,
    );

    // The service boots on what is left, and routes with every exemplar it holds.
    const config = testConfig({ EMBEDDER: 'minilm', MINILM_MODEL_DIR: TINY_STANDIN_DIR, DATABASE_PATH: database });
    const booted = await bootRouter(config, silentLogger);
    try {
      assert.deepEqual(
        [booted.router.exemplarSet().total, booted.router.exemplarSet().revision],
        [state.total, state.revision],
        label,
      );
      assert.equal(booted.store.missingVectors(embedderId).length, 0, label);
    } finally {
      booted.store.close();
    }
    lastDatabase = database;
  }

  // Running the seed again on a killed database completes the import.
  const again = spawnTracked(
    t,
    ['scripts/seed.ts', '--file', file],
    hermeticEnv({ DATABASE_PATH: lastDatabase, LOG_LEVEL: 'warn' }),
  );
  assert.deepEqual(await again.exited, { code: 0, signal: null }, again.lines.join('\n'));
  const done = inspectDatabase(lastDatabase, embedderId);
  assertConsistent(done, base, ROWS, 'after a full run');
  t.diagnostic(`write phase ${Math.round(writeMs)} ms; kills: ${outcomes.join('; ')}`);
});

function walSize(database: string): number {
  try {
    return statSync(`${database}-wal`).size;
  } catch {
    return 0;
  }
}

function assertConsistent(state: DatabaseState, base: DatabaseState, imported: number, label: string): void {
  assert.equal(state.integrity, 'ok', label);
  assert.equal(state.foreignKeyProblems, 0, label);
  assert.ok(imported === 0 || imported === ROWS, `${label}: part of the file was written`);
  assert.equal(state.total, base.total + imported, label);
  for (const [source, n] of base.bySource) assert.equal(state.bySource.get(source), n, `${label}: ${source} untouched`);
  assert.equal(state.withoutVector, 0, `${label}: every exemplar has a vector`);
  assert.equal(state.revision, base.revision + (imported > 0 ? 1 : 0), label);
}
