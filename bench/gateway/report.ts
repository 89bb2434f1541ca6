/** Renders gateway benchmark results as a Markdown table and a self-contained HTML report. */

export interface ArmResult {
  arm: string;
  rate: number | 'saturation';
  ok: number;
  errors: number;
  p50: number;
  p99: number;
  rps: number;
  cpuMicrosPerRequest: number;
  /** Share of one core used by the process under test during the run. */
  cpuShare: number;
  peakRssMb: number;
  /** Fortitude only: its own `x-fortitude-overhead-ms` (excludes the upstream wait), ms. */
  selfOverheadP50?: number;
  selfOverheadP99?: number;
}

export interface BenchReport {
  startedAt: string;
  command: string;
  machine: string;
  upstream: string;
  pinned: boolean;
  runtime: string;
  results: ArmResult[];
}

const ARMS = ['direct', 'bare proxy', 'fortitude'] as const;
const COLOURS: Record<string, string> = { direct: '#8aa1b1', 'bare proxy': '#4c78a8', fortitude: '#f58518' };

function find(report: BenchReport, arm: string, rate: number | 'saturation'): ArmResult | undefined {
  return report.results.find((result) => result.arm === arm && result.rate === rate);
}

function fixed(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

export function rates(report: BenchReport): (number | 'saturation')[] {
  return [...new Set(report.results.map((result) => result.rate))];
}

/** Fortitude's added cost over the proxy's, both measured against the direct path. */
export function ratios(report: BenchReport, rate: number | 'saturation'): Record<string, number> {
  const direct = find(report, 'direct', rate);
  const proxy = find(report, 'bare proxy', rate);
  const fortitude = find(report, 'fortitude', rate);
  if (direct === undefined || proxy === undefined || fortitude === undefined) return {};
  return {
    addedP50Proxy: proxy.p50 - direct.p50,
    addedP50Fortitude: fortitude.p50 - direct.p50,
    addedP99Proxy: proxy.p99 - direct.p99,
    addedP99Fortitude: fortitude.p99 - direct.p99,
    cpuRatio: fortitude.cpuMicrosPerRequest / proxy.cpuMicrosPerRequest,
    throughputRatio: fortitude.rps / proxy.rps,
  };
}

export function markdownTable(report: BenchReport): string {
  const lines = [
    '| load | path | ok | errors | p50 ms | p99 ms | rps | CPU µs/req | CPU % of core | peak RSS MB |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const rate of rates(report)) {
    for (const arm of ARMS) {
      const result = find(report, arm, rate);
      if (result === undefined) continue;
      const load = rate === 'saturation' ? 'saturation' : `${rate} rps`;
      lines.push(
        `| ${load} | ${arm} | ${result.ok} | ${result.errors} | ${fixed(result.p50)} | ${fixed(result.p99)} | ${fixed(result.rps, 0)} | ${fixed(result.cpuMicrosPerRequest, 0)} | ${fixed(result.cpuShare * 100, 0)} | ${fixed(result.peakRssMb, 0)} |`,
      );
    }
  }
  lines.push(
    '',
    '| load | added p50 ms (proxy / fortitude) | added p99 ms (proxy / fortitude) | Fortitude self-reported overhead p50 / p99 ms | CPU/req fortitude ÷ proxy | throughput fortitude ÷ proxy |',
    '|---|---:|---:|---:|---:|---:|',
  );
  for (const rate of rates(report)) {
    const r = ratios(report, rate);
    if (r.cpuRatio === undefined) continue;
    const load = rate === 'saturation' ? 'saturation' : `${rate} rps`;
    const self = find(report, 'fortitude', rate);
    const selfOverhead = self?.selfOverheadP50 === undefined ? '–' : `${fixed(self.selfOverheadP50, 3)} / ${fixed(self.selfOverheadP99 ?? NaN, 3)}`;
    lines.push(
      `| ${load} | ${fixed(r.addedP50Proxy!, 3)} / ${fixed(r.addedP50Fortitude!, 3)} | ${fixed(r.addedP99Proxy!, 3)} / ${fixed(r.addedP99Fortitude!, 3)} | ${selfOverhead} | ${fixed(r.cpuRatio, 2)}× | ${fixed(r.throughputRatio!, 2)}× |`,
    );
  }
  return lines.join('\n');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[char]!);
}

/** A grouped bar chart: one group per label, one bar per arm. */
function barChart(title: string, unit: string, groups: { label: string; values: Record<string, number> }[]): string {
  const width = 640;
  const height = 260;
  const left = 56;
  const bottom = 40;
  const top = 28;
  const max = Math.max(1e-9, ...groups.flatMap((group) => Object.values(group.values).filter(Number.isFinite)));
  const plotHeight = height - top - bottom;
  const groupWidth = (width - left - 10) / Math.max(1, groups.length);
  const barWidth = (groupWidth * 0.8) / ARMS.length;
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}">`;
  svg += `<text x="${left}" y="16" font-size="14" font-weight="bold">${escapeHtml(title)}</text>`;
  for (let tick = 0; tick <= 4; tick++) {
    const y = top + plotHeight - (plotHeight * tick) / 4;
    svg += `<line x1="${left}" x2="${width - 10}" y1="${y}" y2="${y}" stroke="#ddd"/>`;
    svg += `<text x="${left - 6}" y="${y + 4}" font-size="10" text-anchor="end">${escapeHtml(((max * tick) / 4).toPrecision(3))}</text>`;
  }
  svg += `<text x="12" y="${top + plotHeight / 2}" font-size="10" transform="rotate(-90 12 ${top + plotHeight / 2})" text-anchor="middle">${escapeHtml(unit)}</text>`;
  groups.forEach((group, groupIndex) => {
    const x0 = left + groupIndex * groupWidth + groupWidth * 0.1;
    ARMS.forEach((arm, armIndex) => {
      const value = group.values[arm];
      if (value === undefined || !Number.isFinite(value)) return;
      const barHeight = (plotHeight * value) / max;
      const x = x0 + armIndex * barWidth;
      const y = top + plotHeight - barHeight;
      svg += `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${barHeight.toFixed(1)}" fill="${COLOURS[arm]}"><title>${escapeHtml(`${arm}: ${value.toPrecision(4)} ${unit}`)}</title></rect>`;
    });
    svg += `<text x="${(x0 + (barWidth * ARMS.length) / 2).toFixed(1)}" y="${height - bottom + 16}" font-size="11" text-anchor="middle">${escapeHtml(group.label)}</text>`;
  });
  ARMS.forEach((arm, index) => {
    const x = left + index * 120;
    svg += `<rect x="${x}" y="${height - 14}" width="10" height="10" fill="${COLOURS[arm]}"/><text x="${x + 14}" y="${height - 5}" font-size="11">${arm}</text>`;
  });
  return `${svg}</svg>`;
}

export function htmlReport(report: BenchReport): string {
  const fixedRates = rates(report).filter((rate): rate is number => rate !== 'saturation');
  const byRate = (pick: (result: ArmResult) => number) =>
    fixedRates.map((rate) => ({
      label: `${rate} rps`,
      values: Object.fromEntries(ARMS.map((arm) => [arm, find(report, arm, rate) ? pick(find(report, arm, rate)!) : NaN])),
    }));
  const saturation = (pick: (result: ArmResult) => number) => [
    { label: 'saturation', values: Object.fromEntries(ARMS.map((arm) => [arm, find(report, arm, 'saturation') ? pick(find(report, arm, 'saturation')!) : NaN])) },
  ];
  const table = markdownTable(report)
    .split('\n')
    .filter((line) => line.startsWith('|') && !line.startsWith('|---'))
    .map((line) => {
      const cells = line.split('|').slice(1, -1).map((cell) => escapeHtml(cell.trim()));
      return `<tr>${cells.map((cell) => `<td>${cell}</td>`).join('')}</tr>`;
    })
    .join('\n');
  const charts = [
    barChart('p50 latency from intended send time', 'ms', byRate((result) => result.p50)),
    barChart('p99 latency from intended send time', 'ms', byRate((result) => result.p99)),
    barChart('CPU per request of the process under test', 'µs', [...byRate((result) => result.cpuMicrosPerRequest), ...saturation((result) => result.cpuMicrosPerRequest)]),
    barChart('Closed-loop saturation throughput', 'requests/s', saturation((result) => result.rps)),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Fortitude gateway benchmark</title>
<style>body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;color:#222}table{border-collapse:collapse;font-size:13px}td{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,td:nth-child(2){text-align:left}svg{display:block;margin:1.5em 0}</style>
</head><body>
<h1>Fortitude gateway benchmark</h1>
<p>${escapeHtml(report.startedAt)} · ${escapeHtml(report.machine)} · upstream: ${escapeHtml(report.upstream)} · ${escapeHtml(report.runtime)} · servers pinned: ${report.pinned ? 'yes' : 'no'}</p>
<p><code>${escapeHtml(report.command)}</code></p>
<p>The same OpenAI chat request (non-stream) sent straight to the upstream, through a bare undici proxy, and through Fortitude's HTTP server. Open-loop latencies are measured from each request's intended send time. CPU is the process under test's user+system time from /proc.</p>
<table>${table}</table>
${charts.join('\n')}
</body></html>
`;
}
