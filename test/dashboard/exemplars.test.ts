import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import type { RouteResponse } from '../../src/http/route-response.js';
import { startTestService } from '../support/test-router.js';
import { WAIT_MS, getJson, launchBrowser, openPage, postJsonTo, saveScreenshot, serveApp } from './browser.js';

const ADMIN_KEY = 'dashboard-admin-key-0123456789';
const CLIENT_KEY = 'dashboard-client-key-abc';
/**
 * With USE-lite this sits between sales and faq (faq close behind), no rule
 * fires, and intent scores are the mean of the top k (2 in the shipped
 * calibration): one faq exemplar with this very text (similarity 1) lifts faq
 * by at least (1 - its score) / k.
 */
const QUERY = 'how long does shipping to Canada take?';

interface ExemplarPage {
  total: number;
  items: { id: number; axis: string; label: string; text: string; lang: string; source: string }[];
}

async function useKey(page: Page, key: string): Promise<void> {
  await page.locator('#key-panel > summary').click();
  await page.getByTestId('api-key').fill(key);
  await page.getByTestId('key-save').click();
  await page.getByTestId('key-state').filter({ hasText: '(set)' }).waitFor({ timeout: WAIT_MS });
}

async function routeInPage(page: Page, query: string): Promise<void> {
  await page.goto(`${page.url().split('#')[0]}#playground`);
  await page.getByTestId('query').fill(query);
  await page.getByTestId('route-status').evaluate((node) => (node.textContent = ''));
  await page.getByTestId('route-submit').click();
  await page.getByTestId('route-status').filter({ hasText: 'Routed' }).waitFor({ timeout: WAIT_MS });
}

test('exemplars: browse with the admin key, add one and see the next decision change, edit it, delete it', async (t) => {
  const service = await startTestService(t, 'use-lite', { ADMIN_API_KEY: ADMIN_KEY, CLIENT_API_KEYS: CLIENT_KEY });
  const url = await serveApp(t, service.app);
  const admin = { authorization: `Bearer ${ADMIN_KEY}` };
  const before = await postJsonTo<RouteResponse>(`${url}/v1/route`, { query: QUERY }, admin);
  assert.equal(before.intent, 'sales');
  assert.deepEqual(before.rule_hits, []);

  const browser = await launchBrowser(t);
  const { page, problems } = await openPage(browser, 'laptop');

  // Without a key the page says what is missing instead of failing silently.
  await page.goto(`${url}/dashboard#exemplars`);
  await page.getByTestId('exemplars-status').filter({ hasText: 'needs a key' }).waitFor({ timeout: WAIT_MS });

  // A client key routes but may not touch exemplars.
  await useKey(page, CLIENT_KEY);
  await page.getByTestId('exemplars-status').filter({ hasText: 'may not' }).waitFor({ timeout: WAIT_MS });

  await useKey(page, ADMIN_KEY);
  await page
    .locator('#exemplar-caption')
    .filter({ hasText: /^\d+ exemplars? match/ })
    .waitFor({ timeout: WAIT_MS });
  const all = await getJson<ExemplarPage>(`${url}/admin/exemplars?limit=1`, admin);
  assert.match((await page.locator('#exemplar-caption').textContent()) ?? '', new RegExp(`^${all.total} exemplars match`));

  // Filter: intent faq in Spanish.
  await page.locator('#filter-axis').selectOption('intent');
  await page.locator('#filter-label').selectOption('faq');
  await page.locator('#filter-lang').selectOption('es');
  await page.locator('#exemplar-filter button[type="submit"]').click();
  const faqEs = await getJson<ExemplarPage>(`${url}/admin/exemplars?axis=intent&label=faq&lang=es&limit=50`, admin);
  assert.ok(faqEs.total > 0);
  await page
    .locator('#exemplar-caption')
    .filter({ hasText: `${faqEs.total} exemplar` })
    .waitFor({ timeout: WAIT_MS });
  const shownIds = await page
    .getByTestId('exemplar-table')
    .locator('tbody tr')
    .evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-id'))));
  assert.deepEqual(
    shownIds,
    faqEs.items.map((item) => item.id),
  );
  await saveScreenshot(page, 'exemplars-laptop');

  // Add the query itself as a faq exemplar, from the form.
  await page.getByTestId('add-axis').selectOption('intent');
  await page.getByTestId('add-label').selectOption('faq');
  await page.getByTestId('add-text').fill(QUERY);
  await page.getByTestId('add-submit').click();
  await page.getByTestId('exemplars-status').filter({ hasText: 'Added exemplar' }).waitFor({ timeout: WAIT_MS });
  const added = await getJson<ExemplarPage>(`${url}/admin/exemplars?q=${encodeURIComponent(QUERY)}`, admin);
  assert.equal(added.total, 1);
  const exemplar = added.items[0]!;
  assert.deepEqual([exemplar.axis, exemplar.label, exemplar.lang], ['intent', 'faq', 'en']);

  await page.locator('#filter-axis').selectOption('');
  await page.locator('#filter-lang').selectOption('');
  await page.locator('#filter-label').selectOption('');
  await page.locator('#filter-q').fill('shipping to Canada');
  await page.locator('#exemplar-filter button[type="submit"]').click();
  await page.locator(`#exemplar-table tr[data-id="${exemplar.id}"]`).waitFor({ timeout: WAIT_MS });

  // The next decision, in the playground, uses the new exemplar.
  await routeInPage(page, QUERY);
  assert.equal(await page.getByTestId('result-intent').textContent(), 'faq');
  const match = page.getByTestId('matches').locator(`tr[data-id="${exemplar.id}"]`);
  assert.equal(await match.locator('td.num').textContent(), '1.000');
  const after = await postJsonTo<RouteResponse>(`${url}/v1/route`, { query: QUERY }, admin);
  assert.equal(after.intent, 'faq');

  // Edit it to support, with the keyboard-usable dialog.
  await page.goto(`${url}/dashboard#exemplars`);
  await page.locator(`#exemplar-table tr[data-id="${exemplar.id}"]`).waitFor({ timeout: WAIT_MS });
  await page.getByRole('button', { name: `Edit exemplar ${exemplar.id}` }).click();
  await page.locator('#edit-label').selectOption('support');
  await page.locator('#edit-form button[type="submit"]').click();
  await page
    .getByTestId('exemplars-status')
    .filter({ hasText: `Saved exemplar ${exemplar.id}` })
    .waitFor({ timeout: WAIT_MS });
  const edited = await getJson<{ exemplar: { label: string } }>(`${url}/admin/exemplars/${exemplar.id}`, admin);
  assert.equal(edited.exemplar.label, 'support');

  // Delete it (after the confirmation), and the decision is back where it started.
  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByRole('button', { name: `Delete exemplar ${exemplar.id}` }).click();
  await page
    .getByTestId('exemplars-status')
    .filter({ hasText: `Deleted exemplar ${exemplar.id}` })
    .waitFor({ timeout: WAIT_MS });
  const gone = await fetch(`${url}/admin/exemplars/${exemplar.id}`, { headers: admin });
  assert.equal(gone.status, 404);
  await routeInPage(page, QUERY);
  assert.equal(await page.getByTestId('result-intent').textContent(), before.intent);

  const phone = await openPage(browser, 'phone');
  await phone.page.goto(`${url}/dashboard`);
  await useKey(phone.page, ADMIN_KEY);
  await phone.page.goto(`${url}/dashboard#exemplars`);
  await phone.page.locator('#exemplar-table tbody tr').first().waitFor({ timeout: WAIT_MS });
  await saveScreenshot(phone.page, 'exemplars-phone');

  assert.deepEqual([...problems, ...phone.problems], []);
});
