import { FortitudeError } from '../../../core/errors.js';
import type { CostDimension, CostSummaryRow, DailyUsage, ProviderRequestsRepository, UsageTotals } from '../../../infrastructure/storage/repositories/provider-requests.js';
import { windowFor } from './time-range.js';

export type CostsSource = Pick<ProviderRequestsRepository, 'costSummary' | 'dailyUsage'>;

/** CLI breakdown names → repository dimensions (`query_type` is the seed's name for research type). */
export const BREAKDOWNS: Readonly<Record<string, CostDimension>> = {
  provider: 'provider',
  model: 'model',
  user: 'user',
  query_type: 'researchType',
  research_type: 'researchType',
};

export interface BreakdownRow extends UsageTotals {
  /** The provider / model / user / research type; `(none)` when not recorded. */
  key: string;
  /** Share of the window's total cost, 0–1. */
  costShare: number;
  costPerRequestUsd: number;
}

export interface CostAnalysis {
  window: { from: number; to: number };
  timeRange: string;
  /** `averageDailyCostUsd` = cost ÷ `daysWithData` (UTC days with at least one recorded request), not ÷ the range's length. */
  totals: UsageTotals & { costPerRequestUsd: number; averageDailyCostUsd: number; daysWithData: number };
  breakdowns: { name: string; rows: BreakdownRow[] }[];
  daily: DailyUsage[];
}

export function parseBreakdown(breakdown: string | readonly string[]): string[] {
  const names = (typeof breakdown === 'string' ? breakdown.split(',') : [...breakdown]).map((name) => name.trim()).filter((name) => name !== '');
  for (const name of names) {
    if (!(name in BREAKDOWNS)) throw new FortitudeError('bad_request', `unknown breakdown "${name}" (use ${Object.keys(BREAKDOWNS).join(', ')})`);
  }
  return names;
}

const perRequest = (totals: UsageTotals) => (totals.requests > 0 ? totals.costUsd / totals.requests : 0);

/** `fortitude costs analyze --time-range 30d --breakdown provider,user,query_type`. */
export async function analyzeCosts(
  deps: { requests: CostsSource; now?: () => number },
  options: { timeRange?: string; breakdown?: string | readonly string[] } = {},
): Promise<CostAnalysis> {
  const timeRange = options.timeRange ?? '30d';
  const window = windowFor(timeRange, (deps.now ?? Date.now)());
  const names = parseBreakdown(options.breakdown ?? 'provider');
  const [total] = await deps.requests.costSummary({ ...window, groupBy: [] });
  const totals = total ?? { requests: 0, errors: 0, cachedRequests: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
  const daily = await deps.requests.dailyUsage(window);
  // A 30-day range over a week-old install averages over the 7 days with requests, not 30.
  const daysWithData = daily.filter((day) => day.requests > 0).length;
  const breakdowns = await Promise.all(
    names.map(async (name) => {
      const dimension = BREAKDOWNS[name]!;
      const rows = await deps.requests.costSummary({ ...window, groupBy: [dimension] });
      return {
        name,
        rows: rows.map((row) => ({
          ...totalsOf(row),
          key: row[dimension] ?? '(none)',
          costShare: totals.costUsd > 0 ? row.costUsd / totals.costUsd : 0,
          costPerRequestUsd: perRequest(row),
        })),
      };
    }),
  );
  return { window, timeRange, totals: { ...totals, costPerRequestUsd: perRequest(totals), averageDailyCostUsd: daysWithData > 0 ? totals.costUsd / daysWithData : 0, daysWithData }, breakdowns, daily };
}

function totalsOf(row: CostSummaryRow): UsageTotals {
  return { requests: row.requests, errors: row.errors, cachedRequests: row.cachedRequests, inputTokens: row.inputTokens, outputTokens: row.outputTokens, costUsd: row.costUsd };
}

export interface TrendDay {
  day: string;
  costUsd: number;
  requests: number;
  /** Cost divided by the previous day's; undefined for the first day or after a free day. */
  dayOverDay?: number;
  alert: boolean;
}

export interface CostTrends {
  window: { from: number; to: number };
  alertThreshold: number;
  days: TrendDay[];
  currentPeriodCostUsd: number;
  previousPeriodCostUsd: number;
  /** Current period ÷ the equally long period before it; undefined when the previous one cost nothing. */
  periodRatio?: number;
  /** Average daily cost of the window × 30. */
  projectedMonthlyCostUsd: number;
  alerts: string[];
}

/** `fortitude costs trends --time-range 7d --alert-threshold 1.2`: day-over-day and period-over-period ratios. */
export async function costTrends(
  deps: { requests: CostsSource; now?: () => number },
  options: { timeRange?: string; alertThreshold?: number } = {},
): Promise<CostTrends> {
  const alertThreshold = options.alertThreshold ?? 1.2;
  const window = windowFor(options.timeRange ?? '7d', (deps.now ?? Date.now)());
  const length = window.to - window.from;
  const usage = await deps.requests.dailyUsage(window);
  const byDay = new Map(usage.map((entry) => [entry.day, entry]));
  const days: TrendDay[] = [];
  let previous: number | undefined;
  // Every UTC day the window touches, free days included (a gap is a trend too).
  for (let at = Date.UTC(...utcDay(window.from)); at < window.to; at += 86_400_000) {
    const day = new Date(at).toISOString().slice(0, 10);
    const entry = byDay.get(day);
    const costUsd = entry?.costUsd ?? 0;
    const ratio = previous !== undefined && previous > 0 ? costUsd / previous : undefined;
    days.push({ day, costUsd, requests: entry?.requests ?? 0, ...(ratio === undefined ? {} : { dayOverDay: ratio }), alert: ratio !== undefined && ratio >= alertThreshold });
    previous = costUsd;
  }
  const [current] = await deps.requests.costSummary({ ...window, groupBy: [] });
  const [before] = await deps.requests.costSummary({ from: window.from - length, to: window.from, groupBy: [] });
  const currentPeriodCostUsd = current?.costUsd ?? 0;
  const previousPeriodCostUsd = before?.costUsd ?? 0;
  const periodRatio = previousPeriodCostUsd > 0 ? currentPeriodCostUsd / previousPeriodCostUsd : undefined;
  const alerts = days.filter((day) => day.alert).map((day) => `${day.day}: cost ${day.dayOverDay!.toFixed(2)}× the day before (threshold ${alertThreshold})`);
  if (periodRatio !== undefined && periodRatio >= alertThreshold) alerts.push(`period cost ${periodRatio.toFixed(2)}× the previous period (threshold ${alertThreshold})`);
  return {
    window,
    alertThreshold,
    days,
    currentPeriodCostUsd,
    previousPeriodCostUsd,
    ...(periodRatio === undefined ? {} : { periodRatio }),
    projectedMonthlyCostUsd: (currentPeriodCostUsd / Math.max(1, length / 86_400_000)) * 30,
    alerts,
  };
}

function utcDay(ms: number): [number, number, number] {
  const date = new Date(ms);
  return [date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()];
}

export interface CostReportRow extends UsageTotals {
  provider: string;
  model: string;
  user: string;
  researchType: string;
}

/** The rows of `fortitude costs report`: one per provider × model × user × research type, most expensive first. */
export async function costReportRows(deps: { requests: CostsSource; now?: () => number }, options: { timeRange?: string } = {}): Promise<CostReportRow[]> {
  const window = windowFor(options.timeRange ?? '30d', (deps.now ?? Date.now)());
  const rows = await deps.requests.costSummary({ ...window, groupBy: ['provider', 'model', 'user', 'researchType'] });
  return rows.map((row) => ({
    ...totalsOf(row),
    provider: row.provider ?? '(none)',
    model: row.model ?? '(none)',
    user: row.user ?? '(none)',
    researchType: row.researchType ?? '(none)',
  }));
}
