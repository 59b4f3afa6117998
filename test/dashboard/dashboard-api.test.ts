import assert from 'node:assert/strict';
import { test } from 'node:test';
import ts from 'typescript';
import { estimateCost } from '../../src/cost/pricing.js';
import type { LedgerEntry, LedgerStats } from '../../src/ledger/request-ledger.js';
import type { Timeseries } from '../../src/ledger/request-timeseries.js';
import { postJson, startTestService } from '../support/test-router.js';

function entry(createdAt: string, overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    decisionId: `${createdAt}-${Math.random()}`,
    createdAt,
    endpoint: '/v1/chat/completions',
    routed: true,
    strategy: 'balanced',
    tier: 'simple',
    intent: 'faq',
    provider: 'openai',
    model: 'gpt-4o-mini',
    attempts: [],
    routeMs: 1,
    upstreamMs: 10,
    totalMs: 12,
    inputTokens: 100,
    outputTokens: 50,
    tokensEstimated: false,
    costUsd: 0.00004,
    baselineCostUsd: 0.00105,
    status: 'ok',
    httpStatus: 200,
    errorCode: undefined,
    prompt: undefined,
    ...overrides,
  };
}

/** Syntax errors of a served ES module, as the TypeScript parser sees them (node:vm parses modules only behind a flag). */
function moduleSyntaxErrors(source: string): string[] {
  const output = ts.transpileModule(source, {
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
  });
  return (output.diagnostics ?? []).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
}

test('GET /dashboard serves one self-contained page: its own script modules and stylesheet, nothing from another origin', async (t) => {
  const { app } = await startTestService(t, 'tiny-standin');
  const page = await app.request('/dashboard');
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'self'; style-src 'self'/);
  const html = await page.text();
  assert.ok(html.startsWith('<!doctype html>'));
  assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'no asset from another origin');
  for (const view of ['playground', 'exemplars', 'traffic']) assert.match(html, new RegExp(`<section id="${view}"`));
  assert.match(html, /<option value="balanced" selected="">balanced<\/option>/, 'the default strategy comes from the settings');

  const assets = [...html.matchAll(/(?:src|href)="(\/dashboard\/assets\/[^"]+)"/g)].map((match) =>
    match[1]!.replaceAll('&amp;', '&'),
  );
  assert.equal(assets.length, 2);
  assert.match(html, /<script type="module" src="\/dashboard\/assets\/main\.js\?v=/);
  // The entry module's imports, and theirs, are served from the same folder.
  const pending = [...assets];
  const seen = new Set<string>();
  for (let path = pending.shift(); path !== undefined; path = pending.shift()) {
    if (seen.has(path.split('?')[0]!)) continue;
    seen.add(path.split('?')[0]!);
    const asset = await app.request(path);
    assert.equal(asset.status, 200, path);
    const body = await asset.text();
    if (path.includes('.js')) {
      assert.match(asset.headers.get('content-type') ?? '', /^text\/javascript/);
      assert.deepEqual(moduleSyntaxErrors(body), [], `${path} parses`);
      assert.doesNotMatch(body, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/, 'the script calls only its own origin');
      for (const [, specifier] of body.matchAll(/^(?:import|export)\b[^;]*?from '([^']+)';$/gm)) {
        assert.match(specifier!, /^\.\/[a-z-]+\.js$/, `${path} imports only its siblings`);
        pending.push(`/dashboard/assets/${specifier!.slice(2)}`);
      }
    } else {
      assert.match(asset.headers.get('content-type') ?? '', /^text\/css/);
      assert.doesNotMatch(body, /url\(|@import/, 'the stylesheet loads nothing else');
    }
    const etag = asset.headers.get('etag');
    assert.ok(etag);
    assert.equal((await app.request(path, { headers: { 'if-none-match': etag } })).status, 304);
  }
  assert.ok(
    ['main.js', 'dom.js', 'api.js', 'playground.js', 'exemplars.js', 'traffic.js'].every((name) =>
      seen.has(`/dashboard/assets/${name}`),
    ),
    `every module is reached from main.js: ${[...seen].join(', ')}`,
  );
  assert.equal((await app.request('/dashboard/assets/other.js')).status, 404);
  assert.equal((await app.request('/dashboard/assets/..%2Fpage.js')).status, 404);
});

test('POST /dashboard/api/estimate prices one request on each model against the baseline, from routes-data', async (t) => {
  const { app, routesData } = await startTestService(t, 'tiny-standin');
  const text = 'ñandú '.repeat(10).trim(); // 59 code points: 15 tokens by the four-characters rule
  const response = await postJson(app, '/dashboard/api/estimate', {
    text,
    output_tokens: 200,
    models: ['gpt-4o-mini', 'claude-sonnet-4', 'no-such-model'],
  });
  assert.equal(response.status, 200);
  const body = (await response.json()) as {
    input_tokens: number;
    output_tokens: number;
    baseline: { model: string; cost_usd: number };
    models: { model: string; cost_usd: number | null; savings_pct: number | null }[];
  };
  assert.equal(body.input_tokens, 15);
  assert.equal(body.output_tokens, 200);
  const usage = { inputTokens: 15, outputTokens: 200 };
  const baseline = routesData.routing.baseline_model;
  assert.equal(body.baseline.model, baseline);
  assert.equal(body.baseline.cost_usd, estimateCost(routesData.prices, baseline, usage));
  const mini = estimateCost(routesData.prices, 'gpt-4o-mini', usage)!;
  assert.deepEqual(body.models[0], {
    model: 'gpt-4o-mini',
    cost_usd: mini,
    savings_pct: Math.round((1 - mini / body.baseline.cost_usd) * 10000) / 100,
  });
  assert.deepEqual(
    body.models[2],
    { model: 'no-such-model', cost_usd: null, savings_pct: null },
    'an unpriced model is unknown, not free',
  );

  const prices = (await (await app.request('/dashboard/api/prices')).json()) as {
    baseline_model: string;
    models: Record<string, unknown>;
  };
  assert.equal(prices.baseline_model, baseline);
  assert.deepEqual(prices.models, routesData.prices.models);

  const bad = await postJson(app, '/dashboard/api/estimate', { text, output_tokens: -1, models: [] });
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: { message: string } }).error.message, /output_tokens/);
});

test('GET /v1/stats/timeseries buckets the ledger by hour or minute and adds up to GET /v1/stats', async (t) => {
  const service = await startTestService(t, 'tiny-standin');
  const { ledger } = service.proxy.services;
  ledger.record(entry('2026-03-01T09:59:59.999Z'));
  ledger.record(entry('2026-03-01T10:00:00.000Z', { model: 'claude-sonnet-4', costUsd: 0.00105, tier: 'complex' }));
  ledger.record(
    entry('2026-03-01T10:00:30.000Z', { status: 'error', httpStatus: 502, costUsd: undefined, baselineCostUsd: undefined }),
  );
  ledger.record(entry('2026-03-01T10:42:00.000Z', { routed: false }));

  const hourly = (await (await service.app.request('/v1/stats/timeseries?bucket=hour')).json()) as Timeseries;
  assert.deepEqual(
    hourly.points.map((point) => [point.start, point.requests, point.errors, point.routed]),
    [
      ['2026-03-01T09:00:00.000Z', 1, 0, 1],
      ['2026-03-01T10:00:00.000Z', 3, 1, 2],
    ],
  );
  const stats = (await (await service.app.request('/v1/stats')).json()) as LedgerStats;
  const sum = (field: 'requests' | 'cost_usd' | 'baseline_cost_usd') =>
    hourly.points.reduce((total, point) => total + point[field], 0);
  assert.equal(sum('requests'), stats.requests);
  assert.ok(Math.abs(sum('cost_usd') - stats.cost_usd) < 1e-12);
  assert.ok(
    Math.abs(sum('baseline_cost_usd') - stats.baseline_cost_usd) < 1e-12,
    'an unpriced request adds no baseline, as in /v1/stats',
  );

  const since = encodeURIComponent('2026-03-01T10:00:00+00:00');
  const minutes = (await (await service.app.request(`/v1/stats/timeseries?bucket=minute&since=${since}`)).json()) as Timeseries;
  assert.equal(minutes.since, '2026-03-01T10:00:00.000Z');
  assert.deepEqual(
    minutes.points.map((point) => [point.start, point.requests]),
    [
      ['2026-03-01T10:00:00.000Z', 2],
      ['2026-03-01T10:42:00.000Z', 1],
    ],
  );

  const badBucket = await service.app.request('/v1/stats/timeseries?bucket=day');
  assert.equal(badBucket.status, 400);
  assert.match(((await badBucket.json()) as { error: { message: string } }).error.message, /^bucket:/);
  const badSince = await service.app.request('/v1/stats/timeseries?since=yesterday');
  assert.equal(badSince.status, 400);
  assert.equal(((await badSince.json()) as { error: { code: string } }).error.code, 'invalid_request');
});
