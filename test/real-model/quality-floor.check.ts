/**
 * MiniLM's routing quality on a fixed labelled sample must not drop more than
 * the committed margin below the committed floor (test/real-model/quality-floor.json).
 * Re-measure after exemplar or calibration changes with
 *   MINILM_MODEL_DIR=... node --import tsx scripts/real-model/measure-quality-floor.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { realModelDir } from './real-model.js';
import { measureQuality, readFloor } from './quality-sample.js';

test('MiniLM routing quality stays within the margin of the committed floor', async () => {
  const floor = readFloor();
  const measured = await measureQuality(realModelDir());
  console.log(
    `intent macro-F1 ${measured.intentMacroF1.toFixed(4)} (floor ${floor.intent_macro_f1}), tier accuracy ${measured.tierAccuracy.toFixed(4)} (floor ${floor.tier_accuracy}), ` +
      `margin ${floor.margin}; ${measured.embedder}, ${measured.scoring}, exemplars ${measured.exemplarSet}`,
  );
  assert.ok(
    measured.intentMacroF1 >= floor.intent_macro_f1 - floor.margin,
    `intent macro-F1 ${measured.intentMacroF1.toFixed(4)} is more than ${floor.margin} below ${floor.intent_macro_f1}`,
  );
  assert.ok(
    measured.tierAccuracy >= floor.tier_accuracy - floor.margin,
    `tier accuracy ${measured.tierAccuracy.toFixed(4)} is more than ${floor.margin} below ${floor.tier_accuracy}`,
  );
});
