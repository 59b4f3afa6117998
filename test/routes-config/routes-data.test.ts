import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readImportFile } from '../../src/routes-config/exemplar-files.js';
import { parseCsv } from '../../src/routes-config/csv.js';
import { DataFileError } from '../../src/routes-config/data-error.js';
import { loadRoutesData } from '../../src/routes-config/load-routes-data.js';
import { INTENT_EXEMPLAR_LABELS, TIERS } from '../../src/routes-config/schemas.js';
import { ROUTES_DATA_DIR, tempDir } from '../support/env.js';

test('the shipped routes-data is valid and has enough exemplars per label and language', () => {
  const data = loadRoutesData(ROUTES_DATA_DIR);
  const count = (axis: string, label: string, lang: string) =>
    data.exemplars.filter((e) => e.axis === axis && e.label === label && e.lang === lang).length;
  for (const tier of TIERS) {
    assert.ok(count('tier', tier, 'en') >= 40, `${tier} en`);
    assert.ok(count('tier', tier, 'es') >= 15, `${tier} es`);
  }
  // general too: its exemplars mark the open-domain region the product intents do not cover.
  for (const intent of INTENT_EXEMPLAR_LABELS) {
    assert.ok(count('intent', intent, 'en') >= 25, `${intent} en`);
    assert.ok(count('intent', intent, 'es') >= 15, `${intent} es`);
  }
  for (const id of Object.keys(data.routing.models)) assert.ok(data.prices.models[id], `price for ${id}`);
});

function brokenCopy(t: { after: (fn: () => void) => void }, file: string, content: string): string {
  const dir = tempDir(t);
  cpSync(ROUTES_DATA_DIR, dir, { recursive: true });
  writeFileSync(join(dir, file), content);
  return dir;
}

test('a bad exemplar row is reported as file:line with what is wrong', (t) => {
  const dir = brokenCopy(
    t,
    'exemplars/intent.en.jsonl',
    '{"label":"code","text":"fix my regex"}\n\n{"label":"cooking","text":"a recipe"}\n{"label":"code"\n',
  );
  assert.throws(
    () => loadRoutesData(dir),
    (error: unknown) => error instanceof DataFileError && /intent\.en\.jsonl:4: not valid JSON/.test(error.message),
  );
  const dir2 = brokenCopy(
    t,
    'exemplars/intent.en.jsonl',
    '{"label":"code","text":"fix my regex"}\n\n{"label":"cooking","text":"a recipe"}\n',
  );
  assert.throws(
    () => loadRoutesData(dir2),
    (error: unknown) =>
      error instanceof DataFileError && /intent\.en\.jsonl:3: label: label "cooking" is not a intent/.test(error.message),
  );
});

test('one text with two labels on an axis is a contradiction naming both places', (t) => {
  const dir = brokenCopy(
    t,
    'exemplars/intent.en.jsonl',
    '{"label":"code","text":"Fix my regex!"}\n{"label":"writing","text":"fix my regex"}\n',
  );
  assert.throws(
    () => loadRoutesData(dir),
    /intent\.en\.jsonl:2: "fix my regex" is labelled writing here but code at .*intent\.en\.jsonl:1/,
  );
});

test('a routing table naming an unknown model, or a model without a price, is refused', (t) => {
  const routing = JSON.parse(JSON.stringify(loadRoutesData(ROUTES_DATA_DIR).routing)) as { tiers: { simple: string[] } };
  routing.tiers.simple.push('gpt-9');
  const text = JSON.stringify(routing, null, 2);
  const line = text.slice(0, text.indexOf('"gpt-9"')).split('\n').length;
  assert.throws(
    () => loadRoutesData(brokenCopy(t, 'routing.json', text)),
    new RegExp(`routing\\.json:${line}: tiers\\.simple\\.3: unknown model "gpt-9"`),
  );
  const prices = { currency: 'USD', unit: 'per_1m_tokens', as_of: '2025-01-01', models: { 'gpt-4o': { input: 1, output: 2 } } };
  assert.throws(() => loadRoutesData(brokenCopy(t, 'prices.json', JSON.stringify(prices))), /no price for gpt-4o-mini/);
});

test('CSV: quoted fields with commas, quotes and newlines, CRLF and a BOM', () => {
  const rows = parseCsv(
    '\uFEFFtext,label,axis\r\n"hello, world",smalltalk,intent\r\n"she said ""hi""\nthen left",writing,intent\r\nplain,faq,intent',
    'x.csv',
  );
  assert.deepEqual(rows, [
    { line: 2, value: { text: 'hello, world', label: 'smalltalk', axis: 'intent' } },
    { line: 3, value: { text: 'she said "hi"\nthen left', label: 'writing', axis: 'intent' } },
    { line: 5, value: { text: 'plain', label: 'faq', axis: 'intent' } },
  ]);
  assert.throws(() => parseCsv('text,label\n"open,x', 'x.csv'), /x\.csv:2: a quoted field is never closed/);
});

test('import files: JSONL and CSV with an optional language, every bad row listed', (t) => {
  const dir = tempDir(t);
  const csv = join(dir, 'mine.csv');
  writeFileSync(
    csv,
    'text,label,axis,lang\nhow much is pro?,sales,intent,\n¿cuánto cuesta?,sales,intent,es\nprove it,complex,tier,en\n',
  );
  const rows = readImportFile(csv);
  assert.deepEqual(
    rows.map((row) => [row.label, row.lang, row.source]),
    [
      ['sales', 'en', 'import:mine.csv'],
      ['sales', 'es', 'import:mine.csv'],
      ['complex', 'en', 'import:mine.csv'],
    ],
  );
  const bad = join(dir, 'bad.jsonl');
  writeFileSync(
    bad,
    '{"text":"a","label":"sales","axis":"intent"}\n{"text":"b","label":"sales","axis":"mood"}\n{"text":"","label":"faq","axis":"intent"}\n',
  );
  assert.throws(
    () => readImportFile(bad),
    (error: unknown) =>
      error instanceof DataFileError &&
      error.problems.length === 2 &&
      /bad\.jsonl:2: axis/.test(error.problems[0]!) &&
      /bad\.jsonl:3: text: text is empty/.test(error.problems[1]!),
  );
});
