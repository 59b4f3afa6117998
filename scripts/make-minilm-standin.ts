/**
 * Generates offline stand-ins for Xenova/all-MiniLM-L6-v2: ONNX BERT encoders
 * with MiniLM's exact interface and deterministic random weights, next to the
 * real tokenizer files. The Hugging Face Hub is unreachable on build machines,
 * and this lets tests and benchmarks exercise the real transformers.js loading
 * and inference path anyway.
 *
 *   npx tsx scripts/make-minilm-standin.ts [--variant full|tiny|all] [--out DIR]
 *       [--tokenizer-dir DIR] [--seed N] [--force] [--quiet]
 *
 * Use it from transformers.js with
 *   env.allowRemoteModels = false; env.localModelPath = '<out>';
 *   await pipeline('feature-extraction', 'full' | 'tiny', { quantized });
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_SEED, assertTokenizerDir, buildVariant, isUpToDate, variantDir } from './minilm-standin/standin-dir.js';
import type { BuildResult } from './minilm-standin/standin-dir.js';
import { VARIANT_NAMES, isVariantName } from './minilm-standin/variants.js';
import type { VariantName } from './minilm-standin/variants.js';

const USAGE = `Usage: tsx scripts/make-minilm-standin.ts [options]

Builds stand-in all-MiniLM-L6-v2 ONNX models (random weights, real tokenizer).

  --variant full|tiny|all  which model(s) to build (default: full)
  --out DIR                output root (default: <project>/.cache/minilm-standin)
  --tokenizer-dir DIR      upstream tokenizer/config files
                           (default: <project>/../shared/models/all-MiniLM-L6-v2)
  --seed N                 weight seed, a 32-bit unsigned integer (default: ${DEFAULT_SEED})
  --force                  rebuild even if an up-to-date copy exists
  --quiet                  print nothing on success
  -h, --help               show this help
`;

interface Options {
  readonly variants: readonly VariantName[];
  readonly root: string;
  readonly tokenizerDir: string;
  readonly seed: number;
  readonly force: boolean;
  readonly quiet: boolean;
}

/**
 * The project root is the nearest folder with a package.json above this file,
 * so the defaults work both under tsx (scripts/) and compiled (dist/scripts/).
 */
function findProjectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the project root (no package.json above this script)');
    dir = parent;
  }
  return dir;
}

function parseVariants(value: string): readonly VariantName[] {
  if (value === 'all') return VARIANT_NAMES;
  if (isVariantName(value)) return [value];
  throw new Error(`unknown --variant "${value}"; expected ${[...VARIANT_NAMES, 'all'].join(', ')}`);
}

function parseSeed(value: string | undefined): number {
  if (value === undefined) return DEFAULT_SEED;
  const seed = Number(value);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`--seed must be an integer in [0, 2^32), got "${value}"`);
  }
  return seed;
}

/** Returns undefined when --help was asked for. */
function parseOptions(argv: readonly string[]): Options | undefined {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      variant: { type: 'string', default: 'full' },
      out: { type: 'string' },
      'tokenizer-dir': { type: 'string' },
      seed: { type: 'string' },
      force: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return undefined;
  const projectRoot = findProjectRoot();
  // Explicit paths resolve against the caller's cwd, like any other CLI.
  return {
    variants: parseVariants(values.variant),
    root: values.out === undefined ? join(projectRoot, '.cache', 'minilm-standin') : resolve(values.out),
    tokenizerDir:
      values['tokenizer-dir'] === undefined
        ? resolve(projectRoot, '..', 'shared', 'models', 'all-MiniLM-L6-v2')
        : resolve(values['tokenizer-dir']),
    seed: parseSeed(values.seed),
    force: values.force,
    quiet: values.quiet,
  };
}

function formatMegabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function describeBuild(result: BuildResult): string {
  const sizes = Object.entries(result.marker.files)
    .filter(([file]) => file.startsWith('onnx/'))
    .map(([file, record]) => `${file} ${formatMegabytes(record.bytes)}`)
    .join(', ');
  return `minilm-standin: built ${result.marker.variant} in ${result.seconds.toFixed(1)} s at ${result.dir} (${sizes})`;
}

function run(options: Options): void {
  const log = options.quiet ? () => {} : (line: string) => console.log(line);
  for (const variant of options.variants) {
    if (!options.force && isUpToDate(options.root, variant, options.seed)) {
      log(`minilm-standin: ${variant} is up to date at ${variantDir(options.root, variant)}`);
      continue;
    }
    // Only needed when building, so a reused cache keeps working even if the
    // shared folder is temporarily unavailable.
    assertTokenizerDir(options.tokenizerDir);
    log(describeBuild(buildVariant({ variant, seed: options.seed, root: options.root, tokenizerDir: options.tokenizerDir })));
  }
}

function main(): void {
  try {
    const options = parseOptions(process.argv.slice(2));
    if (options === undefined) {
      process.stdout.write(USAGE);
      return;
    }
    run(options);
  } catch (error) {
    console.error(`minilm-standin: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}

main();
