import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CostsSource } from '../../pipeline/budget/analysis/cost-analysis.js';
import { costReportRows } from '../../pipeline/budget/analysis/cost-analysis.js';
import { renderCostReport } from '../../pipeline/budget/analysis/render.js';

const DAY_MS = 86_400_000;
const CHECK_INTERVAL_MS = 3_600_000;

export interface DailyCostReportOptions {
  /** Where `costs-YYYY-MM-DD.csv` files go (`<data_dir>/reports`). */
  dir: string;
  /** Providers whose `cost_tracking.daily_reports` is on: the report lists their rows only. */
  providers: readonly string[];
}

/**
 * `cost_tracking.daily_reports`: after each UTC day, the day's `fortitude costs report --format
 * csv` (for the providers that asked for it) is written to `<dir>/costs-<day>.csv`. Checked on
 * start and hourly; a day's file is written once (exclusive create), so several workers and
 * restarts never write it twice, and a server that was down at midnight catches up on start.
 */
export function startDailyCostReports(
  options: DailyCostReportOptions,
  deps: { requests: CostsSource; now?: () => number; onError?: (error: unknown) => void; onWritten?: (path: string) => void },
): { ready: Promise<void>; close(): void } {
  const now = deps.now ?? Date.now;
  const wanted = new Set(options.providers);
  const writeYesterday = async () => {
    const dayEnd = Math.floor(now() / DAY_MS) * DAY_MS;
    const day = new Date(dayEnd - DAY_MS).toISOString().slice(0, 10);
    const path = join(options.dir, `costs-${day}.csv`);
    const rows = (await costReportRows({ requests: deps.requests, now: () => dayEnd }, { timeRange: '1d' })).filter((row) => wanted.has(row.provider));
    mkdirSync(options.dir, { recursive: true });
    try {
      writeFileSync(path, renderCostReport(rows, 'csv'), { flag: 'wx' });
      deps.onWritten?.(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  };
  const run = () => writeYesterday().catch((error: unknown) => deps.onError?.(error));
  const ready = run();
  const timer = setInterval(() => void run(), CHECK_INTERVAL_MS).unref();
  return { ready, close: () => clearInterval(timer) };
}
