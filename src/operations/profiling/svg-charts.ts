import { escapeXml, round } from './svg-text.js';

/**
 * Small static SVG charts for the HTML reports (`performance report --format html`, the load-test
 * report): line charts over time, grouped bars, and a scatter. No script; `<title>` tooltips.
 */

export const PALETTE = ['#2563eb', '#d97706', '#dc2626', '#059669', '#7c3aed', '#0891b2', '#db2777', '#65a30d'];

export interface LineSeries {
  name: string;
  /** [x, y]; y null leaves a gap. */
  points: [number, number | null][];
  colour?: string;
  dashed?: boolean;
}

export interface ChartFrame {
  title: string;
  width?: number;
  height?: number;
  /** Unit shown after y values, e.g. `ms`, `%`. */
  yUnit?: string;
  /** Formats y tick labels (default: compact number). */
  yFormat?: (value: number) => string;
}

interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
  width: number;
  height: number;
}

function box(frame: ChartFrame): Box {
  const width = frame.width ?? 620;
  const height = frame.height ?? 240;
  return { left: 56, top: 34, right: width - 16, bottom: height - 40, width, height };
}

export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * magnitude) return step * magnitude;
  return 10 * magnitude;
}

export function compactNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs === 0) return '0';
  if (abs >= 1e6) return `${round(value / 1e6, 1)}M`;
  if (abs >= 1e3) return `${round(value / 1e3, 1)}k`;
  if (abs >= 10) return round(value, 0);
  if (abs >= 1) return round(value, 1);
  if (abs >= 0.01) return round(value, 3);
  return value.toPrecision(2);
}

function frameStart(frame: ChartFrame, area: Box, yMax: number): string[] {
  const format = frame.yFormat ?? compactNumber;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${area.width}" height="${area.height}" viewBox="0 0 ${area.width} ${area.height}" font-family="sans-serif" font-size="11">`,
    `<text x="${area.left}" y="16" font-size="13" font-weight="600">${escapeXml(frame.title)}</text>`,
  ];
  for (let tick = 0; tick <= 4; tick++) {
    const value = (yMax * tick) / 4;
    const y = area.bottom - ((area.bottom - area.top) * tick) / 4;
    parts.push(`<line x1="${area.left}" x2="${area.right}" y1="${round(y)}" y2="${round(y)}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${area.left - 6}" y="${round(y + 4)}" text-anchor="end" fill="#555">${escapeXml(format(value))}</text>`);
  }
  if (frame.yUnit) parts.push(`<text x="4" y="${area.top - 12}" fill="#555">${escapeXml(frame.yUnit)}</text>`);
  return parts;
}

function legend(names: { name: string; colour: string; dashed?: boolean }[], area: Box): string {
  let x = area.left;
  return names
    .map((entry) => {
      const item = `<g><line x1="${x}" x2="${x + 16}" y1="${area.height - 12}" y2="${area.height - 12}" stroke="${entry.colour}" stroke-width="3"${entry.dashed ? ' stroke-dasharray="5 3"' : ''}/><text x="${x + 20}" y="${area.height - 8}">${escapeXml(entry.name)}</text></g>`;
      x += 30 + entry.name.length * 6.5;
      return item;
    })
    .join('');
}

/** Lines over x (typically epoch ms, labelled as clock time unless `xFormat` says otherwise). */
export function lineChart(frame: ChartFrame & { series: LineSeries[]; xFormat?: (x: number) => string; yMax?: number }): string {
  const area = box(frame);
  const xs = frame.series.flatMap((series) => series.points.map(([x]) => x));
  const ys = frame.series.flatMap((series) => series.points.flatMap(([, y]) => (y === null ? [] : [y])));
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const yMax = frame.yMax ?? niceMax(Math.max(0, ...ys));
  const sx = (x: number) => area.left + (xMax > xMin ? ((x - xMin) / (xMax - xMin)) * (area.right - area.left) : (area.right - area.left) / 2);
  const sy = (y: number) => area.bottom - (Math.min(y, yMax) / yMax) * (area.bottom - area.top);
  const parts = frameStart(frame, area, yMax);
  if (xs.length === 0) {
    parts.push(`<text x="${(area.left + area.right) / 2}" y="${(area.top + area.bottom) / 2}" text-anchor="middle" fill="#777">no data</text></svg>`);
    return parts.join('');
  }
  const xFormat = frame.xFormat ?? ((x: number) => new Date(x).toISOString().slice(11, 19));
  for (const fraction of [0, 0.5, 1]) {
    const x = xMin + (xMax - xMin) * fraction;
    parts.push(`<text x="${round(sx(x))}" y="${area.bottom + 14}" text-anchor="${fraction === 0 ? 'start' : fraction === 1 ? 'end' : 'middle'}" fill="#555">${escapeXml(xFormat(x))}</text>`);
  }
  const named: { name: string; colour: string; dashed?: boolean }[] = [];
  frame.series.forEach((series, index) => {
    const colour = series.colour ?? PALETTE[index % PALETTE.length]!;
    named.push({ name: series.name, colour, dashed: series.dashed });
    let path = '';
    let pen = false;
    for (const [x, y] of series.points) {
      if (y === null) {
        pen = false;
        continue;
      }
      path += `${pen ? 'L' : 'M'}${round(sx(x))} ${round(sy(y))}`;
      pen = true;
    }
    if (path) parts.push(`<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"${series.dashed ? ' stroke-dasharray="5 3"' : ''}><title>${escapeXml(series.name)}</title></path>`);
    const single = series.points.filter(([, y]) => y !== null);
    if (single.length === 1) parts.push(`<circle cx="${round(sx(single[0]![0]))}" cy="${round(sy(single[0]![1]!))}" r="3" fill="${colour}"/>`);
  });
  parts.push(legend(named, area), '</svg>');
  return parts.join('');
}

/** Grouped vertical bars: one group per category, one bar per series. */
export function barChart(frame: ChartFrame & { categories: string[]; series: { name: string; values: (number | null)[]; colour?: string }[] }): string {
  const area = box(frame);
  const values = frame.series.flatMap((series) => series.values.flatMap((value) => (value === null ? [] : [value])));
  const yMax = niceMax(Math.max(0, ...values));
  const parts = frameStart(frame, area, yMax);
  const groupWidth = (area.right - area.left) / Math.max(1, frame.categories.length);
  const barWidth = Math.max(2, (groupWidth * 0.8) / Math.max(1, frame.series.length));
  const format = frame.yFormat ?? compactNumber;
  frame.categories.forEach((category, categoryIndex) => {
    const groupLeft = area.left + categoryIndex * groupWidth + groupWidth * 0.1;
    frame.series.forEach((series, seriesIndex) => {
      const value = series.values[categoryIndex];
      if (value === null || value === undefined) return;
      const height = (value / yMax) * (area.bottom - area.top);
      const colour = series.colour ?? PALETTE[seriesIndex % PALETTE.length]!;
      parts.push(
        `<rect x="${round(groupLeft + seriesIndex * barWidth)}" y="${round(area.bottom - height)}" width="${round(barWidth - 1)}" height="${round(height)}" fill="${colour}"><title>${escapeXml(`${category} · ${series.name}: ${format(value)}${frame.yUnit ? ` ${frame.yUnit}` : ''}`)}</title></rect>`,
      );
    });
    parts.push(`<text x="${round(groupLeft + (groupWidth * 0.8) / 2)}" y="${area.bottom + 14}" text-anchor="middle" fill="#333">${escapeXml(category)}</text>`);
  });
  if (frame.series.length > 1) parts.push(legend(frame.series.map((series, index) => ({ name: series.name, colour: series.colour ?? PALETTE[index % PALETTE.length]! })), area));
  parts.push('</svg>');
  return parts.join('');
}

/** Labelled points, e.g. quality (y) against cost per request (x) per provider. */
export function scatterChart(frame: ChartFrame & { points: { label: string; x: number; y: number }[]; xLabel: string; yLabel: string; xFormat?: (x: number) => string; yMax?: number }): string {
  const area = box(frame);
  const xMax = niceMax(Math.max(0, ...frame.points.map((point) => point.x)));
  const yMax = frame.yMax ?? niceMax(Math.max(0, ...frame.points.map((point) => point.y)));
  const parts = frameStart(frame, area, yMax);
  const xFormat = frame.xFormat ?? compactNumber;
  for (const fraction of [0, 0.5, 1]) {
    parts.push(`<text x="${round(area.left + fraction * (area.right - area.left))}" y="${area.bottom + 14}" text-anchor="${fraction === 0 ? 'start' : fraction === 1 ? 'end' : 'middle'}" fill="#555">${escapeXml(xFormat(xMax * fraction))}</text>`);
  }
  parts.push(`<text x="${area.right}" y="${area.height - 8}" text-anchor="end" fill="#333">${escapeXml(frame.xLabel)} →</text>`);
  parts.push(`<text x="${area.left}" y="${area.height - 8}" fill="#333">↑ ${escapeXml(frame.yLabel)}</text>`);
  frame.points.forEach((point, index) => {
    const x = area.left + (point.x / xMax) * (area.right - area.left);
    const y = area.bottom - (Math.min(point.y, yMax) / yMax) * (area.bottom - area.top);
    const colour = PALETTE[index % PALETTE.length]!;
    parts.push(`<g><title>${escapeXml(`${point.label}: ${xFormat(point.x)} · ${compactNumber(point.y)}`)}</title><circle cx="${round(x)}" cy="${round(y)}" r="6" fill="${colour}"/><text x="${round(x + 9)}" y="${round(y + 4)}">${escapeXml(point.label)}</text></g>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
