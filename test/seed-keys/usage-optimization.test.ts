/**
 * Issue 20, `cost_management.providers.<name>.usage_optimization`: `max_requests_per_day` caps
 * what the provider receives across every worker and across a restart (counted in the machine's
 * shared state, as the budget is); `prefer_for_simple_queries` puts the provider first for a
 * short single question. Which provider answered is read from the `provider_requests` rows the
 * server recorded.
 */
import { describe, expect, it } from 'vitest';
import { spawnServer } from '../observability/spawn-server.js';
import { FIXED_ORDER, NO_HEDGING, configDir as writeConfig, countRequests, research as post } from './seed-server.js';

function configDir(usage: string[]): string {
  return writeConfig('usage', [...FIXED_ORDER, 'cost_management:', '  providers:', '    gemini:', '      usage_optimization:', ...usage.map((line) => `        ${line}`), ...NO_HEDGING]);
}

/** quality_threshold 0: one provider call per request (no retry elsewhere for a low score). */
function research(url: string, body: Record<string, unknown>): Promise<{ status: number; provider?: string }> {
  return post(url, { quality_threshold: 0, ...body });
}

/** Per provider: requests it received (answered or failed there) and tries refused by its daily quota. */
function requestsTo(cwd: string, provider: string): { received: number; refusedByQuota: number } {
  return {
    received: countRequests(cwd, "provider = ? AND (status = 'ok' OR error_class IS NOT 'rate_limit')", provider),
    refusedByQuota: countRequests(cwd, "provider = ? AND error_class = 'rate_limit'", provider),
  };
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
