import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DataFileError, describeZodIssues } from '../routes-config/data-error.js';
import { AxisSchema, GENERAL_INTENT, INTENTS, TIERS, type Axis } from '../routes-config/schemas.js';

export interface ValidationRow {
  axis: Axis;
  label: string;
  text: string;
}

const RowSchema = z.object({
  text: z.string().trim().min(1),
  label: z.string().min(1),
  /** Optional: tier and intent labels do not overlap, so the label names its axis. */
  axis: AxisSchema.optional(),
  lang: z.string().optional(),
});

function axisOf(label: string): Axis | undefined {
  if ((TIERS as readonly string[]).includes(label)) return 'tier';
  if ((INTENTS as readonly string[]).includes(label) || label === GENERAL_INTENT) return 'intent';
  return undefined;
}

/**
 * The pinned validation set promotions are checked against: JSONL, one
 * `{"text", "label", "axis"?}` per line (intent labels may be `general`). Every
 * bad line is reported, as file:line, before anything is used.
 */
export function loadValidationSet(path: string): ValidationRow[] {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DataFileError([`${path}: cannot read the validation set (${(error as Error).message})`]);
  }
  const rows: ValidationRow[] = [];
  const problems: string[] = [];
  content.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${path}:${index + 1}`;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (error) {
      problems.push(`${where}: not valid JSON (${(error as Error).message})`);
      return;
    }
    const parsed = RowSchema.safeParse(raw);
    if (!parsed.success) {
      problems.push(`${where}: ${describeZodIssues(parsed.error)}`);
      return;
    }
    const inferred = axisOf(parsed.data.label);
    const axis = parsed.data.axis ?? inferred;
    if (axis === undefined || inferred !== axis) {
      problems.push(`${where}: label "${parsed.data.label}" is not a ${parsed.data.axis ?? 'tier or intent'} label`);
      return;
    }
    rows.push({ axis, label: parsed.data.label, text: parsed.data.text });
  });
  if (problems.length > 0) throw new DataFileError(problems);
  if (rows.length === 0) throw new DataFileError([`${path}: the validation set is empty`]);
  return rows;
}
