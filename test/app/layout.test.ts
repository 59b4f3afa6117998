import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { test } from 'node:test';
import { PROJECT_ROOT } from '../support/env.js';

const SRC = join(PROJECT_ROOT, 'src');

/** For each folder of src/, the other folders its modules import (type-only imports too: they tie the folders as much). */
function folderImports(): Map<string, Map<string, string>> {
  const edges = new Map<string, Map<string, string>>();
  for (const entry of readdirSync(SRC, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.tsx?$/.test(entry.name)) continue;
    const file = join(entry.parentPath, entry.name);
    const [from, ...rest] = relative(SRC, file).split(sep);
    if (rest.length === 0 || from === 'dashboard') continue; // top-level modules (app, boot, errors...) and the browser client
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
      const [to, ...inside] = relative(SRC, normalize(join(dirname(file), specifier!))).split(sep);
      if (inside.length === 0 || to === from || to === undefined) continue;
      if (!edges.has(from!)) edges.set(from!, new Map());
      if (!edges.get(from!)!.has(to)) edges.get(from!)!.set(to, relative(PROJECT_ROOT, file));
    }
  }
  return edges;
}

test("src/ folders import one another without a cycle (imports flow one way, as the house style's layout says)", () => {
  const edges = folderImports();
  assert.ok(edges.get('http')?.has('routing'), 'the import graph was read');
  const cycles: string[] = [];
  const visit = (path: string[]) => {
    for (const [next, file] of edges.get(path.at(-1)!) ?? []) {
      if (next === path[0]) cycles.push(`${[...path, next].join(' -> ')} (closed by ${file})`);
      else if (!path.includes(next) && next > path[0]!) visit([...path, next]);
    }
  };
  for (const start of edges.keys()) visit([start]);
  assert.deepEqual(cycles, []);
});
