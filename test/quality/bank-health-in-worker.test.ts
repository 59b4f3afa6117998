import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assessBank, type BankRow } from '../../src/quality/bank-health.js';
import { assessBankInWorker } from '../../src/quality/bank-health-in-worker.js';
import { ExemplarConflicts } from '../../src/exemplars/exemplar-conflicts.js';
import type { ExemplarStore } from '../../src/exemplars/store.js';
import type { Axis } from '../../src/routes-config/schemas.js';
import { mulberry32 } from '../../src/seeded-random.js';

/** Four labels around four centres, spread so that some rows sit closer to another label, and a few near-copies. */
function seededBank(size: number): BankRow[] {
  const random = mulberry32(11);
  const dim = 16;
  const centres = ['a', 'b', 'c', 'd'].map((label) => ({ label, centre: Array.from({ length: dim }, () => random() - 0.5) }));
  const rows = Array.from({ length: size }, (_, id) => {
    const { label, centre } = centres[id % centres.length]!;
    const raw = centre.map((value) => value + (random() - 0.5) * 2);
    const norm = Math.hypot(...raw);
    return { id, label, text: `row ${id}`, vector: Float32Array.from(raw, (value) => value / norm) };
  });
  for (const id of [5, 17, 40]) rows.push({ ...rows[id]!, id: size + id, text: `copy of ${id}` });
  return rows;
}

test('assessBankInWorker: the same health as assessBank in this thread, near duplicates named without vectors', async () => {
  const bank = seededBank(200);
  const inThread = assessBank(bank, { k: 3, duplicateAbove: 0.99 });
  const inWorker = await assessBankInWorker(bank, { k: 3, duplicateAbove: 0.99 });
  assert.ok(inThread.misplaced.length > 0 && inThread.nearDuplicates.length >= 3, 'a bank with something to report');
  assert.deepEqual(inWorker, inThread);
  assert.deepEqual(Object.keys(inWorker.nearDuplicates[0]!.a).sort(), ['id', 'label', 'text']);
});

/** A promise the test resolves by hand (Node 20 has no Promise.withResolvers). */
function opened(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/** A store with one revision counter and fixed rows, which is all ExemplarConflicts.health reads. */
function fakeStore(rows: (BankRow & { axis: Axis })[]): { store: ExemplarStore; bump: () => void } {
  let revision = 1;
  const store = { revision: () => revision, vectorRows: () => rows } as unknown as ExemplarStore;
  return { store, bump: () => revision++ };
}

test('ExemplarConflicts.health: callers during a pass share it, a change starts a new one, a failed pass is retried', async () => {
  const rows = seededBank(40).map((row, i) => ({ ...row, axis: i % 2 === 0 ? ('intent' as const) : ('tier' as const) }));
  const { store, bump } = fakeStore(rows);
  // Each axis's pass waits for the test to open the gate, then fails or answers as assessBank does.
  let calls = 0;
  let gate = opened();
  let failNext = false;
  const assess = async (axisRows: readonly BankRow[], options: { k: number; duplicateAbove: number }) => {
    calls++;
    await gate.promise;
    if (failNext) throw new Error('worker died');
    return assessBank(axisRows, options);
  };
  const settle = async (fail: boolean) => {
    failNext = fail;
    gate.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    gate = opened();
  };
  const conflicts = new ExemplarConflicts(store, () => 'test-embedder', 3, assess);
  const expected = {
    intent: assessBank(
      rows.filter((row) => row.axis === 'intent'),
      { k: 3, duplicateAbove: 0.95 },
    ),
    tier: assessBank(
      rows.filter((row) => row.axis === 'tier'),
      { k: 3, duplicateAbove: 0.95 },
    ),
  };

  const first = conflicts.health();
  const second = conflicts.health();
  assert.equal(second, first, 'a caller during the pass shares it');
  await settle(false);
  assert.deepEqual(await first, expected);
  assert.equal(calls, 2, 'one pass: one call per axis');
  assert.equal(conflicts.health(), first, 'cached until the exemplar set changes');

  bump();
  const failing = conflicts.health();
  assert.notEqual(failing, first, 'a new revision, a new pass');
  await settle(true);
  await assert.rejects(failing, /worker died/);
  const retried = conflicts.health();
  assert.notEqual(retried, failing, 'the failure was not cached');
  await settle(false);
  assert.deepEqual(await retried, expected);
});
