/**
 * npm run seed -- [--file PATH.jsonl|PATH.csv [--select N]] [--prune] [--dry-run]
 *
 * Loads routes-data/ (or a user's labelled file), validates every row before
 * writing anything, upserts by content hash, embeds what the active embedder
 * lacks, and prints a summary per label. Settings come from the environment,
 * as for the service (DATABASE_PATH, EMBEDDER, ...).
 */
import { ConfigError, loadConfig } from '../src/config.js';
import { selectEmbedder } from '../src/embedding/select-embedder.js';
import { embedInBatches, type Embedder } from '../src/embedding/embedder.js';
import { dedupeExemplars, readImportFile, type LocatedExemplar } from '../src/routes-config/exemplar-files.js';
import { seedExemplars, type SeedSummary } from '../src/exemplars/seed.js';
import { ExemplarStore } from '../src/exemplars/store.js';
import { createLogger } from '../src/logger.js';
import { DataFileError } from '../src/routes-config/data-error.js';
import { loadExemplarFiles } from '../src/routes-config/load-routes-data.js';
import { kMeansMedoids, perLabelQuotas } from '../src/quality/select-subset.js';
import { readOptions } from './command-line.js';

const USAGE = `usage: npm run seed -- [--file PATH [--select N]] [--prune] [--dry-run]
  --file PATH   import a JSONL or CSV file with text,label,axis[,lang] instead of routes-data/exemplars
  --select N    keep a representative subset of about N rows instead of the whole file (k-means medoids
                per axis and label, N split evenly over the labels)
  --prune       delete stored exemplars from the same source that the input no longer has
  --dry-run     validate the input and report what would change, write nothing`;

function progressBar(): (done: number, total: number) => void {
  const interactive = process.stderr.isTTY === true;
  let lastDecile = -1;
  return (done, total) => {
    const fraction = total === 0 ? 1 : done / total;
    if (interactive) {
      const width = 30;
      const filled = Math.round(fraction * width);
      process.stderr.write(`\rembedding [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
      if (done === total) process.stderr.write('\n');
    } else if (Math.floor(fraction * 10) > lastDecile) {
      lastDecile = Math.floor(fraction * 10);
      process.stderr.write(`embedding ${done}/${total}\n`);
    }
  };
}

function printSummary(summary: SeedSummary, dryRun: boolean): void {
  const verb = dryRun ? 'would be' : 'were';
  console.log(
    `${summary.added} added, ${summary.relabelled} updated, ${summary.unchanged} unchanged, ${summary.pruned} pruned (${verb}); ` +
      `${summary.embedded} embedded`,
  );
  console.log(`exemplar set version ${summary.version} (revision ${summary.revision})`);
  console.log('axis     label       lang  count');
  for (const row of summary.counts) {
    console.log(`${row.axis.padEnd(8)} ${row.label.padEnd(11)} ${row.lang.padEnd(5)} ${String(row.count).padStart(5)}`);
  }
}

/** k-means medoids within each axis/label, the total split evenly over labels, so a large labelled file becomes a few hundred typical exemplars. */
async function selectRepresentatives(input: LocatedExemplar[], embedder: Embedder, target: number): Promise<LocatedExemplar[]> {
  const groups = new Map<string, LocatedExemplar[]>();
  for (const row of input)
    (groups.get(`${row.axis}:${row.label}`) ?? groups.set(`${row.axis}:${row.label}`, []).get(`${row.axis}:${row.label}`)!).push(
      row,
    );
  const quotas = perLabelQuotas(Object.fromEntries([...groups].map(([key, rows]) => [key, rows.length])), target);
  const vectors = await embedInBatches(
    embedder,
    input.map((row) => row.text),
    32,
    progressBar(),
  );
  const vectorOf = new Map(input.map((row, i) => [row, vectors[i]!]));
  const selected: LocatedExemplar[] = [];
  for (const [key, rows] of groups) {
    const picked = kMeansMedoids(
      rows.map((row) => vectorOf.get(row)!),
      quotas[key] ?? rows.length,
    );
    selected.push(...picked.map((i) => rows[i]!));
    console.log(`selected ${picked.length} of ${rows.length} for ${key}`);
  }
  return selected;
}

async function main(): Promise<number> {
  const args = readOptions(
    {
      file: { type: 'string' },
      select: { type: 'string' },
      prune: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
    },
    USAGE,
  );
  if (typeof args === 'number') return args;
  const config = loadConfig();
  const logger = createLogger(config.logLevel);

  // Validate everything before loading a model or opening the database.
  let input: LocatedExemplar[] = args.file ? dedupeExemplars(readImportFile(args.file)) : loadExemplarFiles(config.routesDataDir);
  const prune = args.prune
    ? args.file
      ? (source: string) => source === input[0]?.source
      : (source: string) => source.startsWith('routes-data:')
    : undefined;

  const embedder = await selectEmbedder(config.embedder, logger);
  if (args.select !== undefined) {
    const target = Number(args.select);
    if (!args.file || !Number.isInteger(target) || target < 1) {
      console.error(`--select needs --file and a positive whole number\n${USAGE}`);
      return 2;
    }
    input = await selectRepresentatives(input, embedder, target);
  }
  const store = ExemplarStore.open(config.databasePath);
  try {
    if (args['dry-run']) {
      store.db.exec('BEGIN');
      try {
        printSummary(
          await seedExemplars(
            store,
            { ...embedder, embed: async (texts) => texts.map(() => new Float32Array(embedder.dim)) },
            input,
            prune ? { prune } : {},
          ),
          true,
        );
      } finally {
        store.db.exec('ROLLBACK');
      }
      return 0;
    }
    const summary = await seedExemplars(store, embedder, input, { ...(prune ? { prune } : {}), onProgress: progressBar() });
    console.log(`database ${config.databasePath}, embedder ${embedder.id}`);
    printSummary(summary, false);
    return 0;
  } finally {
    store.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof DataFileError || error instanceof ConfigError) {
      console.error(`seed aborted, database unchanged:\n${error.message}`);
      process.exit(1);
    }
    console.error(`seed failed, database unchanged: ${(error as Error).message}`);
    process.exit(1);
  },
);
