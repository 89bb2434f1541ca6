import { describe, expect, it } from 'vitest';
import { proposeDatabaseQueries, proposeResourceAllocation } from './resource-rules.js';
import { provider, steady, windowOf } from '../../../test/support/optimizer-window-fixture.js';

const AT = 1_700_000_000_000;

describe('resource allocation rule', () => {
  const queued = (waitMs: number, providers = { alpha: provider({ calls: 100, p95: 50 }) }) =>
    windowOf(AT, { providers, concurrency: { inFlight: 40, queueWait: steady(200, waitMs / 1.2) } });

  it('raises the API limit when requests queue behind healthy providers, safely only under a ceiling', () => {
    const [open] = proposeResourceAllocation(queued(200), { concurrency: { api: 40 } }, new Set());
    expect(open).toMatchObject({ key: 'resource_allocation:concurrency:api', safe: false, change: { scope: 'api', limit: 50 }, target: { name: 'queue_wait_p95', direction: 'decrease' } });
    const [capped] = proposeResourceAllocation(queued(200), { concurrency: { api: 40 } }, new Set(), { maxLimits: { api: 45 } });
    expect(capped).toMatchObject({ safe: true, change: { limit: 45 } });
    expect(capped!.confidence).toBeGreaterThan(0.9);
    expect(proposeResourceAllocation(queued(20), { concurrency: { api: 40 } }, new Set())).toEqual([]);
  });

  it('lowers the concurrency toward a provider that keeps rate-limiting, not the API limit', () => {
    const throttled = { alpha: provider({ calls: 200, rateLimited: 30, p95: 50 }) };
    const proposals = proposeResourceAllocation(queued(200, throttled), { concurrency: { api: 40, alpha: 15 } }, new Set());
    expect(proposals).toHaveLength(1);
    expect(proposals[0]).toMatchObject({ key: 'resource_allocation:concurrency:alpha', safe: true, change: { scope: 'alpha', limit: 11 }, target: { name: 'provider_rate_limited_ratio', subject: 'alpha' } });
    expect(proposals[0]!.confidence).toBeGreaterThan(0.99);
  });
});

describe('database queries rule', () => {
  it('suggests slow queries and never marks them safe', () => {
    const window = windowOf(AT, { database: { queries: [ { name: 'feedback_by_user', calls: 80, p95Ms: 240 }, { name: 'learning_recent', calls: 80, p95Ms: 12 } ] } });
    const proposals = proposeDatabaseQueries(window);
    expect(proposals.map((entry) => entry.key)).toEqual(['database_queries:feedback_by_user']);
    expect(proposals[0]!.safe).toBe(false);
  });
});
