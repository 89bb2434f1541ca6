import Table from 'cli-table3';
import { FortitudeError } from '../../../core/errors.js';
import { roundUsd } from '../../../core/money.js';
import type { ProviderAnalysis } from '../../routing/provider-analysis.js';
import type { CostAnalysis, CostReportRow, CostTrends } from './cost-analysis.js';
import type { AppliedOptimizations, OptimizationPlan } from './optimizations.js';

export type ReportFormat = 'table' | 'csv' | 'json';

export type Cell = string | number | boolean | null | undefined;

/** A plain-text table (no colours, so it pipes cleanly). */
export function renderTable(head: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const table = new Table({ head: [...head], style: { head: [], border: [] } });
  for (const row of rows) table.push(row.map((cell) => (cell === null || cell === undefined ? '' : String(cell))));
  return table.toString();
}

/**
 * RFC 4180 CSV with a header line; fields with commas, quotes or newlines are quoted. Numbers are
 * written to 10 significant digits (`roundUsd`): a sum of prices reads `0.0001986`, not
 * `0.00019860000000000003`; counts and ordinary values are unchanged.
 */
export function renderCsv(head: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const field = (cell: Cell) => {
    const text = cell === null || cell === undefined ? '' : String(typeof cell === 'number' ? roundUsd(cell) : cell);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [head, ...rows].map((row) => row.map(field).join(',')).join('\n') + '\n';
}

/** Pretty JSON; every number under a key ending in `Usd` rounded for output (`roundUsd`), the data itself untouched. */
export function renderJson(data: unknown): string {
  return JSON.stringify(data, (key, value: unknown) => (typeof value === 'number' && key.endsWith('Usd') ? roundUsd(value) : value), 2) + '\n';
}

const usd = (value: number) => value.toFixed(4);
const percent = (value: number) => `${(value * 100).toFixed(1)} %`;

export function renderCostAnalysis(analysis: CostAnalysis, format: ReportFormat = 'table'): string {
  if (format === 'json') return renderJson(analysis);
  const head = ['breakdown', 'key', 'requests', 'errors', 'input tokens', 'output tokens', 'cost USD', 'share', 'USD / request'];
  const rows: Cell[][] = [['total', '', analysis.totals.requests, analysis.totals.errors, analysis.totals.inputTokens, analysis.totals.outputTokens, usd(analysis.totals.costUsd), '100 %', usd(analysis.totals.costPerRequestUsd)]];
  for (const breakdown of analysis.breakdowns) {
    for (const row of breakdown.rows) {
      rows.push([breakdown.name, row.key, row.requests, row.errors, row.inputTokens, row.outputTokens, usd(row.costUsd), percent(row.costShare), usd(row.costPerRequestUsd)]);
    }
  }
  if (format === 'csv') return renderCsv(head, rows);
  return `Costs over the last ${analysis.timeRange} (average ${usd(analysis.totals.averageDailyCostUsd)} USD a day over the ${analysis.totals.daysWithData} day(s) with recorded requests)\n${renderTable(head, rows)}\n`;
}

export function renderOptimizationPlan(plan: OptimizationPlan, format: ReportFormat = 'table'): string {
  if (format === 'json') return renderJson(plan);
  const head = ['research type', 'from', 'to', 'requests', 'cost USD', 'projected USD', 'savings USD', 'quality', 'quality impact', 'confidence'];
  const rows = plan.recommendations.map((entry) => [
    entry.researchType,
    `${entry.from.provider}/${entry.from.model}`,
    `${entry.to.provider}/${entry.to.model}`,
    entry.requests,
    usd(entry.currentCostUsd),
    usd(entry.projectedCostUsd),
    usd(entry.projectedSavingsUsd),
    entry.toQuality.toFixed(3),
    `${entry.qualityImpact >= 0 ? '+' : ''}${entry.qualityImpact.toFixed(3)}`,
    entry.confidence.toFixed(2),
  ]);
  if (format === 'csv') return renderCsv(head, rows);
  const summary = `Projected savings ${usd(plan.projectedSavingsUsd)} of ${usd(plan.totalCostUsd)} USD (${percent(plan.projectedReduction)}; target ${percent(plan.targetReduction)}) — ${plan.meetsTarget ? 'target met' : 'target not met'}`;
  return `${summary}\n${plan.recommendations.length === 0 ? 'No change keeps quality at the requested level.' : renderTable(head, rows)}\n`;
}

export function renderAppliedOptimizations(result: AppliedOptimizations, format: ReportFormat = 'table'): string {
  if (format === 'json') return renderJson(result);
  const head = ['change', 'research type', 'provider', 'model / instead of'];
  const rows = result.changes.map((change) =>
    change.kind === 'prefer_provider' ? ['prefer provider', change.researchType, change.provider, change.instead ?? ''] : ['use model', change.researchType ?? '*', change.provider, change.model],
  );
  if (format === 'csv') return renderCsv(head, rows);
  return `${result.applied ? 'Applied' : 'Pending approval (re-run with --auto-approve true)'}: ${result.changes.length} change(s), ${result.recorded} recorded in learning_data\n${renderTable(head, rows)}\n`;
}

export function renderCostTrends(trends: CostTrends, format: ReportFormat = 'table'): string {
  if (format === 'json') return renderJson(trends);
  const head = ['day', 'requests', 'cost USD', 'day over day', 'alert'];
  const rows = trends.days.map((day) => [day.day, day.requests, usd(day.costUsd), day.dayOverDay === undefined ? '' : `${day.dayOverDay.toFixed(2)}×`, day.alert ? 'ALERT' : '']);
  if (format === 'csv') return renderCsv(head, rows);
  const ratio = trends.periodRatio === undefined ? 'n/a' : `${trends.periodRatio.toFixed(2)}×`;
  const lines = [
    renderTable(head, rows),
    `This period ${usd(trends.currentPeriodCostUsd)} USD, previous ${usd(trends.previousPeriodCostUsd)} USD (${ratio}); projected month ${usd(trends.projectedMonthlyCostUsd)} USD`,
    ...trends.alerts.map((alert) => `ALERT ${alert}`),
  ];
  return lines.join('\n') + '\n';
}

const REPORT_HEAD = ['provider', 'model', 'user', 'research_type', 'requests', 'errors', 'cached_requests', 'input_tokens', 'output_tokens', 'cost_usd'];

/** `fortitude costs report --format csv|json|table`. */
export function renderCostReport(rows: readonly CostReportRow[], format: ReportFormat = 'table'): string {
  if (format === 'json') return renderJson(rows);
  const cells = rows.map((row) => [row.provider, row.model, row.user, row.researchType, row.requests, row.errors, row.cachedRequests, row.inputTokens, row.outputTokens, format === 'csv' ? row.costUsd : usd(row.costUsd)]);
  return format === 'csv' ? renderCsv(REPORT_HEAD, cells) : renderTable(REPORT_HEAD, cells) + '\n';
}

export function renderProviderAnalysis(analysis: ProviderAnalysis, format: ReportFormat = 'table'): string {
  if (format === 'json') return renderJson(analysis);
  const head = ['rank', 'provider', 'score', 'requests', 'availability', 'p50 ms', 'p95 ms', 'USD / request', 'quality'];
  const rows = analysis.providers.map((row) => [
    row.rank,
    row.provider,
    row.score.toFixed(3),
    row.requests,
    percent(row.availability),
    Math.round(row.latencyP50Ms),
    Math.round(row.latencyP95Ms),
    row.costPerRequestUsd.toFixed(5),
    row.quality === undefined ? '—' : row.quality.toFixed(3),
  ]);
  if (format === 'csv') return renderCsv(head, rows);
  return [renderTable(head, rows), ...analysis.notes.map((note) => `note: ${note}`)].join('\n') + '\n';
}

/** Convenience for `costs report`: the format name from the CLI, checked. */
export function parseFormat(format: string): ReportFormat {
  if (format === 'table' || format === 'csv' || format === 'json') return format;
  throw new FortitudeError('bad_request', `unknown format "${format}" (use table, csv or json)`);
}
