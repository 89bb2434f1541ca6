import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../infrastructure/metrics/create-metrics.js';
import { createMemoryCacheReader, readMetricsWindow, windowFromSnapshot } from './snapshot-window.js';
import { callsAbove } from './statistics.js';
import { readMetric } from './optimizer-window.js';

describe('windowFromSnapshot', () => {
  it("carries the snapshot's provider, API and cache figures into the optimizer's window", () => {
    let now = 1_700_000_000_000;
    const metrics = createMetrics({ window: { bucketMs: 1_000, windowMs: 60_000 } }, { now: () => now });
    try {
      for (let index = 0; index < 40; index++) {
        metrics.observeProviderCall({ provider: 'alpha', model: 'm', outcome: index < 4 ? 'error' : 'success', durationMs: 100, costUsd: 0.002 });
        metrics.observeProviderCall({ provider: 'beta', model: 'm', outcome: 'success', durationMs: 10 });
        metrics.observeApiRequest({ route: '/api/research', method: 'POST', status: 200, durationMs: 120 });
        metrics.observeCacheLookup({ strategy: 'query_results', result: index % 4 === 0 ? 'hit' : 'miss' });
      }
      now += 500;
      const window = windowFromSnapshot(metrics.snapshot({ spanMs: 10_000 }), { concurrency: { queueWait: { count: 3, p50: 1, p95: 2, p99: 2, max: 2 } } });
      expect(window.providers.alpha).toMatchObject({ calls: 40, failures: 4 });
      expect(window.providers.alpha!.costPerRequest).toBeCloseTo(0.002, 10);
      expect(window.providers.alpha!.errorRate).toBeCloseTo(0.1);
      expect(window.providers.alpha!.latency.p95).toBeCloseTo(100, -1);
      expect(window.providerLatency.count).toBe(80);
      expect(window.api.requests).toBe(40);
      expect(readMetric(window, { name: 'cache_hit_ratio', subject: 'query_results' })).toEqual({ value: 0.25, samples: 40 });
      expect(readMetric(window, { name: 'provider_error_rate' }).value).toBeCloseTo(0.05);
      expect(window.concurrency).toMatchObject({ inFlight: 0, queueWait: { p95: 2 } });
    } finally {
      metrics.close();
    }
  });
});

describe('readMetricsWindow', () => {
  it('adds quantile ladders that count the slow calls of a mixed window', () => {
    let now = 1_700_000_000_000;
    const metrics = createMetrics({ window: { bucketMs: 1_000, windowMs: 60_000 } }, { now: () => now });
    try {
      // 30 fast calls, then 70 slow ones (some with stalls): the median says "at least half".
      for (let index = 0; index < 30; index++) metrics.observeProviderCall({ provider: 'alpha', model: 'm', outcome: 'success', durationMs: 2 });
      for (let index = 0; index < 70; index++) metrics.observeProviderCall({ provider: 'alpha', model: 'm', outcome: 'success', durationMs: index % 10 === 0 ? 900 : 300 });
      now += 500;
      const window = readMetricsWindow(metrics, { spanMs: 10_000, now });
      const latency = window.providers.alpha!.latency;
      expect(latency.quantiles?.map((entry) => entry.q)).toEqual([0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]);
      expect(window.providerLatency.quantiles).toBeDefined();
      expect(callsAbove({ ...latency, quantiles: undefined, avg: null }, 50)).toBe(50);
      expect(callsAbove(latency, 50)).toBeGreaterThanOrEqual(60);
      expect(callsAbove(latency, 50)).toBeLessThanOrEqual(70);
    } finally {
      metrics.close();
    }
  });
});

describe('createMemoryCacheReader', () => {
  it('turns cumulative store counters into per-window deltas', async () => {
    let stats = { level: 'memory' as const, healthy: true, hits: 0, misses: 0, sets: 10, deletes: 0, evictions: 2, errors: 0, usedBytes: 100, maxBytes: 1000 };
    const read = createMemoryCacheReader({ stats: () => Promise.resolve(stats) });
    expect(await read()).toEqual({ usedBytes: 100, maxBytes: 1000, evictions: 2, sets: 10 });
    stats = { ...stats, sets: 25, evictions: 7, usedBytes: 900 };
    expect(await read()).toEqual({ usedBytes: 900, maxBytes: 1000, evictions: 5, sets: 15 });
  });
});
