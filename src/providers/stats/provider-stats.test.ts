import { describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.js';
import { createProviderStats, percentile } from './provider-stats.js';

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, index) => index + 1);
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile(values, 0.95)).toBe(95);
    expect(percentile(values, 0.99)).toBe(99);
    expect(percentile([], 0.5)).toBe(0);
  });
});

describe('createProviderStats', () => {
  it('summarises latency, errors and models over the rolling window', async () => {
    const clock = createManualClock(0);
    const stats = createProviderStats({ windowMs: 60_000, bucketMs: 10_000 }, { clock });
    for (let index = 1; index <= 100; index += 1) {
      stats.record({ provider: 'a', model: index % 2 ? 'm1' : 'm2', latencyMs: index, outcome: index % 10 === 0 ? 'server' : 'ok' });
    }
    stats.record({ provider: 'b', model: 'x', latencyMs: 1, outcome: 'ok' });
    const snapshot = stats.snapshot('a');
    expect(snapshot.requests).toBe(100);
    expect(snapshot.errors).toBe(10);
    expect(snapshot.errorRate).toBeCloseTo(0.1);
    expect(snapshot.errorsByClass).toEqual({ server: 10 });
    expect(snapshot.latencyMs).toMatchObject({ p50: 50, p95: 95, p99: 99 });
    expect(snapshot.byModel.m1?.requests).toBe(50);
    expect(snapshot.byModel.m2?.errors).toBe(10);
    expect(stats.providers().sort()).toEqual(['a', 'b']);

    await clock.advance(30_000);
    stats.record({ provider: 'a', model: 'm1', latencyMs: 1_000, outcome: 'timeout' });
    expect(stats.snapshot('a').requests).toBe(101);
    await clock.advance(40_000); // the first 100 samples are now older than the window
    const later = stats.snapshot('a');
    expect(later.requests).toBe(1);
    expect(later.latencyMs?.p50).toBe(1_000);
    expect(later.errorRate).toBe(1);
  });

  it('reports zeros for an unknown provider', () => {
    const stats = createProviderStats();
    expect(stats.snapshot('nobody')).toMatchObject({ requests: 0, errors: 0, errorRate: 0, latencyMs: undefined });
  });
});
