import { describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../core/seeded-random.js';
import { hashString, sampleLognormal } from './seeded-random.js';
import { drawScenario } from './scenario.js';
import { DEFAULT_PROFILE, mergeProfile, sampleLatency } from './simulator-profile.js';

describe('hashString', () => {
  it('is stable and seed-dependent', () => {
    expect(hashString('openai')).toBe(hashString('openai'));
    expect(hashString('openai', 1)).not.toBe(hashString('openai', 2));
  });
});

describe('sampleLognormal', () => {
  it('matches the requested median and 99th percentile', () => {
    const random = createSeededRandom(7);
    const samples = Array.from({ length: 40_000 }, () => sampleLognormal(random, 100, 1000)).sort((x, y) => x - y);
    const median = samples[Math.floor(samples.length * 0.5)] ?? 0;
    const p99 = samples[Math.floor(samples.length * 0.99)] ?? 0;
    expect(median).toBeGreaterThan(95);
    expect(median).toBeLessThan(105);
    expect(p99).toBeGreaterThan(900);
    expect(p99).toBeLessThan(1100);
  });

  it('is a fixed value when p99 equals the median, and zero for a zero median', () => {
    const random = createSeededRandom(1);
    expect(sampleLognormal(random, 50, 50)).toBe(50);
    expect(sampleLognormal(random, 0, 10)).toBe(0);
  });

  it('needs no random draw for a fixed latency', () => {
    const random = createSeededRandom(1);
    expect(sampleLatency(25, () => Number.NaN)).toBe(25);
    expect(sampleLatency({ medianMs: 10, p99Ms: 20 }, random)).toBeGreaterThan(0);
  });
});

describe('drawScenario', () => {
  it('is always ok for a healthy profile without drawing', () => {
    expect(drawScenario(DEFAULT_PROFILE, () => Number.NaN)).toBe('ok');
  });

  it('follows the ratios', () => {
    const profile = mergeProfile(DEFAULT_PROFILE, { errorRatio: 0.1, rateLimitRatio: 0.2, hangRatio: 0.05, resetRatio: 0.05, truncateRatio: 0.1 });
    const random = createSeededRandom(3);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 20_000; i++) {
      const scenario = drawScenario(profile, random);
      counts[scenario] = (counts[scenario] ?? 0) + 1;
    }
    const share = (name: string) => (counts[name] ?? 0) / 20_000;
    expect(share('rate_limit')).toBeCloseTo(0.2, 1);
    expect(share('error_500') + share('overloaded')).toBeCloseTo(0.1, 1);
    expect(share('error_500')).toBeGreaterThan(0.03);
    expect(share('hang')).toBeCloseTo(0.05, 1);
    expect(share('reset')).toBeCloseTo(0.05, 1);
    expect(share('truncate')).toBeCloseTo(0.1, 1);
    expect(share('ok')).toBeCloseTo(0.5, 1);
  });
});
