import { describe, expect, it } from 'vitest';
import type { Storage } from '../infrastructure/storage/storage.js';
import type { CostSummaryRow } from '../infrastructure/storage/repositories/provider-requests.js';
import { createOperatorReports } from './operator-reports.js';
import type { PriceResolver } from './budget/price-resolver.js';
import type { Router } from './routing/router.js';

/** Two group sums as SQLite returns them: floating-point noise in the last digits. */
const ROWS = [
  { provider: 'gemini', model: 'gemini-2.0-flash', user: null, researchType: 'learning', requests: 2, errors: 0, cachedRequests: 0, inputTokens: 900, outputTokens: 500, costUsd: 0.00019860000000000003 },
  { provider: 'openai', model: 'gpt-4', user: 'ci', researchType: 'decision', requests: 1, errors: 0, cachedRequests: 0, inputTokens: 524, outputTokens: 360, costUsd: 0.03732 },
] as unknown as CostSummaryRow[];
const TOTAL = { requests: 3, errors: 0, cachedRequests: 0, inputTokens: 1424, outputTokens: 860, costUsd: 0.1 + 0.2 } as unknown as CostSummaryRow;

function reports() {
    const costSummary = (query: { groupBy?: string[] }) => Promise.resolve(query.groupBy?.length ? ROWS : [TOTAL]);
  const storage = { providerRequests: { costSummary, dailyUsage: () => Promise.resolve([]) } } as unknown as Storage;
  return createOperatorReports(
    { criteria: {} as never, qualityThreshold: 0.8, latencyThresholdMs: 5000 },
    { storage, router: {} as Pick<Router, 'applyChanges' | 'learningStatus'>, prices: {} as PriceResolver },
  );
}

describe('costs report', () => {
  it('writes USD amounts rounded for output in CSV and JSON', async () => {
    const csv = await reports().costsReport({ timeRange: '30d', format: 'csv' });
    expect(csv.split('\n')[1]).toBe('gemini,gemini-2.0-flash,(none),learning,2,0,0,900,500,0.0001986');
    expect(csv).not.toContain('00000000');
    const json = JSON.parse(await reports().costsReport({ timeRange: '30d', format: 'json' })) as { costUsd: number }[];
    expect(json.map((row) => row.costUsd)).toEqual([0.0001986, 0.03732]);
    expect(ROWS[0]!.costUsd).toBe(0.00019860000000000003); // the data itself is untouched
  });

  it('costs analyze JSON: totals and breakdown rows rounded for output', async () => {
    const text = await reports().costsAnalyze({ timeRange: '30d', breakdown: 'provider', format: 'json' });
    const analysis = JSON.parse(text) as { totals: { costUsd: number }; breakdowns: { rows: { costUsd: number }[] }[] };
    expect(analysis.totals.costUsd).toBe(0.3);
    expect(analysis.breakdowns[0]!.rows.map((row) => row.costUsd)).toEqual([0.0001986, 0.03732]);
    expect(text).not.toMatch(/Usd": \d*\.\d*(0{6}|9{6})\d/); // no USD amount with a floating-point tail
  });
});
