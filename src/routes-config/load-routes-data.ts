import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { z } from 'zod';
import { dedupeExemplars, readRoutesDataExemplarFile, type LocatedExemplar } from './exemplar-files.js';
import { DataFileError } from './data-error.js';
import { lineOfJsonPath, lineOfJsonSyntaxError } from './json-lines.js';
import {
  CalibrationFileSchema,
  PriceTableSchema,
  RoutingTableSchema,
  RulesFileSchema,
  ScoringFileSchema,
  type CalibrationFile,
  type PriceTable,
  type RoutingTable,
  type Rule,
  type ScoringFile,
} from './schemas.js';

/** Everything in routes-data/, validated: the service trusts it from here on. */
export interface RoutesData {
  dir: string;
  exemplars: LocatedExemplar[];
  rules: Rule[];
  routing: RoutingTable;
  prices: PriceTable;
  scoring: ScoringFile;
  /** routes-data/calibration/*.json, each fitted for one embedder id. */
  calibrations: LoadedCalibration[];
}

export interface LoadedCalibration {
  /** Path relative to routes-data, e.g. calibration/use-lite@energetic-ai-0.2.0.json. */
  file: string;
  calibration: CalibrationFile;
}

function readJsonFile<T>(dir: string, name: string, schema: z.ZodType<T>): T {
  const path = join(dir, name);
  const displayPath = relative(process.cwd(), path) || path;
  if (!existsSync(path)) throw new DataFileError([`${displayPath}: missing`]);
  const text = readFileSync(path, 'utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const line = lineOfJsonSyntaxError(text, (error as Error).message);
    throw new DataFileError([
      `${displayPath}${line === undefined ? '' : `:${line}`}: not valid JSON (${(error as Error).message})`,
    ]);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new DataFileError(
      parsed.error.issues.map((issue) => {
        const line = lineOfJsonPath(text, issue.path);
        const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
        return `${displayPath}${line === undefined ? '' : `:${line}`}: ${where}${issue.message}`;
      }),
    );
  }
  return parsed.data;
}

export function loadExemplarFiles(dir: string): LocatedExemplar[] {
  const exemplarDir = join(dir, 'exemplars');
  if (!existsSync(exemplarDir)) throw new DataFileError([`${exemplarDir}: missing`]);
  const files = readdirSync(exemplarDir)
    .filter((name) => name.endsWith('.jsonl'))
    .sort();
  const problems: string[] = [];
  const exemplars: LocatedExemplar[] = [];
  for (const file of files) {
    try {
      exemplars.push(...readRoutesDataExemplarFile(join(exemplarDir, file), dir));
    } catch (error) {
      if (!(error instanceof DataFileError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) throw new DataFileError(problems);
  return dedupeExemplars(exemplars);
}

/** Calibration files are optional; two for one embedder id would make the choice arbitrary, so that is an error. */
export function loadCalibrations(dir: string): LoadedCalibration[] {
  const calibrationDir = join(dir, 'calibration');
  if (!existsSync(calibrationDir)) return [];
  const loaded = readdirSync(calibrationDir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => ({ file: `calibration/${name}`, calibration: readJsonFile(calibrationDir, name, CalibrationFileSchema) }));
  const seen = new Map<string, string>();
  for (const { file, calibration } of loaded) {
    const earlier = seen.get(calibration.embedder_id);
    if (earlier)
      throw new DataFileError([`${join(dir, file)}: embedder ${calibration.embedder_id} is already calibrated by ${earlier}`]);
    seen.set(calibration.embedder_id, file);
  }
  return loaded;
}

export function loadRoutesData(dir: string): RoutesData {
  const routing = readJsonFile(dir, 'routing.json', RoutingTableSchema);
  const prices = readJsonFile(dir, 'prices.json', PriceTableSchema);
  const unpriced = Object.keys(routing.models).filter((id) => !(id in prices.models));
  if (unpriced.length > 0) {
    throw new DataFileError([
      `${join(dir, 'prices.json')}: no price for ${unpriced.join(', ')} (every model in routing.json needs one)`,
    ]);
  }
  return {
    dir,
    exemplars: loadExemplarFiles(dir),
    rules: readJsonFile(dir, 'rules.json', RulesFileSchema).rules,
    routing,
    prices,
    scoring: readJsonFile(dir, 'scoring.json', ScoringFileSchema),
    calibrations: loadCalibrations(dir),
  };
}
