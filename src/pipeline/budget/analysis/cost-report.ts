import type { CostsSource } from './cost-analysis.js';
import { costReportRows } from './cost-analysis.js';
import type { ReportFormat } from './render.js';
import { renderCostReport } from './render.js';

/** `fortitude costs report --format csv|json|table --time-range 30d`: the rendered report text. */
export async function costReport(
  deps: { requests: CostsSource; now?: () => number },
  options: { format?: ReportFormat; timeRange?: string } = {},
): Promise<string> {
  const rows = await costReportRows(deps, options.timeRange === undefined ? {} : { timeRange: options.timeRange });
  return renderCostReport(rows, options.format ?? 'table');
}
