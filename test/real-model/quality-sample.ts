/**
 * The routing-quality floor's data and measurement: a fixed sample of
 * ../shared/evaldata (rows chosen by the sha256 of their text, so the choice
 * does not depend on file order and needs no list of rows in the project),
 * routed through the service's own code path (bootRouter + route).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { openEvalRouter } from '../../scripts/quality/eval-router.js';
import { readLabelledFile, type LabelledRow } from '../../scripts/quality/labelled-file.js';
import { evaluateLabelled } from '../../scripts/quality/run-labelled.js';
import { PROJECT_ROOT } from '../support/env.js';

export const EVALDATA_DIR = join(PROJECT_ROOT, '..', 'shared', 'evaldata');
export const FLOOR_PATH = join(PROJECT_ROOT, 'test/real-model/quality-floor.json');
export const SAMPLE_SIZE = 300;

export const QualityFloorSchema = z.object({
  intent_macro_f1: z.number().min(0).max(1),
  tier_accuracy: z.number().min(0).max(1),
  /** How far below the floor a run may land before it fails. */
  margin: z.number().min(0).max(0.2),
  measured_with: z.object({ embedder: z.string(), scoring: z.string(), exemplar_set: z.string(), date: z.string() }),
  sample: z.string(),
});
export type QualityFloor = z.infer<typeof QualityFloorSchema>;

export const SAMPLE_DESCRIPTION =
  `${SAMPLE_SIZE} rows of ../shared/evaldata/intent_mix.jsonl (intent) and ${SAMPLE_SIZE} of complexity_exemplars.jsonl (tier), ` +
  'the lowest sha256(text) first; strategy balanced';

function fixedSample(rows: readonly LabelledRow[]): LabelledRow[] {
  const key = (row: LabelledRow) => createHash('sha256').update(row.text).digest('hex');
  return rows
    .map((row) => ({ row, key: key(row) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .slice(0, SAMPLE_SIZE)
    .map(({ row }) => row);
}

export interface QualityMeasurement {
  intentMacroF1: number;
  tierAccuracy: number;
  embedder: string;
  scoring: string;
  exemplarSet: string;
}

export async function measureQuality(modelDir: string): Promise<QualityMeasurement> {
  const intentPath = join(EVALDATA_DIR, 'intent_mix.jsonl');
  const tierPath = join(EVALDATA_DIR, 'complexity_exemplars.jsonl');
  for (const path of [intentPath, tierPath])
    if (!existsSync(path)) throw new Error(`${path} is missing: the quality floor needs ../shared/evaldata`);
  const router = await openEvalRouter({ env: { EMBEDDER: 'minilm', MINILM_MODEL_DIR: modelDir, EMBEDDING_OFFLINE: 'true' } });
  try {
    const intent = await evaluateLabelled(router, fixedSample(readLabelledFile(intentPath, { labelField: 'intent' })), 'intent', {
      strategy: 'balanced',
    });
    const tier = await evaluateLabelled(router, fixedSample(readLabelledFile(tierPath, { labelField: 'tier' })), 'tier', {
      strategy: 'balanced',
    });
    return {
      intentMacroF1: intent.report.macroF1,
      tierAccuracy: tier.report.accuracy,
      embedder: intent.embedder,
      scoring: `intent ${intent.scoring}; tier ${tier.scoring}`,
      exemplarSet: intent.exemplarSet,
    };
  } finally {
    router.close();
  }
}

export function readFloor(): QualityFloor {
  return QualityFloorSchema.parse(JSON.parse(readFileSync(FLOOR_PATH, 'utf8')));
}
