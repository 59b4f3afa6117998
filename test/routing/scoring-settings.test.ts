import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadRoutesData } from '../../src/routes-config/load-routes-data.js';
import { resolveScoring } from '../../src/routing/scoring-settings.js';
import type { CalibrationFile, ScoringFile } from '../../src/routes-config/schemas.js';
import type { Embedder } from '../../src/embedding/embedder.js';
import type { ModelIdentity } from '../../src/embedding/model-identity.js';
import { ROUTES_DATA_DIR } from '../support/env.js';

const scoring: ScoringFile = {
  default: {
    tier: { k: 5, aggregation: 'mean', threshold: -1, margin: 0.02 },
    intent: { k: 3, aggregation: 'mean', threshold: 0.3, margin: 0.02 },
    history_weight: 0.3,
    history_turns: 3,
    followup_max_words: 4,
  },
  by_embedder: { minilm: { history_weight: 0.5 } },
};
const calibration = (embedderId: string): CalibrationFile => ({
  embedder_id: embedderId,
  created_at: '2026-01-01T00:00:00Z',
  exemplar_set_version: 'x',
  data: {},
  objective: {},
  scores: { before: {}, after: {} },
  settings: { intent: { k: 7, aggregation: 'max', threshold: 0.5, margin: 0.02, label_thresholds: { faq: 0.6 } } },
});
const calibrations = [
  { file: 'calibration/use-lite@1.json', calibration: calibration('use-lite@1') },
  { file: 'calibration/all-MiniLM-L6-v2.json', calibration: calibration('all-MiniLM-L6-v2') },
];
const minilm = (check: ModelIdentity['check']): ModelIdentity => ({ name: 'all-MiniLM-L6-v2', check, detail: '' });

const cases: {
  name: string;
  embedder: Pick<Embedder, 'id' | 'kind' | 'model'>;
  source: string;
  intentK: number;
  historyWeight: number;
}[] = [
  {
    name: 'the active embedder id has a calibration',
    embedder: { id: 'use-lite@1', kind: 'use-lite' },
    source: 'calibrated:calibration/use-lite@1.json',
    intentK: 7,
    historyWeight: 0.3,
  },
  {
    name: 'same kind, other id: no calibration',
    embedder: { id: 'use-lite@2', kind: 'use-lite' },
    source: 'default (uncalibrated)',
    intentK: 3,
    historyWeight: 0.3,
  },
  {
    name: 'a kind override without calibration',
    embedder: { id: 'minilm@q8', kind: 'minilm' },
    source: 'by_embedder.minilm (uncalibrated)',
    intentK: 3,
    historyWeight: 0.5,
  },
  {
    name: 'any bytes that passed the behaviour check as all-MiniLM-L6-v2 share its calibration',
    embedder: { id: 'Xenova/all-MiniLM-L6-v2:q8', kind: 'minilm', model: minilm('passed') },
    source: 'calibrated:calibration/all-MiniLM-L6-v2.json',
    intentK: 7,
    historyWeight: 0.5,
  },
  {
    name: 'an import under the same name passes too',
    embedder: { id: 'all-MiniLM-L6-v2:fp32:1692f22e5bf7', kind: 'minilm', model: minilm('passed') },
    source: 'calibrated:calibration/all-MiniLM-L6-v2.json',
    intentK: 7,
    historyWeight: 0.5,
  },
  {
    name: 'a model that failed its behaviour check gets no calibration by name',
    embedder: { id: 'all-MiniLM-L6-v2:q8:000000000000', kind: 'minilm', model: minilm('failed') },
    source: 'by_embedder.minilm (uncalibrated)',
    intentK: 3,
    historyWeight: 0.5,
  },
  {
    name: 'a name without reference vectors is not vouched for either',
    embedder: { id: 'minilm-custom:q8:000000000000', kind: 'minilm', model: minilm('no_reference') },
    source: 'by_embedder.minilm (uncalibrated)',
    intentK: 3,
    historyWeight: 0.5,
  },
];
for (const { name, embedder, source, intentK, historyWeight } of cases) {
  test(`resolveScoring: ${name}`, () => {
    const resolved = resolveScoring({ scoring, calibrations }, embedder);
    assert.equal(resolved.source, source);
    assert.equal(resolved.settings.intent.k, intentK);
    assert.equal(resolved.settings.history_weight, historyWeight);
  });
}

test('the shipped calibration files load and each names one embedder', () => {
  const data = loadRoutesData(ROUTES_DATA_DIR);
  assert.ok(data.calibrations.length >= 1);
  const useLite = data.calibrations.find((c) => c.calibration.embedder_id.startsWith('use-lite@'));
  assert.ok(useLite, 'USE-lite is calibrated');
  assert.ok(useLite.calibration.data.intent?.sha256.match(/^[0-9a-f]{64}$/));
});
