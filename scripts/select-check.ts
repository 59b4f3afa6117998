/**
 * npm run select-check -- [--sizes 300,600] [--evaldata DIR] [--json OUT]
 *
 * How well does `npm run seed -- --file big.jsonl --select N` keep the quality
 * of the whole file? Builds a large labelled intent bank from the per-source
 * dev files (CLINC150 train, Banking77, Bitext, HWU64, chit-chat, GSM8K,
 * HumanEval, mapped to our intents as ../shared/evaldata/README.md documents),
 * drops every row that is also an evaluation row, then routes the English rows
 * of intent_mix.jsonl with the intent exemplars replaced by: the whole bank;
 * k-means medoid subsets of each size (what --select does); and seeded random
 * subsets of the same per-label sizes. Everything else (rules, tiers, default
 * scoring; no calibration, since one belongs to one exemplar set) is the
 * shipped configuration. Writing is left out of the score: no source has
 * writing requests to import.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { kMeansMedoids, perLabelQuotas, seededRandom } from '../src/quality/select-subset.js';
import { openEvalRouter, progress } from './quality/eval-router.js';
import { readLabelledFile } from './quality/labelled-file.js';
import { evaluateLabelled } from './quality/run-labelled.js';
import { runMain } from './quality/run-main.js';
import { dedupKey, readSourceBank, type BankRow } from './quality/source-bank.js';
import { readOptions } from './command-line.js';

const USAGE = 'usage: npm run select-check -- [--sizes 300,600] [--evaldata ../shared/evaldata] [--json OUT]';
const ROUTES_DATA = resolve('routes-data');

interface Variant {
  name: string;
  rows: BankRow[];
}

/** A routes-data copy whose English intent exemplars are `rows` (Spanish and tier exemplars, rules and tables as shipped). */
function routesDataWith(rows: readonly BankRow[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'select-check-'));
  mkdirSync(join(dir, 'exemplars'));
  for (const name of ['prices.json', 'routing.json', 'rules.json', 'scoring.json'])
    copyFileSync(join(ROUTES_DATA, name), join(dir, name));
  for (const name of ['tier.en.jsonl', 'tier.es.jsonl', 'intent.es.jsonl'])
    copyFileSync(join(ROUTES_DATA, 'exemplars', name), join(dir, 'exemplars', name));
  writeFileSync(
    join(dir, 'exemplars', 'intent.en.jsonl'),
    rows.map((row) => JSON.stringify({ label: row.label, text: row.text })).join('\n') + '\n',
  );
  return dir;
}

/** Deterministic shuffle, so the random baseline is the same on every run. */
function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  const next = seededRandom(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function main(): Promise<number> {
  const values = readOptions(
    {
      sizes: { type: 'string', default: '300,600' },
      evaldata: { type: 'string', default: '../shared/evaldata' },
      json: { type: 'string' },
    },
    USAGE,
  );
  if (typeof values === 'number') return values;
  const sizes = values.sizes.split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`--sizes must be positive whole numbers\n${USAGE}`);

  const evalRows = readLabelledFile(join(values.evaldata, 'intent_mix.jsonl'), { labelField: 'intent', lang: 'en' }).filter(
    (row) => row.label !== 'writing',
  );
  const evalKeys = new Set(evalRows.map((row) => dedupKey(row.text)));
  const seen = new Set<string>();
  const bank = readSourceBank(values.evaldata).filter((row) => {
    const key = dedupKey(row.text);
    if (evalKeys.has(key) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const byLabel = new Map<string, BankRow[]>();
  for (const row of bank) (byLabel.get(row.label) ?? byLabel.set(row.label, []).get(row.label)!).push(row);
  console.log(
    `bank: ${bank.length} rows after removing evaluation rows and duplicates (${[...byLabel].map(([l, r]) => `${l} ${r.length}`).join(', ')})`,
  );

  // One router only to embed the bank through the on-disk cache (the first run embeds ~30k rows).
  const embedding = await openEvalRouter();
  await embedding.embedder.warm(
    bank.map((row) => row.text.trim()),
    progress('embedding the bank'),
  );
  const vectors = new Map<BankRow, Float32Array>();
  const all = await embedding.embedder.embed(bank.map((row) => row.text.trim()));
  bank.forEach((row, i) => vectors.set(row, all[i]!));
  embedding.close();

  const variants: Variant[] = [{ name: `whole bank (${bank.length})`, rows: bank }];
  for (const size of sizes) {
    const quotas = perLabelQuotas(Object.fromEntries([...byLabel].map(([label, rows]) => [label, rows.length])), size);
    const medoids: BankRow[] = [];
    const random: BankRow[] = [];
    for (const [label, rows] of byLabel) {
      const quota = quotas[label] ?? rows.length;
      medoids.push(
        ...kMeansMedoids(
          rows.map((row) => vectors.get(row)!),
          quota,
        ).map((i) => rows[i]!),
      );
      random.push(...seededShuffle(rows, 20261122).slice(0, quota));
    }
    variants.push(
      { name: `--select ${size} (k-means medoids)`, rows: medoids },
      { name: `random ${size} (same per-label counts)`, rows: random },
    );
  }

  const results: { name: string; exemplars: number; macroF1: number; accuracy: number; perLabel: Record<string, number> }[] = [];
  for (const variant of variants) {
    const dir = routesDataWith(variant.rows);
    const router = await openEvalRouter({ routesDataDir: dir });
    try {
      const evaluation = await evaluateLabelled(router, evalRows, 'intent', { strategy: 'balanced' });
      // Writing is not a gold label here, so macro-F1 averages the seven labels that are.
      const { report } = evaluation;
      results.push({
        name: variant.name,
        exemplars: variant.rows.length,
        macroF1: report.macroF1,
        accuracy: report.accuracy,
        perLabel: Object.fromEntries(report.perClass.filter((c) => c.support > 0).map((c) => [c.label, c.f1])),
      });
    } finally {
      router.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const labels = Object.keys(results[0]!.perLabel);
  console.log(`\nintent_mix.jsonl English rows without writing (${evalRows.length}), default scoring, shipped rules and tiers`);
  console.log(
    `${'intent exemplars'.padEnd(40)} ${'rows'.padStart(6)} ${'macro-F1'.padStart(8)} ${'acc'.padStart(6)}  ${labels.map((l) => l.slice(0, 9).padStart(9)).join(' ')}`,
  );
  for (const r of results) {
    console.log(
      `${r.name.padEnd(40)} ${String(r.exemplars).padStart(6)} ${r.macroF1.toFixed(3).padStart(8)} ${r.accuracy.toFixed(3).padStart(6)}  ${labels.map((l) => (r.perLabel[l] ?? 0).toFixed(3).padStart(9)).join(' ')}`,
    );
  }
  if (values.json) writeFileSync(values.json, JSON.stringify({ bank: bank.length, evalRows: evalRows.length, results }, null, 2));
  return 0;
}

runMain('select-check', main);
