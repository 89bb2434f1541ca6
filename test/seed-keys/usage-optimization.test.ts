/**
 * Issue 20, `cost_management.providers.<name>.usage_optimization`: `max_requests_per_day` caps
 * what the provider receives across every worker and across a restart (counted in the machine's
 * shared state, as the budget is); `prefer_for_simple_queries` puts the provider first for a
 * short single question. Which provider answered is read from the `provider_requests` rows the
 * server recorded.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { spawnServer } from '../observability/spawn-server.js';

function configDir(usage: string[]): string {
  const cwd = mkdtempSync(join(tmpdir(), 'fortitude-usage-'));
  writeFileSync(
    join(cwd, 'fortitude.yaml'),
    [
      'selection_strategy:',
      '  type: fixed_order',
      '  order: [openai, claude, gemini]',
      'cost_management:',
      '  providers:',
      '    gemini:',
      '      usage_optimization:',
      ...usage.map((line) => `        ${line}`),
      // No hedged second try beside a slow one: each request reaches exactly one provider.
      'providers:',
      '  openai: { hedge_after: 30s }',
      '  claude: { hedge_after: 30s }',
      '  gemini: { hedge_after: 30s }',
      '',
    ].join('\n'),
  );
  return cwd;
}

async function research(url: string, body: Record<string, unknown>): Promise<{ status: number; provider?: string }> {
  // quality_threshold 0: one provider call per request (no retry elsewhere for a low score).
  const response = await fetch(`${url}/api/research`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ quality_threshold: 0, ...body }) });
  const json = (await response.json()) as { provider?: string };
  return { status: response.status, provider: json.provider };
}

/** Per provider: requests it received (answered or failed there) and tries refused by its daily quota. */
function requestsTo(cwd: string, provider: string): { received: number; refusedByQuota: number } {
  const database = new Database(join(cwd, '.fortitude', 'fortitude.db'), { readonly: true });
  try {
    const count = (where: string) => (database.prepare(`SELECT COUNT(*) AS n FROM provider_requests WHERE provider = ? AND ${where}`).get(provider) as { n: number }).n;
    return { received: count("(status = 'ok' OR error_class IS NOT 'rate_limit')"), refusedByQuota: count("error_class = 'rate_limit'") };
  } finally {
    database.close();
  }
}

const LONG = 'Compare the trade-offs of event sourcing and CRUD for an order service. Which would you pick for a team of five, and why?';

describe('usage_optimization', () => {
  it('max_requests_per_day: 3 — 8 requests forced to gemini over 2 workers reach it 3 times, and a restart does not reset the count', async () => {
    const cwd = configDir(['max_requests_per_day: 3']);
    let server = await spawnServer({ cwd, workers: 2 });
    const answers: { status: number; provider?: string }[] = [];
    try {
      answers.push(...(await Promise.all(Array.from({ length: 8 }, (_, index) => research(server.url, { query: `${LONG} (case ${index})`, provider: 'gemini' })))));
    } finally {
      await server.close();
    }
    // Every request is answered: the refused ones fall back to another provider.
    expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(200));
    expect(answers.filter((answer) => answer.provider === 'gemini')).toHaveLength(3);
    expect(requestsTo(cwd, 'gemini')).toEqual({ received: 3, refusedByQuota: 5 });

    server = await spawnServer({ cwd });
    try {
      const after = await research(server.url, { query: `${LONG} (after restart)`, provider: 'gemini' });
      expect(after.status).toBe(200);
      expect(after.provider).not.toBe('gemini');
    } finally {
      await server.close();
    }
    expect(requestsTo(cwd, 'gemini')).toEqual({ received: 3, refusedByQuota: 6 });
  }, 180_000);

  it('prefer_for_simple_queries: simple questions go to gemini, a long multi-part query keeps the configured order', async () => {
    const cwd = configDir(['prefer_for_simple_queries: true']);
    const server = await spawnServer({ cwd });
    try {
      const simple = [];
      for (const query of ['What is the capital of France?', 'define idempotency', 'Who wrote Hamlet?']) simple.push(await research(server.url, { query }));
      expect(simple.map((answer) => answer.provider)).toEqual(['gemini', 'gemini', 'gemini']);
      const long = await research(server.url, { query: LONG });
      expect(long).toEqual({ status: 200, provider: 'openai' });
    } finally {
      await server.close();
    }
  }, 120_000);
});
