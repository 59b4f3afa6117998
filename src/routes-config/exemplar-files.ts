import { readFileSync } from 'node:fs';
import { basename, relative } from 'node:path';
import { z } from 'zod';
import { DataFileError, describeZodIssues } from './data-error.js';
import { AxisSchema, ExemplarFileRowSchema, ExemplarInputSchema, LangSchema, type ExemplarInput } from './schemas.js';
import { parseCsv } from './csv.js';
import { exemplarContentHash } from './content-hash.js';

/** An exemplar read from a file, remembering where, so every later complaint can name file:line. */
export interface LocatedExemplar extends ExemplarInput {
  source: string;
  contentHash: string;
  location: string;
}

const ROUTES_DATA_FILE_NAME = /^(tier|intent)\.([a-z]{2,3}(?:-[A-Za-z]{2,4})?)\.jsonl$/;

function parseJsonLines(path: string, displayPath: string): { line: number; value: unknown }[] {
  return parseJsonLinesText(readFileSync(path, 'utf8'), displayPath);
}

function parseJsonLinesText(content: string, displayPath: string): { line: number; value: unknown }[] {
  const rows: { line: number; value: unknown }[] = [];
  const problems: string[] = [];
  content.split('\n').forEach((raw, index) => {
    if (raw.trim() === '') return;
    try {
      rows.push({ line: index + 1, value: JSON.parse(raw) });
    } catch (error) {
      problems.push(`${displayPath}:${index + 1}: not valid JSON (${(error as Error).message})`);
    }
  });
  if (problems.length > 0) throw new DataFileError(problems);
  return rows;
}

function locate(row: ExemplarInput, source: string, location: string): LocatedExemplar {
  return { ...row, source, location, contentHash: exemplarContentHash(row.axis, row.text) };
}

/** routes-data/exemplars/<axis>.<lang>.jsonl: each line `{"label","text"}`. */
export function readRoutesDataExemplarFile(path: string, rootDir: string): LocatedExemplar[] {
  const displayPath = relative(process.cwd(), path) || path;
  const match = ROUTES_DATA_FILE_NAME.exec(basename(path));
  if (!match) throw new DataFileError([`${displayPath}: exemplar files are named <tier|intent>.<lang>.jsonl`]);
  const axis = AxisSchema.parse(match[1]);
  const lang = match[2]!;
  const source = `routes-data:${relative(rootDir, path)}`;
  const problems: string[] = [];
  const exemplars: LocatedExemplar[] = [];
  for (const { line, value } of parseJsonLines(path, displayPath)) {
    const fileRow = ExemplarFileRowSchema.safeParse(value);
    const parsed = fileRow.success ? ExemplarInputSchema.safeParse({ ...fileRow.data, axis, lang }) : fileRow;
    if (!parsed.success) problems.push(`${displayPath}:${line}: ${describeZodIssues(parsed.error)}`);
    else exemplars.push(locate(parsed.data, source, `${displayPath}:${line}`));
  }
  if (problems.length > 0) throw new DataFileError(problems);
  return exemplars;
}

const ImportRowSchema = z.object({
  text: z.string(),
  label: z.string(),
  axis: z.string(),
  lang: z.union([LangSchema, z.literal('')]).optional(),
});

/** A user's own labelled file: JSONL or CSV with the columns text,label,axis[,lang]. */
export function readImportFile(path: string): LocatedExemplar[] {
  const displayPath = relative(process.cwd(), path) || path;
  const format = path.toLowerCase().endsWith('.csv') ? 'csv' : 'jsonl';
  return parseImportContent(readFileSync(path, 'utf8'), format, displayPath, `import:${basename(path)}`);
}

/** The same, from text already in memory (an upload to the admin API). */
export function parseImportContent(
  content: string,
  format: 'csv' | 'jsonl',
  displayPath: string,
  source: string,
): LocatedExemplar[] {
  const rows = format === 'csv' ? parseCsv(content, displayPath) : parseJsonLinesText(content, displayPath);
  const problems: string[] = [];
  const exemplars: LocatedExemplar[] = [];
  for (const { line, value } of rows) {
    const raw = ImportRowSchema.safeParse(value);
    const parsed = raw.success ? ExemplarInputSchema.safeParse({ ...raw.data, lang: raw.data.lang || undefined }) : raw;
    if (!parsed.success) problems.push(`${displayPath}:${line}: ${describeZodIssues(parsed.error)}`);
    else exemplars.push(locate(parsed.data, source, `${displayPath}:${line}`));
  }
  if (rows.length === 0) problems.push(`${displayPath}: no rows`);
  if (problems.length > 0) throw new DataFileError(problems);
  return exemplars;
}

/**
 * The same text twice on one axis is fine when the labels agree (the later copy
 * is dropped) and an error when they do not: one sentence cannot teach two labels.
 */
export function dedupeExemplars(exemplars: readonly LocatedExemplar[]): LocatedExemplar[] {
  const seen = new Map<string, LocatedExemplar>();
  const problems: string[] = [];
  for (const exemplar of exemplars) {
    const earlier = seen.get(exemplar.contentHash);
    if (!earlier) seen.set(exemplar.contentHash, exemplar);
    else if (earlier.label !== exemplar.label) {
      problems.push(
        `${exemplar.location}: "${exemplar.text}" is labelled ${exemplar.label} here but ${earlier.label} at ${earlier.location}`,
      );
    }
  }
  if (problems.length > 0) throw new DataFileError(problems);
  return [...seen.values()];
}
