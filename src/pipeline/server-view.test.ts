import { describe, expect, it } from 'vitest';
import type { FanoutResult } from '../infrastructure/cluster/worker-fanout.js';
import { mergeCacheStats, mergeLearningStatus, mergeProviderStatus, processesOf } from './server-view.js';
import type { LearningStatus, ProviderEstimate } from './routing/router.js';

const two = <T>(first: T, second: T): FanoutResult<T> => ({ expected: 2, answers: [{ workerId: 1, pid: 11, value: first }, { workerId: 2, pid: 12, value: second }] });

describe('server view across workers', () => {
  it('sums provider requests, weights latency by requests, keeps the worst breaker and the least budget', () => {
    const entry = (requests: number, p50: number, breaker: string, left: number, healthy = true) => ({
      name: 'alpha',
      kind: 'openai',
      healthy,
      breaker,
      latency: { p50, p95: p50 * 2 },
      errorRate: requests === 3 ? 1 / 3 : 0,
      requests,
      rateLimit: { requestsRemaining: left, inFlight: 1, queued: 0 },
      connections: { origin: 'https://alpha.example', connected: requests, idle: 1, running: requests - 1, pending: requests === 3 ? 5 : 0 },
    });
    const [merged] = mergeProviderStatus(two([entry(1, 100, 'closed', 40)], [entry(3, 200, 'open', 30, false)]));
    expect(merged).toMatchObject({ name: 'alpha', requests: 4, breaker: 'open', healthy: false, workers: { answered: 2, healthy: 1 } });
    expect(merged!.latency).toEqual({ p50: 175, p95: 350 });
    expect(merged!.errorRate).toBeCloseTo(0.25, 10);
    expect(merged!.rateLimit).toMatchObject({ requestsRemaining: 30, inFlight: 2 });
    // Every worker has its own pool to the origin.
    expect(merged!.connections).toEqual({ origin: 'https://alpha.example', connected: 4, idle: 2, running: 2, pending: 5 });
  });

  it('sums cache counters, recomputes hit ratios, takes the shared Redis level once, keeps settings as settings', () => {
    const stats = (hits: number, lookups: number) => ({
      levels: [
        { level: 'memory', healthy: true, hits, entries: 2, usedBytes: 100 },
        { level: 'redis', healthy: true, hits: 1, entries: 50, usedBytes: 9_000 },
      ],
      strategies: { query_results: { lookups, hitsByLevel: { memory: hits, redis: 0, disk: 0 }, hitRatio: hits / lookups } },
      memoryPressure: { threshold: 0.85, checks: 1 },
    });
    const merged = mergeCacheStats(two<unknown>(stats(1, 4), stats(3, 4))) as { levels: Record<string, unknown>[]; strategies: Record<string, { hitRatio: number; lookups: number }>; memoryPressure: { threshold: number; checks: number } };
    expect(merged.levels.find((level) => level.level === 'memory')).toMatchObject({ hits: 4, entries: 4, usedBytes: 200 });
    expect(merged.levels.find((level) => level.level === 'redis')).toMatchObject({ hits: 2, entries: 50, usedBytes: 9_000 });
    expect(merged.strategies.query_results).toMatchObject({ lookups: 8, hitRatio: 0.5 });
    expect(merged.memoryPressure).toEqual({ threshold: 0.85, checks: 2 });
  });

  it('takes the best-evidenced estimate per provider and research type, merges adaptations newest first', () => {
    const estimate = (provider: string, samples: number): ProviderEstimate => ({ provider, researchType: 'factual', samples, availability: 1, latencyMs: 10, costUsd: 0, quality: 0.8, qualitySamples: 0 });
    const status = (samples: number, at: number): LearningStatus => ({
      strategy: 'cost_quality_balanced',
      estimates: [estimate('alpha', samples), estimate('beta', 1)],
      models: [],
      adaptations: [{ learningType: 'routing_rank', subject: 'factual', before: null, after: null, confidence: 1, at }],
    });
    const merged = mergeLearningStatus(two(status(3, 1), status(7, 2)));
    expect(merged.estimates.find((entry) => entry.provider === 'alpha')?.samples).toBe(7);
    expect(merged.estimates).toHaveLength(2);
    expect(merged.adaptations.map((entry) => entry.at)).toEqual([2, 1]);
    expect(merged.processes).toMatchObject({ asked: 2, answered: 2 });
  });

  it('says which workers did not answer', () => {
    const result: FanoutResult<unknown[]> = { expected: 2, answers: [{ workerId: 1, pid: 11, value: [] }, { workerId: 2, pid: 12, error: 'boom' }] };
    expect(mergeProviderStatus(result)).toEqual([]);
    expect(processesOf(result)).toEqual({
      asked: 2,
      answered: 1,
      workers: [{ workerId: 1, pid: 11 }, { workerId: 2, pid: 12, error: 'boom' }],
    });
  });
});
