import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LedgerStats } from '../../src/ledger/request-ledger.js';
import type { Timeseries } from '../../src/ledger/request-timeseries.js';
import { startProxyStack, type ProxyStack } from '../support/proxy-stack.js';
import { WAIT_MS, getJson, launchBrowser, openPage, postJsonTo, saveScreenshot } from './browser.js';

async function proxy(stack: ProxyStack): Promise<void> {
  const chat = (model: string, content: string) =>
    postJsonTo(`${stack.url}/v1/chat/completions`, { model, messages: [{ role: 'user', content }] });
  await chat('auto', 'hi there!');
  await chat(
    'auto',
    'Design a multi-region event-sourcing architecture for a payments platform, with failure modes and trade-offs.',
  );
  await chat('auto', 'what is 15% of 80?');
  await chat('gpt-4o-mini', 'translate "good morning" to French');
  await postJsonTo(`${stack.url}/v1/messages`, {
    model: 'auto',
    max_tokens: 64,
    messages: [{ role: 'user', content: 'my card payment was declined' }],
  });
}

const usdShown = (text: string | null) => Number((text ?? '').replace('$', ''));
const close = (shown: number, expected: number) => Math.abs(shown - expected) <= Math.max(expected * 0.01, 1e-12);

test('the traffic view shows the figures of GET /v1/stats, per model, tier and intent, and over time', async (t) => {
  // A real embedder, so the tier and intent mix in the README's screenshot is what routing would do.
  const stack = await startProxyStack(t, { embedder: 'use-lite' });
  await proxy(stack);
  const stats = await getJson<LedgerStats>(`${stack.url}/v1/stats`);
  assert.equal(stats.requests, 5);
  assert.ok(stats.cost_usd > 0 && stats.baseline_cost_usd > stats.cost_usd, 'routing saved money against the baseline');

  const browser = await launchBrowser(t);
  const { page, problems } = await openPage(browser, 'laptop');
  await page.goto(`${stack.url}/dashboard#traffic`);
  await page.getByTestId('traffic-status').filter({ hasText: 'Updated' }).waitFor({ timeout: WAIT_MS });

  const card = (name: string) => page.getByTestId(`result-${name}`);
  assert.equal(await card('requests').textContent(), String(stats.requests));
  assert.equal(Number(await card('spent').getAttribute('data-value')), stats.cost_usd);
  assert.ok(close(usdShown(await card('spent').textContent()), stats.cost_usd));
  assert.equal(Number(await card('baseline').getAttribute('data-value')), stats.baseline_cost_usd);
  assert.ok(close(usdShown(await card('baseline').textContent()), stats.baseline_cost_usd));
  assert.equal(await card('savings').textContent(), `${stats.savings_pct!.toFixed(1)}%`);

  const models = await page
    .getByTestId('model-table')
    .locator('tbody tr')
    .evaluateAll((rows) =>
      rows.map((row) => ({
        model: row.getAttribute('data-model'),
        requests: Number(row.querySelector('[data-field="requests"]')?.textContent),
        cost: Number(row.querySelector('[data-field="cost_usd"]')?.getAttribute('data-value')),
        baseline: Number(row.querySelector('[data-field="baseline_cost_usd"]')?.getAttribute('data-value')),
      })),
    );
  assert.deepEqual(
    models,
    Object.entries(stats.by_model)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([model, bucket]) => ({
        model,
        requests: bucket.requests,
        cost: bucket.cost_usd,
        baseline: bucket.baseline_cost_usd,
      })),
  );
  assert.ok(models.length >= 2, 'more than one model answered');

  for (const [axis, groups] of [
    ['tier', stats.by_tier],
    ['intent', stats.by_intent],
  ] as const) {
    const bars = await page
      .getByTestId(`${axis}-mix`)
      .locator('g[data-label]')
      .evaluateAll((nodes) =>
        nodes.map((node) => [node.getAttribute('data-label'), Number(node.getAttribute('data-value'))] as const),
      );
    assert.deepEqual(
      Object.fromEntries(bars),
      Object.fromEntries(Object.entries(groups).map(([label, bucket]) => [label, bucket.requests])),
    );
  }

  const modelBars = await page.getByTestId('model-chart').locator('g[data-model]').count();
  assert.equal(modelBars, Object.keys(stats.by_model).length);

  // The timeline: every request sits in a bar, and the bars agree with GET /v1/stats/timeseries.
  const timeline = await page
    .getByTestId('timeline-chart')
    .locator('rect[data-requests]')
    .evaluateAll((rects) => rects.map((rect) => Number(rect.getAttribute('data-requests'))));
  assert.equal(
    timeline.reduce((sum, count) => sum + count, 0),
    stats.requests,
  );
  const series = await getJson<Timeseries>(`${stack.url}/v1/stats/timeseries?bucket=hour`);
  assert.equal(
    series.points.reduce((sum, point) => sum + point.requests, 0),
    stats.requests,
  );

  await saveScreenshot(page, 'traffic-laptop');
  const phone = await openPage(browser, 'phone');
  await phone.page.goto(`${stack.url}/dashboard#traffic`);
  await phone.page.getByTestId('traffic-status').filter({ hasText: 'Updated' }).waitFor({ timeout: WAIT_MS });
  assert.equal(await phone.page.getByTestId('result-requests').textContent(), String(stats.requests));
  await saveScreenshot(phone.page, 'traffic-phone');

  // Keyboard: the view links are reachable and switch views, moving focus to the view's heading.
  await page.goto(`${stack.url}/dashboard`);
  await page.keyboard.press('Tab'); // skip link
  await page.keyboard.press('Tab'); // Playground
  await page.keyboard.press('Tab'); // Exemplars
  await page.keyboard.press('Tab'); // Traffic and cost
  await page.keyboard.press('Enter');
  await page.locator('#traffic-title:focus').waitFor({ timeout: WAIT_MS });
  assert.equal(await page.locator('#traffic').isVisible(), true);
  assert.equal(await page.locator('#playground').isVisible(), false);

  assert.deepEqual([...problems, ...phone.problems], []);
});
