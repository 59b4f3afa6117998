import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createApp } from '../../src/app.js';
import { bootRouter } from '../../src/boot.js';
import { silentLogger } from '../../src/logger.js';
import { RouterMetrics } from '../../src/metrics/metrics.js';
import { bagOfWordsEmbedder } from '../support/bag-of-words-embedder.js';
import { ROUTES_DATA_DIR, tempDir, testConfig } from '../support/env.js';

const ADMIN_KEY = 'promotion-check-test-key-0123';
const ADMIN = { authorization: `Bearer ${ADMIN_KEY}` };

/**
 * A tiny bank where every label has its own words, scored by the single nearest
 * exemplar (k = 1), so which change makes which figure fall can be worked out by hand.
 */
const BANK = {
  'intent.en.jsonl': [
    ['math', 'solve equation number'],
    ['math', 'add number sum'],
    ['math', 'multiply number product'],
    ['smalltalk', 'hello friend'],
    ['smalltalk', 'good morning friend'],
    ['smalltalk', 'hello good morning'],
    ['code', 'python code bug'],
    ['code', 'javascript code error'],
    ['code', 'python script code'],
  ],
  'tier.en.jsonl': [
    ['simple', 'short quick easy'],
    ['simple', 'quick easy answer'],
    ['medium', 'explain moderate detail'],
    ['medium', 'moderate detail summary'],
    ['complex', 'design distributed architecture'],
    ['complex', 'distributed architecture proof'],
  ],
};

const SCORING = {
  default: {
    tier: { k: 1, aggregation: 'max', threshold: -1, margin: 0 },
    intent: { k: 1, aggregation: 'max', threshold: 0, margin: 0 },
    history_weight: 0,
    history_turns: 0,
  },
  by_embedder: {},
};

function writeRoutesData(dir: string): string {
  const root = join(dir, 'routes-data');
  mkdirSync(join(root, 'exemplars'), { recursive: true });
  for (const name of ['routing.json', 'prices.json']) copyFileSync(join(ROUTES_DATA_DIR, name), join(root, name));
  writeFileSync(join(root, 'rules.json'), JSON.stringify({ rules: [] }));
  writeFileSync(join(root, 'scoring.json'), JSON.stringify(SCORING));
  for (const [file, rows] of Object.entries(BANK)) {
    writeFileSync(join(root, 'exemplars', file), rows.map(([label, text]) => JSON.stringify({ label, text })).join('\n') + '\n');
  }
  return root;
}

async function startService(t: { after: (fn: () => void) => void }, env: Record<string, string>) {
  const dir = tempDir(t);
  const embedder = bagOfWordsEmbedder();
  const config = testConfig({
    EMBEDDER: 'use-lite',
    ROUTES_DATA_DIR: writeRoutesData(dir),
    DATABASE_PATH: join(dir, 'router.db'),
    ADMIN_API_KEY: ADMIN_KEY,
    ...env,
  });
  const booted = await bootRouter(config, silentLogger, { useLite: async () => embedder, minilm: async () => embedder });
  t.after(() => booted.store.close());
  const app = createApp({ config, logger: silentLogger, services: () => booted, metrics: new RouterMetrics() });
  return { app, booted };
}

type App = Awaited<ReturnType<typeof startService>>['app'];

interface Check {
  mode: string;
  passed: boolean;
  tolerance: number;
  leave_one_out: Record<string, { before: number; after: number; rows: number }>;
  validation: Record<string, { before: number; after: number; rows: number }>;
  regressions: string[];
}

async function call(app: App, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const response = await app.request(path, {
    method,
    headers: { ...ADMIN, 'content-type': 'application/json', ...headers },
    ...(text === undefined ? {} : { body: text }),
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown> & {
      error?: { code: string; message: string; regression_check?: Check };
    },
  };
}

const total = async (app: App, axis: string) => (await call(app, 'GET', `/admin/exemplars?axis=${axis}`)).body.total as number;

test('refuse mode: a mislabelled add, relabel or import is refused with 409 and the numbers; a sound add passes', async (t) => {
  const { app } = await startService(t, { PROMOTION_CHECK: 'refuse' });
  const before = await total(app, 'intent');

  const bad = await call(app, 'POST', '/admin/exemplars', {
    axis: 'intent',
    label: 'smalltalk',
    text: 'solve number equation quickly',
  });
  assert.equal(bad.status, 409);
  assert.equal(bad.body.error?.code, 'exemplar_regression');
  assert.match(bad.body.error.message, /intent leave-one-out accuracy fell from 1\.0000 to 0\.8000/);
  const check = bad.body.error.regression_check!;
  assert.equal(check.passed, false);
  assert.equal(check.mode, 'refuse');
  assert.equal(check.tolerance, 0.005);
  // 9 exemplars all right before. After, the new one's nearest is a math exemplar, and that math exemplar's nearest
  // is now the new one (3 words in common): 8 of 10.
  assert.deepEqual(check.leave_one_out, { intent: { before: 1, after: 0.8, rows: 10 } });
  assert.deepEqual(Object.keys(check.leave_one_out), ['intent'], 'the tier axis was not touched, so not computed');
  assert.equal(await total(app, 'intent'), before, 'nothing was written');

  const good = await call(app, 'POST', '/admin/exemplars', { axis: 'intent', label: 'math', text: 'subtract number difference' });
  assert.equal(good.status, 201, JSON.stringify(good.body));
  const passed = good.body.regression_check as Check;
  assert.equal(passed.passed, true);
  assert.deepEqual(passed.leave_one_out.intent, { before: 1, after: 1, rows: 10 });
  assert.deepEqual(passed.regressions, []);
  // The next check starts from the bank the passed add left (its state was kept, not rebuilt): 10 right of 10.
  const again = await call(app, 'POST', '/admin/exemplars', {
    axis: 'intent',
    label: 'smalltalk',
    text: 'solve number equation quickly',
  });
  assert.deepEqual(again.body.error?.regression_check?.leave_one_out.intent, { before: 1, after: 0.8182, rows: 11 });

  const list = await call(app, 'GET', '/admin/exemplars?axis=intent&q=hello%20friend');
  const id = (list.body.items as { id: number; text: string }[]).find((item) => item.text === 'hello friend')!.id;
  const relabel = await call(app, 'PATCH', `/admin/exemplars/${id}`, { label: 'code' });
  assert.equal(relabel.status, 409);
  assert.equal(relabel.body.error?.code, 'exemplar_regression');
  const kept = (await call(app, 'GET', `/admin/exemplars/${id}`)).body.exemplar as { label: string };
  assert.equal(kept.label, 'smalltalk', 'the relabel was not written');
  const retag = await call(app, 'PATCH', `/admin/exemplars/${id}`, { lang: 'en-GB' });
  assert.equal(retag.status, 200, 'a language tag moves no decision: not checked');
  assert.equal(retag.body.regression_check, undefined);

  const file = [
    JSON.stringify({ axis: 'tier', label: 'simple', text: 'easy quick reply' }),
    JSON.stringify({ axis: 'tier', label: 'complex', text: 'explain moderate detail briefly' }),
  ].join('\n');
  const tierBefore = await total(app, 'tier');
  const imported = await call(app, 'POST', '/admin/exemplars/import', file, { 'content-type': 'application/x-ndjson' });
  assert.equal(imported.status, 409);
  // 8 tier rows after: the mislabelled one and the medium exemplar it shadows are wrong.
  assert.match(imported.body.error!.message, /tier leave-one-out accuracy fell from 1\.0000 to 0\.7500/);
  assert.equal(await total(app, 'tier'), tierBefore, 'the import is all or nothing: neither row was written');
});

test('flag mode: a regressing change is applied and says so', async (t) => {
  const { app } = await startService(t, { PROMOTION_CHECK: 'flag', PROMOTION_CHECK_TOLERANCE: '0.05' });
  const flagged = await call(app, 'POST', '/admin/exemplars', {
    axis: 'intent',
    label: 'smalltalk',
    text: 'solve number equation quickly',
  });
  assert.equal(flagged.status, 201);
  const check = flagged.body.regression_check as Check;
  assert.equal(check.mode, 'flag');
  assert.equal(check.passed, false);
  assert.equal(check.tolerance, 0.05);
  assert.deepEqual(check.regressions, ['intent leave-one-out accuracy fell from 1.0000 to 0.8000']);
  assert.equal(await total(app, 'intent'), 10, 'written despite the regression');

  const second = await call(app, 'POST', '/admin/exemplars', {
    axis: 'intent',
    label: 'math',
    text: 'subtract number difference',
  });
  assert.equal((second.body.regression_check as Check).passed, true);
});

test('checks are off by default: no figures, nothing refused', async (t) => {
  const { app } = await startService(t, {});
  const added = await call(app, 'POST', '/admin/exemplars', {
    axis: 'intent',
    label: 'smalltalk',
    text: 'solve number equation quickly',
  });
  assert.equal(added.status, 201);
  assert.equal(added.body.regression_check, undefined);
});

test('a feedback promotion that lowers the pinned validation set is refused whole, and the correction stays open', async (t) => {
  const dir = tempDir(t);
  const validationPath = join(dir, 'validation.jsonl');
  writeFileSync(
    validationPath,
    [
      { text: 'hello morning friend', label: 'smalltalk' },
      { text: 'number equation', label: 'math' },
      { text: 'quick easy', label: 'simple', axis: 'tier' },
    ]
      .map((row) => JSON.stringify(row))
      .join('\n'),
  );
  const { app } = await startService(t, { PROMOTION_CHECK: 'refuse', PROMOTION_VALIDATION_SET: validationPath });

  const routed = await call(app, 'POST', '/v1/route', { query: 'hello morning friend' });
  assert.equal(routed.body.intent, 'smalltalk');
  const feedback = await call(app, 'POST', '/v1/feedback', {
    decision_id: routed.body.decision_id,
    expected: { intent: 'math', tier: 'complex' },
    // Prompts are not kept by default (LEDGER_STORE_PROMPTS), so the correction brings its query along.
    text: 'hello morning friend',
  });
  assert.equal(feedback.status, 201);
  const id = (feedback.body.feedback as { id: number }).id;

  const promoted = await call(app, 'POST', `/admin/feedback/${id}/promote`);
  assert.equal(promoted.status, 409);
  assert.equal(promoted.body.error?.code, 'exemplar_regression');
  const check = promoted.body.error.regression_check!;
  // The promoted text is the validation row itself: as a math exemplar it becomes its nearest neighbour.
  assert.deepEqual(check.validation.intent, { before: 1, after: 0.5, rows: 2 });
  assert.ok(check.regressions.includes('intent validation accuracy fell from 1.0000 to 0.5000'));
  assert.ok(check.leave_one_out.tier, 'both axes of the correction were checked as one change');

  const open = await call(app, 'GET', '/admin/feedback?status=open');
  assert.equal((open.body.items as { id: number }[])[0]?.id, id, 'the correction is still open');
  for (const axis of ['tier', 'intent']) {
    const found = await call(app, 'GET', `/admin/exemplars?axis=${axis}&q=hello%20morning%20friend`);
    assert.equal(found.body.total, 0, `nothing was promoted on the ${axis} axis`);
  }
});

test('a bad validation set stops the boot with the line at fault', async (t) => {
  const dir = tempDir(t);
  const validationPath = join(dir, 'validation.jsonl');
  writeFileSync(
    validationPath,
    `${JSON.stringify({ text: 'hi', label: 'smalltalk' })}\n${JSON.stringify({ text: 'x', label: 'nonsense' })}\n`,
  );
  await assert.rejects(
    startService(t, { PROMOTION_CHECK: 'refuse', PROMOTION_VALIDATION_SET: validationPath }),
    (error: Error) => {
      assert.match(error.message, /validation\.jsonl:2: label "nonsense" is not a tier or intent label/);
      return true;
    },
  );
});
