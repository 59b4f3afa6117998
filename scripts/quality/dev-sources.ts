import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { OutcomeRow } from '../../src/quality/outcomes.js';
import { mulberry32 } from '../../src/seeded-random.js';
import { SPANISH_CHECK_FILE } from './dev-suite.js';
import { readJsonl } from './labelled-file.js';
import { readOutcomeFile } from './outcome-file.js';
import { BANKING77_FAQ, BITEXT, CLINC, HWU_MASSIVE } from './source-bank.js';

/**
 * The development data of ../shared/evaldata grouped by source family, for
 * leave-one-source-out evaluation: every fitted setting is fitted on the
 * other families and scored on the held-out one. MASSIVE and HWU64 are one
 * family (they share ~7k utterances), so holding one out cannot leak through
 * the other. Each family is a seeded sample, spread over its labels, so that
 * one large source does not outweigh the others in a pooled fit.
 */
export interface DevRow {
  text: string;
  lang: string;
  family: string;
  label: string;
}

export interface OutcomeSource {
  family: string;
  rows: OutcomeRow[];
  /** Cheapest first; for RouterBench the three tier models. */
  ladder: string[];
  /** The model a non-complex decision mostly gets, and the strong model: "needs strong" = weak wrong, strong right. */
  weak: string;
  strong: string;
  /** Score difference that counts as "weak wrong, strong right" on judge-scored files (MT-Bench). */
  scored: boolean;
}

export const ROUTERBENCH_LADDER = ['mistralai/mistral-7b-chat', 'gpt-3.5-turbo-1106', 'gpt-4-1106-preview'];

/** Up to `cap` rows spread evenly over labels (a label with fewer rows hands its share on), seeded. */
export function sampleSpread<T extends { label: string }>(rows: readonly T[], cap: number, seed: number): T[] {
  const random = mulberry32(seed);
  const byLabel = new Map<string, T[]>();
  for (const row of rows) (byLabel.get(row.label) ?? byLabel.set(row.label, []).get(row.label)!).push(row);
  const pools = [...byLabel.values()].map((pool) => {
    const copy = [...pool];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy;
  });
  const out: T[] = [];
  for (let round = 0; out.length < cap && pools.some((pool) => pool.length > round); round++) {
    for (const pool of pools) if (pool.length > round && out.length < cap) out.push(pool[round]!);
  }
  return out;
}

const unique = <T extends { text: string }>(rows: T[]): T[] => {
  const seen = new Set<string>();
  return rows.filter((row) => {
    const key = row.text.trim().toLowerCase();
    if (key === '' || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};

function mapped(
  rows: Record<string, unknown>[],
  family: string,
  labelOf: (row: Record<string, unknown>) => string | undefined,
  lang = 'en',
): DevRow[] {
  const out: DevRow[] = [];
  for (const row of rows) {
    const label = labelOf(row);
    if (label !== undefined && typeof row.text === 'string') out.push({ text: row.text.trim(), lang, family, label });
  }
  return unique(out);
}

const MMLU_MATH = new Set([
  'abstract_algebra',
  'college_mathematics',
  'elementary_mathematics',
  'high_school_mathematics',
  'high_school_statistics',
]);

/** Intent rows per family, with the label mapping of ../shared/evaldata/README.md (CLINC out-of-scope -> general). */
export function intentFamilies(evaldataDir: string, cap: number): DevRow[] {
  const file = (path: string) => readJsonl(join(evaldataDir, path));
  const label = (row: Record<string, unknown>) => String(row.label);
  const families: DevRow[][] = [
    mapped(file('clinc150/clinc150_train_val_oos.jsonl'), 'clinc150', (row) =>
      label(row) === 'oos' ? 'general' : CLINC[label(row)],
    ),
    mapped(file('banking77/banking77_train.jsonl'), 'banking77', (row) => (BANKING77_FAQ.has(label(row)) ? 'faq' : 'support')),
    mapped(file('bitext/bitext_8k.jsonl'), 'bitext', (row) => BITEXT[label(row)]),
    mapped(
      [...file('massive_hwu64/massive_en_train_dev.jsonl'), ...file('massive_hwu64/hwu64_train_valid.jsonl')],
      'massive_hwu64',
      (row) => HWU_MASSIVE[label(row)],
    ),
    mapped(file('chitchat/chitchat_en_mit.jsonl'), 'chitchat_en', () => 'smalltalk'),
    mapped(file('chitchat/chitchat_es_dev.jsonl'), 'chitchat_es', () => 'smalltalk', 'es'),
    mapped(file('gsm8k/gsm8k_train.jsonl'), 'gsm8k', () => 'math'),
    mapped(file('humaneval/humaneval.jsonl'), 'humaneval', () => 'code'),
    mapped(
      file('mt_bench/mt_bench_questions.jsonl'),
      'mt_bench',
      (row) => ({ writing: 'writing', roleplay: 'writing', math: 'math', coding: 'code' })[label(row)],
    ),
    mapped(file('routellm/routellm_mmlu_outcomes.jsonl'), 'routellm_mmlu', (row) =>
      MMLU_MATH.has(String(row.subject)) ? 'math' : undefined,
    ),
    mapped(
      readOutcomeFile(join(evaldataDir, 'routerbench/routerbench_train_outcomes.jsonl')).rows.map((row, i) => ({
        text: row.text,
        task: routerbenchTasks(evaldataDir)[i],
      })),
      'routerbench_mbpp',
      (row) => (row.task === 'mbpp' ? 'code' : undefined),
    ),
    mapped(readJsonl(SPANISH_CHECK_FILE), 'own_es', (row) => String(row.intent), 'es'),
  ];
  return families.flatMap((rows, i) => sampleSpread(rows, cap, 1000 + i));
}

/** Tier rows per family: complexity_exemplars.jsonl grouped by its source (MASSIVE + HWU64 and the two chit-chat files together). */
export function tierFamilies(evaldataDir: string): DevRow[] {
  const familyOf = (source: string) =>
    ({
      hwu64: 'massive_hwu64',
      massive_en: 'massive_hwu64',
      chitchat_en_mit: 'chitchat_en',
      gsm8k_train: 'gsm8k',
      arc_easy: 'arc',
    })[source] ?? source;
  return unique(
    readJsonl(join(evaldataDir, 'complexity_exemplars.jsonl')).map((row) => ({
      text: String(row.text).trim(),
      lang: typeof row.lang === 'string' ? row.lang : 'en',
      family: familyOf(String(row.source)),
      label: String(row.tier),
    })),
  );
}

let taskCache: { dir: string; tasks: string[] } | undefined;
/** RouterBench task per row, in the order readOutcomeFile keeps (rows with a missing outcome are skipped there too). */
function routerbenchTasks(evaldataDir: string): string[] {
  if (taskCache?.dir === evaldataDir) return taskCache.tasks;
  const tasks = readJsonl(join(evaldataDir, 'routerbench/routerbench_train_outcomes.jsonl'))
    .filter((row) => {
      const correct = row.correct as Record<string, number | null>;
      const cost = row.cost as Record<string, number | null>;
      return !Object.values(correct).some((v) => v === null) && !Object.values(cost).some((v) => v === null);
    })
    .map((row) => (String(row.task).startsWith('arc') ? 'arc' : String(row.task)));
  taskCache = { dir: evaldataDir, tasks };
  return tasks;
}

/** Outcome data per family: each RouterBench task on its own, MMLU (seeded sample), MT-Bench. */
export function outcomeFamilies(evaldataDir: string, mmluCap: number): OutcomeSource[] {
  const routerbench = readOutcomeFile(join(evaldataDir, 'routerbench/routerbench_train_outcomes.jsonl'));
  const tasks = routerbenchTasks(evaldataDir);
  const byTask = (task: string) => routerbench.rows.filter((_, i) => tasks[i] === task);
  const mmlu = readOutcomeFile(join(evaldataDir, 'routellm/routellm_mmlu_outcomes.jsonl'));
  const mmluRows = sampleSpread(
    mmlu.rows.map((row) => ({ ...row, label: 'all' })),
    mmluCap,
    77,
  ).map(({ label: _label, ...row }) => row);
  const mtbench = readOutcomeFile(join(evaldataDir, 'routellm/routellm_mtbench_outcomes.jsonl'));
  const [rbWeak, rbStrong] = [ROUTERBENCH_LADDER[1]!, ROUTERBENCH_LADDER[2]!];
  return [
    ...['arc', 'mbpp', 'winogrande'].map((task) => ({
      family: `routerbench_${task}`,
      rows: byTask(task),
      ladder: ROUTERBENCH_LADDER,
      weak: rbWeak,
      strong: rbStrong,
      scored: false,
    })),
    {
      family: 'routellm_mmlu',
      rows: mmluRows,
      ladder: mmlu.models,
      weak: mmlu.models[0]!,
      strong: mmlu.models[1]!,
      scored: false,
    },
    {
      family: 'mt_bench',
      rows: mtbench.rows,
      ladder: mtbench.models,
      weak: mtbench.models[0]!,
      strong: mtbench.models[1]!,
      scored: true,
    },
  ];
}

/** Weak model wrong and strong model right (judge scores: the strong one at least 2 points better, on a 1-10 scale). */
export function needsStrong(source: OutcomeSource, row: OutcomeRow): boolean {
  const weak = row.quality[source.weak] ?? 0;
  const strong = row.quality[source.strong] ?? 0;
  return source.scored ? strong - weak >= 2 : weak < 0.5 && strong >= 0.5;
}

/**
 * Held-out prompts written for the project and never tuned on (merged from the cascade branch when present). The
 * `-2` files are a second set written later by another engineer, independently of the first and of the exemplars.
 * The axis comes from the name's prefix and the language from its middle part (`intent.es-2` -> intent, es).
 */
export function holdoutFiles(): { name: string; path: string; axis: 'intent' | 'tier'; lang: 'en' | 'es' }[] {
  const dir = join(import.meta.dirname, 'holdout');
  const names = ['intent.en', 'intent.es', 'tier.en', 'tier.es'] as const;
  return [...names, ...names.map((name) => `${name}-2` as const)]
    .map((name) => ({
      name,
      path: join(dir, `${name}.jsonl`),
      axis: name.startsWith('intent') ? ('intent' as const) : ('tier' as const),
      lang: name.includes('.es') ? ('es' as const) : ('en' as const),
    }))
    .filter((file) => existsSync(file.path));
}
