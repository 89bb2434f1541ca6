import type { Optimization, OptimizerSettings } from './optimization.js';
import type { OptimizerWindow } from './optimizer-window.js';
import { binomialTail, evidence } from './statistics.js';

/**
 * ResourceAllocation: more API concurrency when requests queue while providers are healthy,
 * less concurrency toward a provider that keeps rate-limiting us. DatabaseQueries: slow queries
 * are suggested to an operator, never changed automatically.
 */

export interface ResourceRuleOptions {
  /** Queue wait p95 above which the API limit is a bottleneck (default 50 ms). */
  queueWaitHighMs?: number;
  /** Fewest queued requests in a window before it is judged (default 20). */
  minQueued?: number;
  /** Relative step of a limit change (default 0.25). */
  step?: number;
  /** Ceiling per scope (`api`, provider names); raising a limit without one is never safe. */
  maxLimits?: Record<string, number>;
  /** Share of a provider's calls rate-limited above which its concurrency is lowered (default 0.05). */
  rateLimitedHigh?: number;
  minCalls?: number;
  /** Database query p95 worth a suggestion (default 100 ms). */
  slowQueryMs?: number;
}

/** Under normal operation, the share of calls a provider rate-limits. */
const NORMAL_RATE_LIMITED = 0.01;

export function proposeResourceAllocation(window: OptimizerWindow, settings: OptimizerSettings, active: ReadonlySet<string>, options: ResourceRuleOptions = {}): Optimization[] {
  const queueWaitHighMs = options.queueWaitHighMs ?? 50;
  const minQueued = options.minQueued ?? 20;
  const step = options.step ?? 0.25;
  const rateLimitedHigh = options.rateLimitedHigh ?? 0.05;
  const minCalls = options.minCalls ?? 20;
  const limits = settings.concurrency ?? {};
  const proposals: Optimization[] = [];
  const providers = Object.entries(window.providers).sort(([a], [b]) => a.localeCompare(b));

  const wait = window.concurrency?.queueWait;
  const apiLimit = limits.api;
  const anyThrottled = providers.some(([, entry]) => entry.calls > 0 && entry.rateLimited / entry.calls > rateLimitedHigh);
  const apiKey = 'resource_allocation:concurrency:api';
  if (wait && wait.p95 !== null && wait.p95 > queueWaitHighMs && wait.count >= minQueued && apiLimit !== undefined && !anyThrottled && !active.has(apiKey)) {
    const errorRate = window.api.errorRate ?? 0;
    const ceiling = options.maxLimits?.api;
    const raised = Math.max(apiLimit + 1, Math.ceil(apiLimit * (1 + step)));
    const limit = ceiling === undefined ? raised : Math.min(ceiling, raised);
    if (limit > apiLimit) {
      proposals.push({
        type: 'resource_allocation',
        key: apiKey,
        description: `Raise the API concurrency limit from ${apiLimit} to ${limit} (queue wait p95 ${Math.round(wait.p95)} ms)`,
        // Queueing with healthy providers means the limit, not the providers, is the bottleneck.
        confidence: evidence(wait.count, minQueued / 4) * Math.min(1, wait.p95 / (2 * queueWaitHighMs)) * (errorRate < 0.01 ? 1 : 0.5),
        safe: ceiling !== undefined,
        expectedEffect: 'requests wait less for a slot',
        target: { name: 'queue_wait_p95', direction: 'decrease' },
        evidence: { queueWaitP95: wait.p95, queued: wait.count, inFlight: window.concurrency?.inFlight ?? null, errorRate, ceiling: ceiling ?? null },
        change: { scope: 'api', limit },
      });
    }
  }

  for (const [provider, entry] of providers) {
    const key = `resource_allocation:concurrency:${provider}`;
    const current = limits[provider];
    if (current === undefined || current <= 1 || entry.calls < minCalls || active.has(key)) continue;
    const share = entry.rateLimited / entry.calls;
    if (share <= rateLimitedHigh) continue;
    const limit = Math.max(1, Math.min(current - 1, Math.floor(current * (1 - step))));
    proposals.push({
      type: 'resource_allocation',
      key,
      description: `Lower ${provider}'s concurrency from ${current} to ${limit} (${(share * 100).toFixed(1)} % of calls rate-limited)`,
      confidence: 1 - binomialTail(entry.calls, entry.rateLimited, NORMAL_RATE_LIMITED),
      // Fewer parallel calls cannot break anything; at worst requests wait a little longer.
      safe: true,
      expectedEffect: `fewer 429s from ${provider} and fewer retries`,
      target: { name: 'provider_rate_limited_ratio', subject: provider, direction: 'decrease' },
      evidence: { calls: entry.calls, rateLimited: entry.rateLimited, share },
      change: { scope: provider, limit },
    });
  }
  return proposals;
}

export function proposeDatabaseQueries(window: OptimizerWindow, options: ResourceRuleOptions = {}): Optimization[] {
  const slowQueryMs = options.slowQueryMs ?? 100;
  const minCalls = options.minCalls ?? 20;
  return (window.database?.queries ?? [])
    .filter((query) => query.p95Ms !== null && query.p95Ms >= slowQueryMs && query.calls >= minCalls)
    .map((query): Optimization => ({
      type: 'database_queries',
      key: `database_queries:${query.name}`,
      description: `Query ${query.name} is slow (p95 ${Math.round(query.p95Ms!)} ms over ${query.calls} calls)`,
      confidence: evidence(query.calls, minCalls / 4),
      safe: false,
      expectedEffect: 'lower API latency once the query has an index or a cheaper plan',
      target: { name: 'api_latency_p95', direction: 'decrease' },
      evidence: { calls: query.calls, p95Ms: query.p95Ms },
      change: { query: query.name, suggestion: 'run EXPLAIN ANALYZE and add an index for its filter / sort columns' },
    }));
}
