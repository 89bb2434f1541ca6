import type { PerformanceReport } from './performance-report.js';
import { barChart, lineChart, scatterChart } from './svg-charts.js';
import { escapeXml as e } from './svg-text.js';

/** The performance report as one self-contained HTML file with inline SVG charts (no script). */

const ms = (value: number | null | undefined) => (value === null || value === undefined ? '—' : `${value.toFixed(value < 10 ? 2 : 0)} ms`);
const pct = (value: number | null | undefined) => (value === null || value === undefined ? '—' : `${(value * 100).toFixed(2)}%`);
const usd = (value: number | null | undefined) => (value === null || value === undefined ? '—' : `$${value.toFixed(value < 0.01 ? 6 : 4)}`);
const value = (number: number | null) => (number === null ? '—' : String(Number(number.toPrecision(4))));
const time = (at: number) => new Date(at).toISOString().replace('T', ' ').slice(0, 19);

function table(head: string[], rows: string[][]): string {
  if (rows.length === 0) return '<p class="empty">none</p>';
  return `<table><thead><tr>${head.map((cell) => `<th>${e(cell)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((row) => `<tr>${row.map((cell) => `<td>${cell}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:24px auto;max-width:1320px;color:#1f2937;padding:0 16px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}th,td{border:1px solid #e5e7eb;padding:4px 8px;text-align:left}th{background:#f9fafb}
.ok{color:#047857;font-weight:600}.breach{color:#b91c1c;font-weight:600}.no_data{color:#6b7280}
.high{color:#b91c1c}.medium{color:#b45309}.low{color:#2563eb}.charts{display:flex;flex-wrap:wrap;gap:16px}
.chart{border:1px solid #e5e7eb;border-radius:6px;background:#fff}.meta{color:#4b5563;font-size:13px}.empty{color:#6b7280}`;

export function renderReportHtml(report: PerformanceReport): string {
  const analysis = report.analysis;
  const timeline = report.window.timeline;
  const sla = analysis.sla;
  const apiP95Target = sla.find((check) => check.metric === 'p95(api_response_time)')?.targetValue ?? null;
  const providers = analysis.sections.providers ?? [];
  const charts = [
    lineChart({
      title: 'API response time percentiles',
      yUnit: 'ms',
      series: [
        { name: 'p50', points: timeline.map((point) => [point.t, point.p50]) },
        { name: 'p95', points: timeline.map((point) => [point.t, point.p95]) },
        { name: 'p99', points: timeline.map((point) => [point.t, point.p99]) },
        ...(apiP95Target !== null && timeline.length > 0
          ? [{ name: 'p95 target', dashed: true, colour: '#9ca3af', points: [[timeline[0]!.t, apiP95Target], [timeline[timeline.length - 1]!.t, apiP95Target]] as [number, number][] }]
          : []),
      ],
    }),
    lineChart({
      title: 'Error rate',
      yUnit: '%',
      series: [{ name: 'server errors / requests', colour: '#dc2626', points: timeline.map((point) => [point.t, point.requests > 0 ? (point.errors / point.requests) * 100 : null]) }],
    }),
    lineChart({
      title: 'Requests per bucket',
      series: [{ name: `requests per ${Math.round(report.window.bucketMs / 1000)} s`, points: timeline.map((point) => [point.t, point.requests]) }],
    }),
    barChart({
      title: 'Provider response time (window)',
      yUnit: 'ms',
      categories: providers.map((row) => row.name),
      series: [
        { name: 'p50', values: providers.map((row) => row.latency.p50) },
        { name: 'p95', values: providers.map((row) => row.latency.p95) },
        { name: 'p99', values: providers.map((row) => row.latency.p99) },
      ],
    }),
    barChart({
      title: 'Cost per request by provider',
      yUnit: 'USD',
      yFormat: (value) => value.toPrecision(2),
      categories: providers.map((row) => row.name),
      series: [{ name: 'USD per call', values: providers.map((row) => row.costPerRequest) }],
    }),
    scatterChart({
      title: 'Quality vs cost',
      xLabel: 'USD per request',
      yLabel: 'quality',
      yMax: 1,
      xFormat: (value) => value.toPrecision(2),
      points: providers.flatMap((row) => (row.costPerRequest !== null && row.quality !== null ? [{ label: row.name, x: row.costPerRequest, y: row.quality }] : [])),
    }),
    barChart({
      title: 'Recorded spend per day',
      yUnit: 'USD',
      yFormat: (value) => value.toPrecision(2),
      categories: report.recorded.daily.map((day) => day.day.slice(5)),
      series: [{ name: 'USD', values: report.recorded.daily.map((day) => day.costUsd) }],
    }),
  ];

  const slaRows = sla.map((check) => [
    e(check.metric),
    e(check.target),
    check.unit === 'ms' ? ms(check.observed) : pct(check.observed),
    `<span class="${check.status}">${check.status.replace('_', ' ')}</span>`,
    String(check.samples),
  ]);
  const providerRows = providers.map((row) => [
    e(row.name),
    String(row.calls),
    pct(row.successRate),
    ms(row.latency.p50),
    ms(row.latency.p95),
    ms(row.latency.p99),
    row.recorded ? `${ms(row.recorded.p95)} (${row.recorded.count})` : '—',
    usd(row.costPerRequest),
    row.quality === null ? '—' : row.quality.toFixed(3),
    e(row.circuit),
  ]);
  const decisionRows = report.optimizer.decisions.map((decision) => [
    time(decision.at),
    e(decision.outcome ?? 'pending'),
    e(decision.description ?? decision.subject),
    decision.confidence.toFixed(2),
    e(decision.reason ?? ''),
    decision.metric ? `${e(decision.metric)}: ${decision.before ?? '—'} → ${decision.after ?? '—'}` : '',
  ]);
  const alerts = report.alerts;

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Fortitude performance report</title><style>${STYLE}</style></head><body>
<h1>Fortitude performance report</h1>
<p class="meta">Generated ${time(report.generatedAt)} UTC · range ${time(report.range.from)} – ${time(report.range.to)} · live window ${Math.round(report.window.spanMs / 1000)} s in ${Math.round(report.window.bucketMs / 1000)} s buckets · ${report.window.processes} process(es) · ${analysis.traffic.requests} API requests, ${analysis.traffic.providerCalls} provider calls in the window</p>
${analysis.notes.map((note) => `<p class="meta">Note: ${e(note)}</p>`).join('')}
<h2>SLA</h2>${table(['metric', 'target', 'observed', 'status', 'samples'], slaRows)}
<h2>Charts</h2><div class="charts">${charts.join('')}</div>
<h2>Bottlenecks and recommendations</h2>${table(
    ['severity', 'component', 'finding', 'recommendation'],
    analysis.bottlenecks.map((bottleneck) => [`<span class="${bottleneck.severity}">${bottleneck.severity}</span>`, e(bottleneck.component), e(bottleneck.finding), e(bottleneck.recommendation)]),
  )}
<h2>Cost optimization opportunities</h2>${table(
    ['from', 'to', 'cost/request', 'quality', 'saving per 1,000', 'saving in window'],
    analysis.costOpportunities.map((opportunity) => [
      e(opportunity.from),
      e(opportunity.to),
      `${usd(opportunity.fromCostPerRequest)} → ${usd(opportunity.toCostPerRequest)}`,
      `${opportunity.fromQuality?.toFixed(2) ?? '—'} → ${opportunity.toQuality?.toFixed(2) ?? '—'}`,
      usd(opportunity.savingPer1000Usd),
      usd(opportunity.windowSavingUsd),
    ]),
  )}
<h2>Providers</h2>${table(['provider', 'calls', 'success', 'p50', 'p95', 'p99', 'recorded p95 (n)', 'cost/request', 'quality', 'circuit'], providerRows)}
<h2>Recorded usage (${time(report.range.from)} – ${time(report.range.to)})</h2>${table(
    ['provider', 'requests', 'errors', 'cached', 'input tokens', 'output tokens', 'cost'],
    report.recorded.costByProvider.map((row) => [e(row.provider ?? '—'), String(row.requests), String(row.errors), String(row.cachedRequests), String(row.inputTokens), String(row.outputTokens), usd(row.costUsd)]),
  )}
<h2>Optimizer decisions (${report.optimizer.decisions.length})</h2>${table(['at', 'outcome', 'change', 'confidence', 'reason', 'metric before → after'], decisionRows)}
<h2>Alerts</h2>${
    alerts === null
      ? '<p class="empty">this server runs no alert engine</p>'
      : `<h3>Active</h3>${table(
          ['name', 'state', 'severity', 'condition', 'value', 'since'],
          alerts.active.map((alert) => [e(alert.name), e(alert.state), `<span class="${alert.severity === 'critical' ? 'high' : 'medium'}">${e(alert.severity)}</span>`, e(alert.condition), value(alert.value), time(alert.since)]),
        )}<h3>History</h3>${table(
          ['at', 'alert', 'from → to', 'value', 'threshold'],
          alerts.history.map((transition) => [time(transition.at), e(transition.name), `${e(transition.from)} → ${e(transition.to)}`, value(transition.value), String(transition.threshold)]),
        )}`
  }
</body></html>
`;
}
