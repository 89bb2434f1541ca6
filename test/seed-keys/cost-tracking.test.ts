/**
 * Issue 20, `cost_management.providers.<name>.cost_tracking`: `track_per_query_type: false` keeps
 * the research type out of that provider's `provider_requests` rows (so `costs analyze
 * --breakdown query_type` cannot split it) while other providers keep it; `daily_reports: true`
 * writes the finished day's cost report to `<data_dir>/reports/costs-<day>.csv` on start (and
 * after each UTC midnight).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { spawnServer } from '../observability/spawn-server.js';
import { NO_HEDGING, configDir as writeConfig, readDatabase, researchOk } from './seed-server.js';

const YESTERDAY = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000).toISOString().slice(0, 10);

function configDir(tracking: string): string {
  return writeConfig('tracking', ['cost_management:', '  providers:', `    openai: { cost_tracking: ${tracking} }`, ...NO_HEDGING]);
}

async function research(url: string, provider: string): Promise<void> {
  await researchOk(url, { query: `How do I fix a flaky integration test on ${provider}?`, type: 'troubleshooting', provider, quality_threshold: 0 });
}

it('track_per_query_type: false drops the research type from that provider rows only; daily_reports writes the day report', async () => {
  const cwd = configDir('{ track_per_query_type: false, daily_reports: true }');
  const server = await spawnServer({ cwd });
  try {
    await research(server.url, 'openai');
    await research(server.url, 'claude');
  } finally {
    await server.close();
  }
  const rows = readDatabase(cwd, (database) => database.prepare("SELECT provider, research_type FROM provider_requests WHERE status = 'ok' ORDER BY provider").all());
  expect(rows).toEqual([
    { provider: 'claude', research_type: 'troubleshooting' },
    { provider: 'openai', research_type: null },
  ]);
  const report = join(cwd, '.fortitude', 'reports', `costs-${YESTERDAY}.csv`);
  expect(readFileSync(report, 'utf8').split('\n')[0]).toBe('provider,model,user,research_type,requests,errors,cached_requests,input_tokens,output_tokens,cost_usd');
}, 120_000);

it('by default the rows keep the research type and no report is written', async () => {
  const cwd = configDir('{}');
  const server = await spawnServer({ cwd });
  try {
    await research(server.url, 'openai');
  } finally {
    await server.close();
  }
  expect(readDatabase(cwd, (database) => database.prepare("SELECT research_type FROM provider_requests WHERE status = 'ok'").all())).toEqual([{ research_type: 'troubleshooting' }]);
  expect(existsSync(join(cwd, '.fortitude', 'reports'))).toBe(false);
}, 120_000);
