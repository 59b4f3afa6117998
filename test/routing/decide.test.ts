import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Strategy } from '../../src/routing/strategy.js';
import { loadRoutesData } from '../../src/routes-config/load-routes-data.js';
import type { AxisScoring, Tier } from '../../src/routes-config/schemas.js';
import { decideRoute, type DecisionInput } from '../../src/routing/decide.js';
import type { RuleHit } from '../../src/routing/rules.js';
import { pickTier } from '../../src/routing/strategy.js';
import type { AxisScores } from '../../src/scoring/label-scores.js';
import { ROUTES_DATA_DIR } from '../support/env.js';

const table = loadRoutesData(ROUTES_DATA_DIR).routing;

function axis(scores: Record<string, number>): AxisScores {
  const ranked = Object.entries(scores)
    .map(([label, score]) => ({ label, score }))
    .sort((a, b) => b.score - a.score);
  return { scores, ranked, margin: ranked[0]!.score - (ranked[1]?.score ?? 0), top: [] };
}

const tierSettings: AxisScoring = { k: 3, aggregation: 'mean', threshold: -1, margin: 0.05 };
const intentSettings: AxisScoring = { k: 3, aggregation: 'mean', threshold: 0.5, margin: 0.02 };

function input(overrides: Partial<DecisionInput> = {}): DecisionInput {
  return {
    tierScores: axis({ simple: 0.3, medium: 0.6, complex: 0.58 }),
    intentScores: axis({ code: 0.8, math: 0.4 }),
    tierSettings,
    intentSettings,
    strategy: 'balanced',
    ruleHits: [],
    sessionFloor: undefined,
    table,
    isProviderAvailable: () => true,
    needsVision: false,
    ...overrides,
  };
}

test('pickTier: strategies break ties within the margin', () => {
  const ranked = [
    { label: 'medium', score: 0.6 },
    { label: 'complex', score: 0.58 },
    { label: 'simple', score: 0.57 },
  ];
  const cases: [Strategy, number, Tier][] = [
    ['balanced', 0.05, 'medium'],
    ['cost_optimized', 0.05, 'simple'],
    ['quality_optimized', 0.05, 'complex'],
    ['cost_optimized', 0.025, 'medium'],
    ['quality_optimized', 0.025, 'complex'],
    ['quality_optimized', 0.01, 'medium'],
  ];
  for (const [strategy, margin, expected] of cases)
    assert.equal(pickTier(ranked, margin, strategy), expected, `${strategy} ${margin}`);
});

test('decideRoute: the best intent above threshold wins, below it the query is general', () => {
  assert.equal(decideRoute(input()).intent, 'code');
  const weak = decideRoute(input({ intentScores: axis({ code: 0.45, math: 0.4 }) }));
  assert.equal(weak.intent, 'general');
  assert.match(weak.adjustments.join(), /below the threshold 0.5: general/);
});

test('decideRoute: an intent with its own tier list uses it (code prefers code-strong models)', () => {
  const decision = decideRoute(input());
  assert.equal(decision.tier, 'medium');
  assert.equal(decision.chosen!.id, table.intents.code!.tiers!.medium![0]);
});

test('decideRoute: candidates continue into higher tiers as upgrade fallbacks, without repeats', () => {
  const decision = decideRoute(
    input({ intentScores: axis({ faq: 0.9 }), tierScores: axis({ simple: 0.9, medium: 0.1, complex: 0 }) }),
  );
  const ids = decision.candidates.map((candidate) => candidate.id);
  assert.deepEqual(ids.slice(0, table.tiers.simple.length), table.tiers.simple);
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(ids.includes('claude-sonnet-4'), 'complex models are the last resort');
  assert.deepEqual([...new Set(decision.candidates.map((candidate) => candidate.tier))], ['simple', 'medium', 'complex']);
});

test('decideRoute: smalltalk is capped at simple by its intent policy', () => {
  const decision = decideRoute(
    input({ intentScores: axis({ smalltalk: 0.9 }), tierScores: axis({ complex: 0.9, simple: 0.2 }) }),
  );
  assert.equal(decision.scoredTier, 'complex');
  assert.equal(decision.tier, 'simple');
  assert.match(decision.adjustments.join(), /intent smalltalk policy: complex -> simple/);
});

test('decideRoute: rules set intent and tier, clamp with min_tier, and say so', () => {
  const forced: RuleHit = { id: 'greet', description: 'd', set: { intent: 'smalltalk', tier: 'simple' } };
  const floor: RuleHit = { id: 'long', description: 'd', set: { min_tier: 'medium' } };
  const a = decideRoute(input({ ruleHits: [forced] }));
  assert.equal(a.intent, 'smalltalk');
  assert.equal(a.tier, 'simple');
  const b = decideRoute(input({ ruleHits: [floor], tierScores: axis({ simple: 0.9, medium: 0.2 }) }));
  assert.equal(b.tier, 'medium');
  assert.match(b.adjustments.join(), /rule long: simple -> medium/);
});

test('decideRoute: a session floor keeps the tier up, and is applied last', () => {
  const decision = decideRoute(input({ sessionFloor: 'complex', intentScores: axis({ smalltalk: 0.9 }) }));
  assert.equal(decision.tier, 'complex');
  assert.match(decision.adjustments.at(-1)!, /^session/);
  assert.equal(decision.sessionFloorApplied, true);
  // A floor at or below the decided tier changes nothing, and says so.
  const atFloor = decideRoute(input({ sessionFloor: 'simple', intentScores: axis({ smalltalk: 0.9 }) }));
  assert.equal(atFloor.sessionFloorApplied, false);
  assert.ok(!atFloor.adjustments.some((step) => step.startsWith('session')));
  assert.equal(decideRoute(input({})).sessionFloorApplied, false);
});

test('decideRoute: unavailable providers are skipped, and when none is available the decision says so', () => {
  const onlyOpenAi = decideRoute(input({ isProviderAvailable: (provider) => provider === 'openai' }));
  assert.equal(onlyOpenAi.chosen!.provider, 'openai');
  assert.equal(onlyOpenAi.available, true);
  const none = decideRoute(input({ isProviderAvailable: () => false }));
  assert.equal(none.available, false);
  assert.ok(none.chosen, 'still names the model it would use');
  assert.match(none.reason, /no candidate's provider has an API key/);
});

test('decideRoute: images restrict every candidate to vision-capable models', () => {
  const decision = decideRoute(input({ needsVision: true }));
  assert.ok(decision.candidates.length > 0);
  for (const candidate of decision.candidates) assert.ok(candidate.capabilities.includes('vision'), candidate.id);
});

test('decideRoute: with no tier exemplars the middle tier is used', () => {
  const decision = decideRoute(input({ tierScores: { scores: {}, ranked: [], margin: 0, top: [] } }));
  assert.equal(decision.tier, 'medium');
  assert.match(decision.adjustments.join(), /no tier exemplars/);
});

test('decideRoute: a later step of a turn puts the model of its first step first, the tier list behind it', () => {
  const plain = decideRoute(input());
  const pinnedId = plain.candidates.at(-1)!.id;
  const pinned = decideRoute(
    input({ turnModel: { turnKey: 'abcd', model: pinnedId }, conversationNotes: ['continues turn abcd'] }),
  );
  assert.equal(pinned.chosen?.id, pinnedId);
  assert.deepEqual(
    pinned.candidates.map((candidate) => candidate.id),
    [pinnedId, ...plain.candidates.map((candidate) => candidate.id).filter((id) => id !== pinnedId)],
  );
  assert.equal(pinned.adjustments[0], 'continues turn abcd', 'notes from reading the conversation come first');
  assert.ok(pinned.adjustments.includes(`turn abcd continues on ${pinnedId}, the model of its first step`));
  assert.match(pinned.reason, /turn abcd continues on/);

  const offList = Object.keys(table.models).find((id) => !plain.candidates.some((candidate) => candidate.id === id))!;
  assert.equal(
    decideRoute(input({ turnModel: { turnKey: 'abcd', model: offList } })).chosen?.id,
    offList,
    'a model of another tier is pinned too',
  );

  const gone = decideRoute(input({ turnModel: { turnKey: 'abcd', model: 'removed-model' } }));
  assert.equal(gone.chosen?.id, plain.chosen?.id);
  assert.ok(gone.adjustments.some((step) => step.includes('cannot take this request')));
});

test('decideRoute: a best intent that leads by less than min_margin abstains into general', () => {
  const close = axis({ code: 0.8, math: 0.79 });
  assert.equal(decideRoute(input({ intentScores: close })).intent, 'code');
  const decision = decideRoute(input({ intentScores: close, intentSettings: { ...intentSettings, min_margin: 0.02 } }));
  assert.equal(decision.intent, 'general');
  assert.match(decision.adjustments.join('; '), /under the margin 0\.02/);
});

test('decideRoute: a query nearest the general exemplars is general at any threshold, unless a rule sets the intent', () => {
  const nearGeneral = axis({ general: 0.72, faq: 0.7, support: 0.4 });
  const decision = decideRoute(input({ intentScores: nearGeneral, intentSettings: { ...intentSettings, threshold: 0.9 } }));
  assert.equal(decision.intent, 'general');
  assert.ok(!decision.adjustments.some((step) => step.includes('threshold')), 'the region decided, not abstention');
  assert.match(decision.reason, /general query .*intent 0\.72/);
  const nearFaq = decideRoute(input({ intentScores: axis({ faq: 0.72, general: 0.7 }) }));
  assert.equal(nearFaq.intent, 'faq', 'a product intent ahead of the general region keeps it');
  const ruled: RuleHit = { id: 'price', description: 'd', set: { intent: 'sales' } };
  assert.equal(decideRoute(input({ intentScores: nearGeneral, ruleHits: [ruled] })).intent, 'sales');
});

test('decideRoute: general exemplars under their own threshold leave the query to the best product intent', () => {
  const weakGeneral = axis({ general: 0.62, faq: 0.6, support: 0.4 });
  const settings = { ...intentSettings, label_thresholds: { general: 0.65 } };
  const decision = decideRoute(input({ intentScores: weakGeneral, intentSettings: settings }));
  assert.equal(decision.intent, 'faq');
  assert.match(decision.adjustments.join('; '), /general exemplars scored 0\.620, under their threshold 0\.65: faq competes/);
  const claimed = decideRoute(input({ intentScores: axis({ general: 0.7, faq: 0.6 }), intentSettings: settings }));
  assert.equal(claimed.intent, 'general', 'at or above its threshold the region claims the query');
  // The product intent then faces its own threshold and its lead over the third label.
  const tooWeak = decideRoute(input({ intentScores: axis({ general: 0.62, faq: 0.45 }), intentSettings: settings }));
  assert.equal(tooWeak.intent, 'general');
  assert.match(tooWeak.adjustments.join('; '), /best intent faq scored 0\.450, below the threshold 0\.5: general/);
  const close = decideRoute(input({ intentScores: weakGeneral, intentSettings: { ...settings, min_margin: 0.25 } }));
  assert.equal(close.intent, 'general', 'faq leads support by 0.2, under the margin');
});

test('decideRoute: complexity signals at or above their threshold raise the tier to complex, over the intent policy but not over a rule', () => {
  const signals = { pieces: 5, asks: 4, constraints: 3, code: 0, math: 0, demanding: 2, choices: 0 };
  const smalltalk = axis({ smalltalk: 0.9, faq: 0.3 });
  const below = decideRoute(input({ intentScores: smalltalk, complexity: { signals, strongNeed: 0.59, threshold: 0.6 } }));
  assert.equal(below.tier, 'simple', 'the smalltalk policy caps the tier');
  const above = decideRoute(input({ intentScores: smalltalk, complexity: { signals, strongNeed: 0.6, threshold: 0.6 } }));
  assert.equal(above.tier, 'complex');
  assert.match(above.adjustments.join('; '), /complexity signals: strong model needed \(p 0\.60 >= 0\.6\)/);
  const ruled = decideRoute(
    input({
      complexity: { signals, strongNeed: 0.9, threshold: 0.6 },
      ruleHits: [{ id: 'greeting-en', description: 'greeting', set: { intent: 'smalltalk', tier: 'simple' } }],
    }),
  );
  assert.equal(ruled.tier, 'simple');
  const reportedOnly = decideRoute(input({ complexity: { signals } }));
  assert.equal(reportedOnly.tier, 'medium', 'without a fitted model the signals are only reported');
});

test('decideRoute: a cascade answer replaces the kNN tier before policies; no answer keeps it', () => {
  const asked = (tier: Tier | undefined, outcome: string) => ({ model: 'gpt-4o-mini', outcome, tier, maxMargin: 0.05 });
  const cases: [ReturnType<typeof asked>, Partial<DecisionInput>, Tier, RegExp][] = [
    [
      asked('complex', 'answered'),
      {},
      'complex',
      /^cascade gpt-4o-mini chose complex over medium \(tier margin 0\.020 under 0\.05\)$/,
    ],
    [asked('complex', 'cached'), {}, 'complex', /^cascade gpt-4o-mini \(cached\) chose complex over medium/],
    [asked('medium', 'answered'), {}, 'medium', /^cascade gpt-4o-mini agreed on medium/],
    [
      asked(undefined, 'timeout'),
      {},
      'medium',
      /^cascade gpt-4o-mini gave no tier \(timeout; tier margin 0\.020 under 0\.05\): kept medium$/,
    ],
    // The smalltalk policy still caps whatever the cascade said.
    [
      asked('complex', 'answered'),
      { intentScores: axis({ smalltalk: 0.9 }) },
      'simple',
      /^cascade gpt-4o-mini chose complex over medium/,
    ],
  ];
  for (const [cascade, overrides, expected, step] of cases) {
    const decision = decideRoute(input({ ...overrides, cascade }));
    assert.equal(decision.tier, expected, `${cascade.outcome} ${cascade.tier ?? '-'}`);
    assert.equal(decision.scoredTier, 'medium', 'scoredTier stays the kNN tier');
    assert.match(decision.adjustments[0]!, step);
  }
  assert.ok(!decideRoute(input()).adjustments.some((step) => step.startsWith('cascade')), 'no cascade, no cascade step');
});
