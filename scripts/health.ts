/**
 * npm run health -- [--axis intent|tier] [--lang en] [--duplicate-above 0.95] [--show 10] [--json OUT]
 *
 * Exemplar-bank health, no labelled data needed: leave-one-out accuracy per
 * label, the label pairs that get confused, exemplars closer to another label
 * than to their own, near-duplicates, how well each label is separated, and a
 * list of what to fix. Reads the exemplars the service would load
 * (routes-data seeded into a throw-away database, the active embedder).
 */
import { writeFileSync } from 'node:fs';
import { assessBank } from '../src/quality/bank-health.js';
import { resolveScoring } from '../src/routing/scoring-settings.js';
import { AXES } from '../src/routes-config/schemas.js';
import { openEvalRouter } from './quality/eval-router.js';
import { runMain } from './quality/run-main.js';
import { readOptions } from './command-line.js';

const USAGE = `usage: npm run health -- [--axis tier|intent] [--lang en] [--duplicate-above 0.95] [--show 10]
                         [--routes-data DIR] [--json PATH]`;

async function main(): Promise<number> {
  const args = readOptions(
    {
      axis: { type: 'string' },
      lang: { type: 'string' },
      'duplicate-above': { type: 'string', default: '0.95' },
      show: { type: 'string', default: '10' },
      'routes-data': { type: 'string' },
      json: { type: 'string' },
    },
    USAGE,
  );
  if (typeof args === 'number') return args;
  const show = Number(args.show);
  const router = await openEvalRouter({ routesDataDir: args['routes-data'] });
  try {
    const settings = resolveScoring(router.routesData, router.embedder).settings;
    const stored = router.store.vectorRows(router.embedder.id);
    const reports: Record<string, unknown> = {};
    console.log(`embedder ${router.embedder.id}, exemplar set ${router.router.exemplarSet().version}`);
    for (const axis of AXES) {
      if (args.axis && args.axis !== axis) continue;
      const langs = args.lang ? [args.lang] : [...new Set(stored.filter((r) => r.axis === axis).map((r) => r.lang))].sort();
      for (const lang of langs) {
        const rows = stored.filter((r) => r.axis === axis && r.lang === lang);
        const health = assessBank(rows, { k: settings[axis].k, duplicateAbove: Number(args['duplicate-above']) });
        reports[`${axis}.${lang}`] = health;
        console.log(
          `\n== ${axis} exemplars, ${lang} (${rows.length}): leave-one-out accuracy ${health.looAccuracy.toFixed(3)} (k ${settings[axis].k}, top-k mean)`,
        );
        console.log('label        count  LOO acc  cohesion  nearest other label      separation');
        for (const l of health.labels) {
          console.log(
            `${l.label.padEnd(12)} ${String(l.count).padStart(5)} ${l.looAccuracy.toFixed(3).padStart(8)} ${l.cohesion.toFixed(3).padStart(9)}  ${`${l.nearestOther?.label ?? '-'} ${l.nearestOther?.similarity.toFixed(3) ?? ''}`.padEnd(22)} ${l.separation.toFixed(3).padStart(10)}`,
          );
        }
        console.log(
          `confused pairs (label -> taken for): ${
            health.confusedPairs
              .slice(0, show)
              .map((p) => `${p.label}->${p.predicted} ${p.count}`)
              .join(', ') || 'none'
          }`,
        );
        console.log(
          `to fix (${health.misplaced.length} exemplars sit closer to another label; ${health.nearDuplicates.length} near-duplicate pairs >= ${args['duplicate-above']}):`,
        );
        for (const m of health.misplaced.slice(0, show)) {
          console.log(
            `  #${m.id} [${m.label}] closer to ${m.closerTo} (${m.otherScore.toFixed(3)} vs ${m.ownScore.toFixed(3)}): ${m.text.replace(/\s+/g, ' ').slice(0, 90)}`,
          );
        }
        for (const d of health.nearDuplicates.slice(0, show)) {
          console.log(
            `  near-duplicate ${d.similarity.toFixed(3)}: [${d.a.label}] "${d.a.text.slice(0, 40)}" ~ [${d.b.label}] "${d.b.text.slice(0, 40)}"${d.a.label === d.b.label ? '' : '  <- different labels'}`,
          );
        }
        const weakest = [...health.labels].sort((a, b) => a.separation - b.separation)[0];
        if (weakest)
          console.log(
            `  weakest separated label: ${weakest.label} (separation ${weakest.separation.toFixed(3)} from ${weakest.nearestOther?.label ?? '-'}): add exemplars that differ from it`,
          );
      }
    }
    if (args.json)
      writeFileSync(
        args.json,
        `${JSON.stringify(reports, (key, value: unknown) => (key === 'vector' ? undefined : value), 1)}\n`,
      );
    return 0;
  } finally {
    router.close();
  }
}

runMain('health', main);
