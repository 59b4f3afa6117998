import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RouteResponse } from '../../src/http/route-response.js';
import { ROUTES_DATA_DIR } from '../support/env.js';
import { startProxyStack } from '../support/proxy-stack.js';
import { WAIT_MS, launchBrowser, openPage, postJsonTo, saveScreenshot } from './browser.js';

const prices = JSON.parse(readFileSync(join(ROUTES_DATA_DIR, 'prices.json'), 'utf8')) as {
  models: Record<string, { input: number; output: number }>;
};
const routing = JSON.parse(readFileSync(join(ROUTES_DATA_DIR, 'routing.json'), 'utf8')) as { baseline_model: string };

const QUERY = 'my card payment was declined twice, can you help me?';

test('the playground shows the same decision as POST /v1/route, with scores, exemplars, fallbacks and cost', async (t) => {
  // A real embedder: the screenshot taken here is the README's, and the stand-in's scores mean nothing.
  const stack = await startProxyStack(t, { embedder: 'use-lite' });
  const browser = await launchBrowser(t);
  const { page, problems } = await openPage(browser, 'laptop');

  await page.goto(`${stack.url}/dashboard`);
  await page.getByTestId('query').fill(QUERY);
  await page.getByTestId('strategy').selectOption('cost_optimized');
  await page.getByTestId('route-submit').click();
  await page.getByTestId('route-status').filter({ hasText: 'Routed' }).waitFor({ timeout: WAIT_MS });

  const expected = await postJsonTo<RouteResponse>(`${stack.url}/v1/route`, { query: QUERY, strategy: 'cost_optimized' });

  assert.equal(await page.getByTestId('result-tier').textContent(), expected.tier);
  assert.equal(await page.getByTestId('result-intent').textContent(), expected.intent);
  assert.equal(await page.getByTestId('result-model').textContent(), expected.model);
  assert.equal(await page.getByTestId('route-reason').textContent(), expected.reason);

  // Every tier and intent has a bar carrying its score, in the ranked order of the API.
  for (const axis of ['tier', 'intent'] as const) {
    const bars = await page
      .getByTestId(`${axis}-bars`)
      .locator('g[data-label]')
      .evaluateAll((nodes) => nodes.map((node) => [node.getAttribute('data-label'), Number(node.getAttribute('data-value'))]));
    assert.deepEqual(bars, Object.entries(expected.scores[axis]));
    assert.match(
      (await page.getByTestId(`${axis}-margin`).textContent()) ?? '',
      new RegExp(`margin ${expected.margins[axis].toFixed(3)}`),
    );
  }

  const matches = await page
    .getByTestId('matches')
    .locator('tbody tr')
    .evaluateAll((rows) =>
      rows.map((row) => [Number(row.getAttribute('data-id')), row.getAttribute('data-label'), row.children[2]?.textContent]),
    );
  assert.deepEqual(
    matches,
    expected.top_exemplars.map((match) => [match.id, match.label, match.similarity.toFixed(3)]),
  );
  assert.ok(matches.length > 0, 'the query matches exemplars');

  const candidates = await page
    .getByTestId('candidates')
    .locator('li')
    .evaluateAll((items) => items.map((item) => item.getAttribute('data-model')));
  assert.deepEqual(candidates, [expected.model, ...expected.fallbacks.map((fallback) => fallback.model)]);

  const ruleHits = await page
    .getByTestId('rule-hits')
    .locator('li[data-rule]')
    .evaluateAll((items) => items.map((item) => item.getAttribute('data-rule')));
  assert.deepEqual(
    ruleHits,
    expected.rule_hits.map((hit) => hit.id),
  );

  // Cost: the query's estimated tokens (four characters each) plus the 500 expected answer tokens, at routes-data prices.
  const inputTokens = Math.ceil([...QUERY].length / 4);
  const usd = (model: string) => {
    const price = prices.models[model];
    assert.ok(price, `routes-data has a price for ${model}`);
    return (inputTokens * price.input + 500 * price.output) / 1_000_000;
  };
  const costCells = await page
    .getByTestId('cost-table')
    .locator('tbody tr')
    .evaluateAll((rows) => rows.map((row) => [row.getAttribute('data-model'), row.children[1]?.textContent ?? '']));
  assert.equal(costCells.length, candidates.length + 1, 'one row per candidate and one for the baseline');
  for (const [model, text] of costCells) {
    assert.ok(model);
    const shown = Number(text.replace('$', ''));
    assert.ok(Math.abs(shown - usd(model)) <= usd(model) * 0.01, `${model}: shows ${text}, expected about ${usd(model)}`);
  }
  assert.equal(costCells.at(-1)?.[0], routing.baseline_model);
  assert.match((await page.getByTestId('result-cost').textContent()) ?? '', /^\$/);

  await saveScreenshot(page, 'playground-laptop');
  const phone = await openPage(browser, 'phone');
  await phone.page.goto(`${stack.url}/dashboard#playground`);
  await phone.page.getByTestId('query').fill(QUERY);
  await phone.page.getByTestId('query').press('Control+Enter');
  await phone.page.getByTestId('route-status').filter({ hasText: 'Routed' }).waitFor({ timeout: WAIT_MS });
  await saveScreenshot(phone.page, 'playground-phone');

  assert.deepEqual([...problems, ...phone.problems], []);
});

test('a conversation routes on its last user turn, and errors from the API are shown, not thrown', async (t) => {
  const stack = await startProxyStack(t);
  const browser = await launchBrowser(t);
  const { page, problems } = await openPage(browser, 'laptop');
  await page.goto(`${stack.url}/dashboard`);

  await page.getByLabel('Conversation').check();
  const conversation = 'system: You are terse.\nuser: hola, ¿qué tal?';
  await page.getByTestId('query').fill(conversation);
  await page.getByTestId('route-submit').click();
  await page.getByTestId('route-status').filter({ hasText: 'Routed' }).waitFor({ timeout: WAIT_MS });
  const expected = await postJsonTo<RouteResponse>(`${stack.url}/v1/route`, {
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'hola, ¿qué tal?' },
    ],
    strategy: 'balanced',
  });
  assert.equal(await page.getByTestId('result-intent').textContent(), expected.intent);
  assert.equal(await page.getByTestId('result-tier').textContent(), expected.tier);
  const ruleHits = await page
    .getByTestId('rule-hits')
    .locator('li[data-rule]')
    .evaluateAll((items) => items.map((item) => item.getAttribute('data-rule')));
  assert.deepEqual(
    ruleHits,
    expected.rule_hits.map((hit) => hit.id),
  );

  // A query longer than MAX_QUERY_CHARS: the API's own message appears in the status line.
  await page.getByLabel('Single query').check();
  await page.getByTestId('query').fill('x'.repeat(stack.config.routing.maxQueryChars + 1));
  await page.getByTestId('route-submit').click();
  await page.getByTestId('route-status').filter({ hasText: 'MAX_QUERY_CHARS' }).waitFor({ timeout: WAIT_MS });
  assert.deepEqual(problems, []);
});
