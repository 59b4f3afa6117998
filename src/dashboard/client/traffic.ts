/** The traffic view: what the proxy spent against the baseline, over time and by model, tier and intent. */
import { api, describeFailure } from './api.js';
import type { Bucket, Stats, Timeseries, Totals } from './api-types.js';
import { barChart, chartWidth, type Row } from './charts.js';
import { byId, clear, el, setStatus, svg, tableBody } from './dom.js';
import { formatPct, formatUsd } from './format.js';

const BUCKET_MS: Record<Bucket, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** A bucket's start (epoch milliseconds) and its request count. */
type TimePoint = [start: number, requests: number];

/** Every bucket from start to now, empty ones included, so the x axis is time and not just data. */
function fillTimeline(points: Timeseries['points'], displayBucket: Bucket, sinceMs: number | null): TimePoint[] {
  const size = BUCKET_MS[displayBucket];
  const floorTo = (ms: number) => Math.floor(ms / size) * size;
  const counts = new Map<number, number>();
  for (const point of points) {
    const start = floorTo(Date.parse(point.start));
    counts.set(start, (counts.get(start) ?? 0) + point.requests);
  }
  const now = floorTo(Date.now());
  const firstPoint = points[0];
  const first = sinceMs !== null ? floorTo(sinceMs) : firstPoint ? floorTo(Date.parse(firstPoint.start)) : now;
  const series: TimePoint[] = [];
  for (let t = first; t <= now; t += size) series.push([t, counts.get(t) ?? 0]);
  return series;
}

function timeLabel(ms: number, bucket: Bucket): string {
  const date = new Date(ms);
  const pad = (n: number) => (n < 10 ? `0${n}` : String(n));
  if (bucket === 'day') return `${date.getMonth() + 1}/${date.getDate()}`;
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function timelineChart(container: HTMLElement, series: readonly TimePoint[], bucket: Bucket): void {
  const width = chartWidth(container, 720);
  const [height, left, bottom, top] = [200, 36, 22, 10];
  const plotWidth = width - left - 6;
  const plotHeight = height - top - bottom;
  const max = Math.max(1, ...series.map((point) => point[1]));
  const total = series.reduce((sum, point) => sum + point[1], 0);
  const summary = `Requests over time: ${total} requests in ${series.length} ${bucket} buckets, at most ${max} in one`;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': summary }, [
    svg('title', { text: summary }),
    svg('line', { class: 'axis', x1: left, y1: top + plotHeight, x2: width, y2: top + plotHeight }),
    svg('text', { class: 'muted-text', x: left - 4, y: top + 8, 'text-anchor': 'end', text: max }),
    svg('text', { class: 'muted-text', x: left - 4, y: top + plotHeight, 'text-anchor': 'end', text: 0 }),
  ]);
  const step = plotWidth / Math.max(series.length, 1);
  const ticks = Math.max(1, Math.ceil(series.length / Math.max(2, Math.floor(plotWidth / 70))));
  series.forEach(([start, requests], index) => {
    const barHeight = (requests / max) * plotHeight;
    const x = left + index * step;
    if (requests > 0) {
      chart.appendChild(
        svg(
          'rect',
          {
            class: 'bar',
            x: (x + step * 0.1).toFixed(1),
            y: (top + plotHeight - barHeight).toFixed(1),
            width: Math.max(1, step * 0.8).toFixed(1),
            height: barHeight.toFixed(1),
            'data-start': new Date(start).toISOString(),
            'data-requests': requests,
          },
          [svg('title', { text: `${timeLabel(start, bucket)}: ${requests} requests` })],
        ),
      );
    }
    if (index % ticks === 0) {
      chart.appendChild(
        svg('text', {
          class: 'muted-text',
          x: (x + step / 2).toFixed(1),
          y: height - 6,
          'text-anchor': 'middle',
          text: timeLabel(start, bucket),
        }),
      );
    }
  });
  clear(container).appendChild(chart);
}

function baselineModel(): string {
  return document.body.getAttribute('data-baseline-model') ?? 'the baseline model';
}

/** Paired bars per model: what was paid and what the baseline model would have cost. */
function modelCostChart(container: HTMLElement, byModel: Record<string, Totals>): void {
  const models = Object.entries(byModel).sort((a, b) => b[1].baseline_cost_usd - a[1].baseline_cost_usd);
  const [rowHeight, labelWidth, valueWidth] = [40, 130, 90];
  const width = chartWidth(container, 720);
  const trackWidth = width - labelWidth - valueWidth;
  const max = Math.max(0, ...models.map(([, row]) => Math.max(row.cost_usd, row.baseline_cost_usd))) || 1;
  const height = Math.max(models.length, 1) * rowHeight;
  const summary = `Cost against the baseline per model: ${
    models.length
      ? models.map(([model, row]) => `${model} ${formatUsd(row.cost_usd)} against ${formatUsd(row.baseline_cost_usd)}`).join('; ')
      : 'no requests'
  }`;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': summary }, [
    svg('title', { text: summary }),
  ]);
  models.forEach(([model, row], index) => {
    const y = index * rowHeight;
    chart.appendChild(
      svg('g', { 'data-model': model }, [
        svg('text', { x: 0, y: y + 24, text: model }),
        svg('rect', {
          class: 'bar',
          x: labelWidth,
          y: y + 6,
          width: ((row.cost_usd / max) * trackWidth).toFixed(1),
          height: 12,
          rx: 2,
        }),
        svg('rect', {
          class: 'bar baseline',
          x: labelWidth,
          y: y + 20,
          width: ((row.baseline_cost_usd / max) * trackWidth).toFixed(1),
          height: 12,
          rx: 2,
        }),
        svg('text', { x: width, y: y + 16, 'text-anchor': 'end', text: formatUsd(row.cost_usd) }),
        svg('text', { class: 'muted-text', x: width, y: y + 31, 'text-anchor': 'end', text: formatUsd(row.baseline_cost_usd) }),
      ]),
    );
  });
  clear(container).appendChild(
    el('div', { class: 'legend' }, [
      el('span', {}, [el('span', { class: 'swatch' }), 'paid']),
      el('span', {}, [el('span', { class: 'swatch baseline' }), `baseline (${baselineModel()})`]),
    ]),
  );
  container.appendChild(chart);
}

function mixRows(groups: Record<string, Totals>): Row[] {
  return Object.entries(groups)
    .map(([name, group]): Row => [name, group.requests])
    .sort((a, b) => b[1] - a[1]);
}

function setCard(name: string, text: string, value: number | string, sub: string): void {
  const node = byId(`result-${name}`);
  node.textContent = text;
  node.setAttribute('data-value', String(value));
  byId(`result-${name}-sub`).textContent = sub;
}

function renderTraffic(stats: Stats, timeline: Timeseries, displayBucket: Bucket, sinceMs: number | null): void {
  byId('traffic-result').hidden = false;
  setCard(
    'requests',
    String(stats.requests),
    stats.requests,
    `${stats.errors} errors · ${stats.input_tokens} in / ${stats.output_tokens} out tokens`,
  );
  setCard('spent', formatUsd(stats.cost_usd), stats.cost_usd, 'what was paid');
  setCard('baseline', formatUsd(stats.baseline_cost_usd), stats.baseline_cost_usd, `all on ${baselineModel()}`);
  setCard(
    'savings',
    formatPct(stats.savings_pct),
    stats.savings_pct === null ? '' : stats.savings_pct,
    `${formatUsd(Math.max(0, stats.baseline_cost_usd - stats.cost_usd))} saved`,
  );
  byId('timeline-bucket').textContent = `(per ${displayBucket})`;
  timelineChart(byId('timeline-chart'), fillTimeline(timeline.points, displayBucket, sinceMs), displayBucket);
  const formatCount = (count: number) => `${count}${stats.requests ? ` (${Math.round((count / stats.requests) * 100)}%)` : ''}`;
  // The ledger groups pass-through requests (a concrete model named) under "none": they have no tier or intent.
  const mixLabel = (key: string) => (key === 'none' ? 'not routed' : key);
  barChart(byId('tier-mix'), mixRows(stats.by_tier), {
    title: 'Requests by tier',
    format: formatCount,
    valueWidth: 80,
    accent: true,
    labelText: mixLabel,
  });
  barChart(byId('intent-mix'), mixRows(stats.by_intent), {
    title: 'Requests by intent',
    format: formatCount,
    valueWidth: 80,
    accent: true,
    labelText: mixLabel,
  });
  modelCostChart(byId('model-chart'), stats.by_model);
  const body = clear(tableBody('model-table'));
  for (const model of Object.keys(stats.by_model).sort()) {
    const row = stats.by_model[model];
    if (!row) continue;
    body.appendChild(
      el('tr', { 'data-model': model }, [
        el('th', { scope: 'row', text: model }),
        el('td', { class: 'num', 'data-field': 'requests', text: row.requests }),
        el('td', { class: 'num hide-narrow', 'data-field': 'errors', text: row.errors }),
        el('td', { class: 'num', 'data-field': 'cost_usd', 'data-value': row.cost_usd, text: formatUsd(row.cost_usd) }),
        el('td', {
          class: 'num',
          'data-field': 'baseline_cost_usd',
          'data-value': row.baseline_cost_usd,
          text: formatUsd(row.baseline_cost_usd),
        }),
        el('td', { class: 'num', 'data-field': 'savings_pct', text: formatPct(row.savings_pct) }),
      ]),
    );
  }
}

export async function loadTraffic(): Promise<void> {
  const seconds = Number(byId('traffic-since', HTMLSelectElement).value);
  const sinceMs = seconds ? Date.now() - seconds * 1000 : null;
  const since = sinceMs !== null ? `&since=${encodeURIComponent(new Date(sinceMs).toISOString())}` : '';
  const bucket: Bucket = seconds && seconds <= 3600 ? 'minute' : 'hour';
  setStatus('traffic-status', 'Loading…');
  try {
    const [stats, timeline] = await Promise.all([
      api<Stats>('GET', `/v1/stats?${since.slice(1)}`),
      api<Timeseries>('GET', `/v1/stats/timeseries?bucket=${bucket}${since}`),
    ]);
    const firstPoint = timeline.points[0];
    const spanMs = sinceMs !== null ? Date.now() - sinceMs : firstPoint ? Date.now() - Date.parse(firstPoint.start) : 0;
    const displayBucket: Bucket = bucket === 'hour' && spanMs > 7 * BUCKET_MS.day ? 'day' : bucket;
    renderTraffic(stats, timeline, displayBucket, sinceMs);
    setStatus('traffic-status', `Updated ${new Date().toLocaleTimeString()}.`);
  } catch (error) {
    setStatus('traffic-status', describeFailure(error), true);
  }
}

export function startTraffic(): void {
  byId('traffic-form', HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    void loadTraffic();
  });
  byId('traffic-since', HTMLSelectElement).addEventListener('change', () => void loadTraffic());
}
