/**
 * Headless Chromium for the dashboard tests: Debian's /usr/bin/chromium
 * (scripts/ensure-chromium.sh installs it) driven by playwright-core, which
 * never downloads a browser of its own.
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PROJECT_ROOT } from '../support/env.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/**
 * Every run takes the screenshots; only `UPDATE_SCREENSHOTS=1 npm test` writes
 * them over the committed ones in docs/screenshots, so a plain test run leaves
 * the work tree clean.
 */
export const SCREENSHOT_DIR = join(
  PROJECT_ROOT,
  process.env.UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : '.cache/screenshots',
);
/** Taller pages are cut here: the top of a view says what it is, and the PNGs stay small. */
const SCREENSHOT_MAX_HEIGHT = 2200;

/** Every wait in these tests is bounded by this, so a broken page fails in seconds rather than hanging CI. */
export const WAIT_MS = 15_000;

export const VIEWPORTS = {
  laptop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;
export type ViewportName = keyof typeof VIEWPORTS;

/**
 * Launches Chromium headless with the flags this machine needs: no sandbox
 * (tests run as root), and no background networking, component updates or
 * sync, whose connections the closed network would refuse. playwright-core
 * gives every launch a fresh temporary --user-data-dir of its own and removes
 * it on close.
 */
export async function launchBrowser(t: { after: (fn: () => Promise<void>) => void }): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing: run scripts/ensure-chromium.sh (apt-get install chromium) first`);
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    timeout: 30_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  t.after(() => browser.close());
  return browser;
}

/** A page that fails the test on any script error or on a request to another origin. */
export async function openPage(browser: Browser, viewport: ViewportName = 'laptop'): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: VIEWPORTS[viewport], deviceScaleFactor: 1, reducedMotion: 'reduce' });
  context.setDefaultTimeout(WAIT_MS);
  context.setDefaultNavigationTimeout(WAIT_MS);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // Chromium logs every non-2xx fetch as "Failed to load resource"; the tests that expect one check the page instead.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      problems.push(`console error: ${message.text()}`);
  });
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.hostname !== '127.0.0.1' && url.protocol !== 'data:') problems.push(`request to another origin: ${request.url()}`);
  });
  return { page, problems };
}

/** The app on a loopback port, closed when the test ends. */
export async function serveApp(
  t: { after: (fn: () => Promise<void>) => void },
  app: { fetch: (request: Request) => Response | Promise<Response> },
): Promise<string> {
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Full-page PNG at 1x, cut at SCREENSHOT_MAX_HEIGHT, so the committed files stay small. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  const size = await page.locator('html').evaluate((root) => ({ width: root.clientWidth, height: root.scrollHeight }));
  await page.screenshot({
    path,
    fullPage: true,
    clip: { x: 0, y: 0, width: size.width, height: Math.min(size.height, SCREENSHOT_MAX_HEIGHT) },
    animations: 'disabled',
    timeout: WAIT_MS,
  });
  return path;
}

export async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(WAIT_MS) });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export async function postJsonTo<T>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(WAIT_MS),
  });
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}
