/**
 * Measures MiniLM's routing quality on the fixed sample of the real-model
 * checks and writes it as the new floor (test/real-model/quality-floor.json).
 *
 *   MINILM_MODEL_DIR=DIR node --import tsx scripts/real-model/measure-quality-floor.ts [--margin 0.03]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FLOOR_PATH, SAMPLE_DESCRIPTION, measureQuality, type QualityFloor } from '../../test/real-model/quality-sample.js';
import { realModelDir } from '../../test/real-model/real-model.js';

const { values } = parseArgs({ options: { margin: { type: 'string', default: '0.03' } } });
const margin = Number(values.margin);
if (!(margin >= 0 && margin <= 0.2)) throw new Error(`--margin must be in [0, 0.2], got ${values.margin}`);
const measured = await measureQuality(realModelDir());
const floor: QualityFloor = {
  intent_macro_f1: Number(measured.intentMacroF1.toFixed(4)),
  tier_accuracy: Number(measured.tierAccuracy.toFixed(4)),
  margin,
  measured_with: {
    embedder: measured.embedder,
    scoring: measured.scoring,
    exemplar_set: measured.exemplarSet,
    date: new Date().toISOString().slice(0, 10),
  },
  sample: SAMPLE_DESCRIPTION,
};
writeFileSync(FLOOR_PATH, `${JSON.stringify(floor, null, 2)}\n`);
console.log(
  `wrote ${FLOOR_PATH}: intent macro-F1 ${floor.intent_macro_f1}, tier accuracy ${floor.tier_accuracy} (${measured.embedder}; ${measured.scoring})`,
);
