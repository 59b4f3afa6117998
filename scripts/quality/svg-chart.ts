import type { MixPoint } from '../../src/quality/outcomes.js';

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  curves: { name: string; points: MixPoint[]; color: string }[];
  markers: { name: string; point: MixPoint; color: string }[];
  hLine?: { y: number; name: string };
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A dependency-free SVG line chart of quality against cost. */
export function renderQualityCostChart(spec: ChartSpec): string {
  const width = 760;
  const height = 480;
  const pad = { left: 70, right: 230, top: 40, bottom: 55 };
  const all = [...spec.curves.flatMap((c) => c.points), ...spec.markers.map((m) => m.point)];
  const maxX = Math.max(...all.map((p) => p.cost)) * 1.05 || 1;
  const ys = [...all.map((p) => p.quality), ...(spec.hLine ? [spec.hLine.y] : [])];
  const minY = Math.min(...ys);
  const maxY = Math.max(...ys);
  const spanY = maxY - minY || 1;
  const y0 = minY - spanY * 0.05;
  const y1 = maxY + spanY * 0.05;
  const sx = (x: number) => pad.left + (x / maxX) * (width - pad.left - pad.right);
  const sy = (y: number) => height - pad.bottom - ((y - y0) / (y1 - y0)) * (height - pad.top - pad.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${escape(spec.title)}</text>`,
    `<line x1="${pad.left}" y1="${height - pad.bottom}" x2="${width - pad.right}" y2="${height - pad.bottom}" stroke="black"/>`,
    `<line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${height - pad.bottom}" stroke="black"/>`,
    `<text x="${(pad.left + width - pad.right) / 2}" y="${height - 15}" text-anchor="middle">${escape(spec.xLabel)}</text>`,
    `<text x="18" y="${(pad.top + height - pad.bottom) / 2}" text-anchor="middle" transform="rotate(-90 18 ${(pad.top + height - pad.bottom) / 2})">${escape(spec.yLabel)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const x = (maxX * i) / 5;
    const y = y0 + ((y1 - y0) * i) / 5;
    parts.push(`<text x="${sx(x)}" y="${height - pad.bottom + 16}" text-anchor="middle">${x.toPrecision(3)}</text>`);
    parts.push(`<text x="${pad.left - 6}" y="${sy(y) + 4}" text-anchor="end">${y.toFixed(3)}</text>`);
    parts.push(`<line x1="${pad.left}" y1="${sy(y)}" x2="${width - pad.right}" y2="${sy(y)}" stroke="#eeeeee"/>`);
  }
  if (spec.hLine) {
    parts.push(
      `<line x1="${pad.left}" y1="${sy(spec.hLine.y)}" x2="${width - pad.right}" y2="${sy(spec.hLine.y)}" stroke="#d62728" stroke-dasharray="5,4"/>`,
    );
    parts.push(
      `<text x="${width - pad.right - 4}" y="${sy(spec.hLine.y) - 5}" text-anchor="end" fill="#d62728">${escape(spec.hLine.name)}</text>`,
    );
  }
  let legendY = pad.top + 10;
  const legend = (name: string, color: string, line: boolean) => {
    const x = width - pad.right + 15;
    parts.push(
      line
        ? `<line x1="${x}" y1="${legendY - 4}" x2="${x + 20}" y2="${legendY - 4}" stroke="${color}" stroke-width="2"/>`
        : `<circle cx="${x + 10}" cy="${legendY - 4}" r="5" fill="${color}"/>`,
    );
    parts.push(`<text x="${x + 26}" y="${legendY}">${escape(name)}</text>`);
    legendY += 20;
  };
  for (const curve of spec.curves) {
    const d = curve.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${sx(p.cost).toFixed(1)},${sy(p.quality).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${curve.color}" stroke-width="2"/>`);
    legend(curve.name, curve.color, true);
  }
  for (const marker of spec.markers) {
    parts.push(
      `<circle cx="${sx(marker.point.cost).toFixed(1)}" cy="${sy(marker.point.quality).toFixed(1)}" r="5" fill="${marker.color}"/>`,
    );
    legend(marker.name, marker.color, false);
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
