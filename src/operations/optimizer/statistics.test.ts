import { describe, expect, it } from 'vitest';
import { binomialTail, callsAbove, evidence, median } from './statistics.js';

/** Exact tail by the textbook sum, for small n. */
function exactTail(n: number, k: number, p: number): number {
  let choose = 1;
  let total = 0;
  for (let i = 0; i <= n; i++) {
    if (i > 0) choose = (choose * (n - i + 1)) / i;
    if (i >= k) total += choose * p ** i * (1 - p) ** (n - i);
  }
  return total;
}

describe('binomialTail', () => {
  it('matches the exact sum', () => {
    for (const [n, k, p] of [
      [10, 3, 0.1],
      [16, 8, 0.05],
      [20, 1, 0.05],
      [40, 12, 0.3],
      [7, 7, 0.5],
    ] as const) {
      expect(binomialTail(n, k, p)).toBeCloseTo(exactTail(n, k, p), 12);
    }
  });

  it('handles the edges', () => {
    expect(binomialTail(10, 0, 0.2)).toBe(1);
    expect(binomialTail(10, 11, 0.2)).toBe(0);
    expect(binomialTail(10, 1, 0)).toBe(0);
    expect(binomialTail(10, 10, 1)).toBe(1);
  });

  it('stays finite for large windows', () => {
    const tail = binomialTail(300_000, 16_000, 0.05);
    expect(Number.isFinite(tail)).toBe(true);
    expect(tail).toBeGreaterThan(0);
    expect(tail).toBeLessThan(0.01);
    expect(binomialTail(300_000, 10, 0.05)).toBeCloseTo(1, 12);
  });
});

describe('callsAbove', () => {
  const latency = { count: 100, p50: 20, p95: 80, p99: 200, max: 400 };
  it('bounds the calls above a threshold from the percentiles', () => {
    expect(callsAbove(latency, 10)).toBe(50);
    expect(callsAbove(latency, 50)).toBe(5);
    expect(callsAbove(latency, 100)).toBe(1);
    expect(callsAbove(latency, 300)).toBe(1);
    expect(callsAbove(latency, 500)).toBe(0);
    expect(callsAbove({ count: 0, p50: null, p95: null, p99: null, max: null }, 1)).toBe(0);
  });

  it('uses the mean when a window mixes a fast part and a slow one', () => {
    // 48 calls at 2 ms, 28 at 300 ms: the median is fast, but the mean gives the slow share away.
    const mixed = { count: 76, avg: (48 * 2 + 28 * 300) / 76, p50: 2, p95: 300, p99: 300, max: 300 };
    expect(callsAbove({ ...mixed, avg: null }, 55)).toBe(3);
    expect(callsAbove(mixed, 55)).toBeGreaterThanOrEqual(15);
    expect(callsAbove(mixed, 55)).toBeLessThanOrEqual(28);
  });
});

describe('helpers', () => {
  it('evidence saturates and median takes the middle', () => {
    expect(evidence(0, 10)).toBe(0);
    expect(evidence(10, 10)).toBe(0.5);
    expect(evidence(990, 10)).toBeCloseTo(0.99);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeUndefined();
  });
});
