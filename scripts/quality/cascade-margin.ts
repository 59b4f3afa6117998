/**
 * node --import tsx scripts/quality/cascade-margin.ts --file PATH [--label-field tier] [--lang en] [--max-asked 0.1]
 *
 * Fits CASCADE_MAX_MARGIN: routes every row of a labelled tier file with the
 * cascade off and reports, for each candidate threshold, the share of queries
 * the cascade would ask about and how often the kNN tier is right on them and
 * on the rest. The suggested threshold is the largest one that asks about at
 * most --max-asked of the queries: the cascade should be spent where the kNN
 * is least sure, and a bounded share keeps its cost and latency bounded.
 * Fit on development data only; never on scripts/quality/holdout/.
 */
import { parseArgs } from 'node:util';
import { openEvalRouter } from './eval-router.js';
import { progress } from './eval-router.js';
import { readLabelledFile } from './labelled-file.js';

const GRID = [0.002, 0.004, 0.006, 0.008, 0.01, 0.0125, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05];

interface MarginRow {
  margin: number;
  correct: boolean;
  /** A rule sets the tier outright: the cascade is never asked. */
  ruleSetsTier: boolean;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      file: { type: 'string' },
      'label-field': { type: 'string', default: 'tier' },
      lang: { type: 'string' },
      'max-asked': { type: 'string', default: '0.1' },
    },
  });
  if (!values.file) throw new Error('usage: cascade-margin.ts --file PATH [--label-field tier] [--lang en] [--max-asked 0.1]');
  const maxAsked = Number(values['max-asked']);
  const rows = readLabelledFile(values.file, { labelField: values['label-field'], lang: values.lang });
  const router = await openEvalRouter();
  try {
    await router.embedder.warm(
      rows.map((row) => row.text.trim()),
      progress('embedding (cached after the first run)'),
    );
    const measured: MarginRow[] = [];
    for (const row of rows) {
      const outcome = await router.router.route({ query: row.text });
      measured.push({
        margin: outcome.tierScores.margin,
        correct: outcome.decision.tier === row.label,
        ruleSetsTier: outcome.ruleHits.some((hit) => hit.set.tier !== undefined),
      });
    }
    const accuracy = (subset: MarginRow[]) =>
      subset.length === 0 ? NaN : subset.filter((row) => row.correct).length / subset.length;
    console.log(
      `${values.file}: ${rows.length} rows, embedder ${router.router.embedder.id}, scoring ${router.router.scoringSource}`,
    );
    console.log(`overall tier accuracy (cascade off) ${accuracy(measured).toFixed(3)}`);
    console.log('max_margin  asked  accuracy_asked  accuracy_rest');
    let suggested: number | undefined;
    for (const threshold of GRID) {
      const asked = measured.filter((row) => !row.ruleSetsTier && row.margin < threshold);
      const rest = measured.filter((row) => !asked.includes(row));
      const share = asked.length / measured.length;
      if (share <= maxAsked) suggested = threshold;
      console.log(
        `${threshold.toFixed(4).padStart(10)}  ${(100 * share).toFixed(1).padStart(4)}%  ${accuracy(asked).toFixed(3).padStart(14)}  ${accuracy(rest).toFixed(3).padStart(13)}`,
      );
    }
    console.log(
      `suggested CASCADE_MAX_MARGIN (asks at most ${(100 * maxAsked).toFixed(0)}% of queries): ${suggested ?? 'none in the grid'}`,
    );
  } finally {
    router.close();
  }
}

await main();
