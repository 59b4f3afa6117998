import type { OutcomeRow } from '../../src/quality/outcomes.js';
import { readJsonl } from './labelled-file.js';

/** Parses a Python list of string literals (RouterBench serialises few-shot prompts that way). */
export function parsePythonStringList(text: string): string[] | undefined {
  const s = text.trim();
  if (!s.startsWith('[') || !s.endsWith(']')) return undefined;
  const out: string[] = [];
  let i = 1;
  const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
  while (i < s.length - 1) {
    const c = s[i]!;
    if (c === ' ' || c === ',' || c === '\n') {
      i++;
      continue;
    }
    if (c !== "'" && c !== '"') return undefined;
    let value = '';
    i++;
    while (i < s.length && s[i] !== c) {
      if (s[i] === '\\') {
        const next = s[i + 1]!;
        if (next === 'x') {
          value += String.fromCharCode(parseInt(s.slice(i + 2, i + 4), 16));
          i += 4;
        } else if (next === 'u') {
          value += String.fromCharCode(parseInt(s.slice(i + 2, i + 6), 16));
          i += 6;
        } else {
          value += escapes[next] ?? `\\${next}`;
          i += 2;
        }
      } else value += s[i++];
    }
    i++;
    out.push(value);
  }
  return out;
}

/** The question a RouterBench prompt asks: the last list element's last blank-line-separated block. */
export function routerbenchQuestion(text: string): string {
  const list = parsePythonStringList(text);
  const last = list?.[list.length - 1] ?? text;
  const blocks = last.split('\n\n').filter((block) => block.trim() !== '');
  return (blocks[blocks.length - 1] ?? last).trim();
}

export interface OutcomeFile {
  rows: OutcomeRow[];
  /** The models present, weakest/cheapest first as the file orders them for two-model files. */
  models: string[];
  costUnit: string;
  qualityUnit: string;
}

/**
 * RouterBench (`correct` and `cost` per model), RouteLLM MMLU (`weak_correct`
 * / `strong_correct`) and MT-Bench (`weak_score` / `strong_score`) rows. Files
 * without costs count one call of the strong model as cost 1, the weak as 0.
 */
export function readOutcomeFile(path: string, limit?: number): OutcomeFile {
  const raw = readJsonl(path);
  const rows: OutcomeRow[] = [];
  let kind: 'routerbench' | 'pair-correct' | 'pair-score' | undefined;
  const models = new Set<string>();
  for (const r of raw) {
    const text = typeof r.text === 'string' ? r.text : '';
    if (typeof r.correct === 'object' && r.correct !== null && typeof r.cost === 'object' && r.cost !== null) {
      kind = 'routerbench';
      const correct = r.correct as Record<string, number | null>;
      const cost = r.cost as Record<string, number | null>;
      if (Object.values(correct).some((v) => v === null) || Object.values(cost).some((v) => v === null)) continue;
      for (const m of Object.keys(correct)) models.add(m);
      rows.push({
        text: routerbenchQuestion(text),
        quality: correct as Record<string, number>,
        cost: cost as Record<string, number>,
      });
    } else if (typeof r.weak_model === 'string' && typeof r.strong_model === 'string') {
      const weak = r.weak_model;
      const strong = r.strong_model;
      models.add(weak).add(strong);
      const scored = typeof r.weak_score === 'number';
      kind = scored ? 'pair-score' : 'pair-correct';
      const wq = scored ? (r.weak_score as number) : r.weak_correct ? 1 : 0;
      const sq = scored ? (r.strong_score as number) : r.strong_correct ? 1 : 0;
      rows.push({ text, quality: { [weak]: wq, [strong]: sq }, cost: { [weak]: 0, [strong]: 1 } });
    } else throw new Error(`${path}: a row with neither correct/cost per model nor weak/strong outcomes`);
    if (limit !== undefined && rows.length >= limit) break;
  }
  return {
    rows,
    models: [...models],
    costUnit: kind === 'routerbench' ? 'USD per prompt' : 'share of strong-model calls',
    qualityUnit: kind === 'pair-score' ? 'mean judge score' : 'accuracy',
  };
}
