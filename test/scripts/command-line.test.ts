import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readOptions } from '../../scripts/command-line.js';

const USAGE = 'usage: npm run thing -- [--file PATH] [--prune]';
const OPTIONS = { file: { type: 'string' }, prune: { type: 'boolean', default: false } } as const;

test('readOptions: the values with their defaults; --help prints the usage (0); a bad option says why, with the usage (2)', (t) => {
  const log = t.mock.method(console, 'log', () => {});
  const error = t.mock.method(console, 'error', () => {});

  const values = readOptions(OPTIONS, USAGE, ['--file', 'rows.jsonl']);
  assert.notEqual(typeof values, 'number');
  if (typeof values === 'number') return;
  assert.equal(values.file, 'rows.jsonl');
  assert.equal(values.prune, false);
  assert.equal(log.mock.callCount() + error.mock.callCount(), 0, 'nothing printed for a good command line');

  assert.equal(readOptions(OPTIONS, USAGE, ['--help']), 0);
  assert.equal(readOptions(OPTIONS, USAGE, ['-h']), 0);
  assert.deepEqual(
    log.mock.calls.map((call) => call.arguments),
    [[USAGE], [USAGE]],
  );

  assert.equal(readOptions(OPTIONS, USAGE, ['--bogus']), 2);
  assert.equal(readOptions(OPTIONS, USAGE, ['stray']), 2, 'no positional arguments');
  assert.equal(error.mock.callCount(), 2);
  assert.match(String(error.mock.calls[0]!.arguments[0]), /^Unknown option '--bogus'\nusage: /);
});
