import { readFileSync } from 'node:fs';

export interface LabelledRow {
  text: string;
  label: string;
  lang: string;
  /** The whole parsed line, for fields a report may want (source, upstream label). */
  raw: Record<string, unknown>;
}

export interface LabelledFileOptions {
  labelField: string;
  textField?: string;
  /** gold label -> label in the router's taxonomy; a label mapped to "" is dropped. */
  mapping?: Record<string, string>;
  /** Keep only rows in this language (rows without a lang count as English). */
  lang?: string | undefined;
  limit?: number | undefined;
}

/** `a=b,c=d` -> { a: 'b', c: 'd' }. */
export function parseMapping(spec: string | undefined): Record<string, string> {
  if (!spec) return {};
  return Object.fromEntries(
    spec
      .split(',')
      .filter((pair) => pair.trim() !== '')
      .map((pair) => {
        const at = pair.indexOf('=');
        if (at < 0) throw new Error(`mapping "${pair}" is not from=to`);
        return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
      }),
  );
}

export function readJsonl(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line, index) => ({ line, index }))
    .filter(({ line }) => line.trim() !== '')
    .map(({ line, index }) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch (error) {
        throw new Error(`${path}:${index + 1}: not valid JSON (${(error as Error).message})`);
      }
    });
}

/** A labelled JSONL file: `text` plus the label field chosen by flag, optionally mapped and filtered by language. */
export function readLabelledFile(path: string, options: LabelledFileOptions): LabelledRow[] {
  const textField = options.textField ?? 'text';
  const rows: LabelledRow[] = [];
  readJsonl(path).forEach((raw, index) => {
    const text = raw[textField];
    const gold = raw[options.labelField];
    if (typeof text !== 'string' || text.trim() === '') throw new Error(`${path}: row ${index + 1} has no "${textField}"`);
    if (typeof gold !== 'string') throw new Error(`${path}: row ${index + 1} has no string "${options.labelField}"`);
    const label = options.mapping?.[gold] ?? gold;
    if (label === '') return;
    const lang = typeof raw.lang === 'string' ? raw.lang : 'en';
    if (options.lang !== undefined && lang !== options.lang) return;
    rows.push({ text, label, lang, raw });
  });
  return options.limit === undefined ? rows : rows.slice(0, options.limit);
}
