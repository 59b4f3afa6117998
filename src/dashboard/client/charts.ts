/** Inline SVG charts, drawn at the container's width in CSS pixels so text keeps its size on a phone and on a laptop. */
import { clear, svg } from './dom.js';
import { formatScore } from './format.js';

export type Row = [label: string, value: number];

export function chartWidth(container: HTMLElement, fallback: number): number {
  return Math.max(260, Math.round(container.clientWidth || fallback));
}

export interface BarChartOptions {
  title: string;
  format: (value: number) => string;
  labelText?: (label: string) => string;
  min?: number;
  max?: number;
  labelWidth?: number;
  valueWidth?: number;
  /** Highlight the top row (the winning label). */
  highlightTop?: boolean;
  /** Every row in the accent colour. */
  accent?: boolean;
}

/** Horizontal bars: one row per [label, value] over [min, max]. */
export function barChart(container: HTMLElement, rows: readonly Row[], options: BarChartOptions): void {
  const rowHeight = 24;
  const labelWidth = options.labelWidth ?? 90;
  const valueWidth = options.valueWidth ?? 56;
  const width = chartWidth(container, 460);
  const trackWidth = width - labelWidth - valueWidth;
  const max = options.max || Math.max(0, ...rows.map((row) => row[1])) || 1;
  const min = options.min ?? 0;
  const height = Math.max(rows.length, 1) * rowHeight;
  const summary = `${options.title}: ${rows.length ? rows.map(([label, value]) => `${label} ${options.format(value)}`).join(', ') : 'none'}`;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': summary }, [
    svg('title', { text: summary }),
  ]);
  rows.forEach(([label, value], index) => {
    const y = index * rowHeight;
    const fillWidth = Math.max(0, Math.min(1, (value - min) / (max - min))) * trackWidth;
    const top = (index === 0 && options.highlightTop) || options.accent;
    chart.appendChild(
      svg('g', { 'data-label': label, 'data-value': value, class: 'bar-row' }, [
        svg('text', { x: 0, y: y + 16, text: options.labelText ? options.labelText(label) : label }),
        svg('rect', { class: 'track', x: labelWidth, y: y + 5, width: trackWidth, height: 14, rx: 3 }),
        svg('rect', {
          class: `fill${top ? ' top' : ''}`,
          x: labelWidth,
          y: y + 5,
          width: fillWidth.toFixed(1),
          height: 14,
          rx: 3,
        }),
        svg('text', { x: width, y: y + 16, 'text-anchor': 'end', text: options.format(value) }),
      ]),
    );
  });
  clear(container).appendChild(chart);
}

export function scoreRows(scores: Record<string, number> | undefined): Row[] {
  return Object.entries(scores ?? {});
}

/**
 * Similarities crowd together (0.97 against 0.98 with a small model), so the
 * bars start a little below the lowest score, at a round number the caption
 * states, rather than at zero where every bar would look the same.
 * Returns the caption's tail.
 */
export function scoreBars(container: HTMLElement, caption: string, scores: Record<string, number>, margin: number): string {
  const rows = scoreRows(scores);
  const values = rows.map((row) => row[1]);
  const low = values.length ? Math.min(...values) : 0;
  const high = values.length ? Math.max(...values) : 1;
  const floor = Math.max(0, Math.floor((low - Math.max(high - low, 0.01)) * 20) / 20);
  barChart(container, rows, {
    title: caption,
    format: formatScore,
    min: floor,
    max: Math.max(high, floor + 0.01),
    highlightTop: true,
  });
  return `· margin ${formatScore(margin)}${floor > 0 ? ` · bars start at ${floor.toFixed(2)}` : ''}`;
}
