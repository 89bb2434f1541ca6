import { describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../core/seeded-random.js';
import type { PerformanceOptions, ProviderView } from './strategies.js';
import { costQualityBalanced, fixedOrder, performanceOptimized, roundRobin } from './strategies.js';

function view(provider: string, overrides: Partial<ProviderView> & { q?: number; qSamples?: number } = {}): ProviderView {
  const samples = overrides.samples ?? 200;
  const q = overrides.q ?? 0.85;
  const qSamples = overrides.qSamples ?? samples;
  // A tight quality posterior with many scores, a vague one with few.
  const concentration = Math.max(2, qSamples * 20);
  return {
    provider,
    samples,
    successes: overrides.successes ?? Math.round(samples * 0.99),
    latencyMs: overrides.latencyMs ?? 800,
    latencySdMs: overrides.latencySdMs ?? 200,
    costUsd: overrides.costUsd ?? 0.002,
    quality: { mean: q, alpha: q * concentration, beta: (1 - q) * concentration, samples: qSamples },
  };
}

const options = (overrides: Partial<PerformanceOptions> = {}): PerformanceOptions => ({
  criteria: { latency: 0.4, quality: 0.3, cost: 0.2, availability: 0.1 },
  qualityThreshold: 0.8,
  latencyThresholdMs: 2_000,
  minSamples: 10,
  adaptive: false,
  random: createSeededRandom(1),
  ...overrides,
});

describe('performance_optimized', () => {
  it('orders by the weighted score of the window means', () => {
    const decision = performanceOptimized([view('slow', { latencyMs: 1_500 }), view('fast', { latencyMs: 400 }), view('mid', { latencyMs: 800 })], options());
    expect(decision.order).toEqual(['fast', 'mid', 'slow']);
    expect(decision.scores.fast).toBeGreaterThan(decision.scores.mid!);
    expect(decision.reasons[0]).toMatchObject({ provider: 'fast', code: 'ranked' });
    expect(decision.explored).toEqual([]);
  });

  it('moves providers below quality_threshold or above latency_threshold behind the rest', () => {
    const decision = performanceOptimized(
      [view('sloppy', { latencyMs: 300, q: 0.6 }), view('laggy', { latencyMs: 2_500 }), view('solid', { latencyMs: 900 })],
      options(),
    );
    expect(decision.order).toEqual(['solid', 'sloppy', 'laggy']);
    expect(decision.reasons.map((reason) => `${reason.provider}:${reason.code}`)).toEqual(['solid:ranked', 'sloppy:below_quality_threshold', 'laggy:above_latency_threshold']);
  });

  it('judges thresholds only with min_samples of evidence', () => {
    const decision = performanceOptimized([view('new', { latencyMs: 300, q: 0.5, samples: 3 }), view('old', { latencyMs: 900 })], options());
    expect(decision.order[0]).toBe('new');
  });

  it('never filters to empty: when every provider misses a threshold the best-effort order stands', () => {
    const decision = performanceOptimized([view('a', { q: 0.5, latencyMs: 900 }), view('b', { q: 0.6, latencyMs: 600 })], options());
    expect(decision.order).toEqual(['b', 'a']);
    expect(decision.reasons.some((reason) => reason.code === 'filters_relaxed')).toBe(true);
  });

  it('Thompson sampling: a provider with few samples still gets tried; a well-known worse one hardly ever', () => {
    const random = createSeededRandom(42);
    const views = [
      view('known', { latencyMs: 600, samples: 2_000 }),
      view('newcomer', { latencyMs: 700, samples: 2, successes: 2, qSamples: 2 }),
      view('known-worse', { latencyMs: 1_200, samples: 2_000 }),
    ];
    const firsts = new Map<string, number>();
    let explored = 0;
    for (let index = 0; index < 2_000; index++) {
      const decision = performanceOptimized(views, options({ adaptive: true, random }));
      firsts.set(decision.order[0]!, (firsts.get(decision.order[0]!) ?? 0) + 1);
      explored += decision.explored.length;
    }
    expect(firsts.get('known')!).toBeGreaterThan(1_000);
    expect(firsts.get('newcomer') ?? 0).toBeGreaterThan(100);
    expect(firsts.get('known-worse') ?? 0).toBeLessThan(20);
    expect(explored).toBe(2_000 - firsts.get('known')!);
  });

  it('without adaptive_selection the order is deterministic', () => {
    const views = [view('a', { latencyMs: 600 }), view('b', { latencyMs: 700, samples: 1 })];
    const orders = new Set(Array.from({ length: 50 }, () => performanceOptimized(views, options()).order.join()));
    expect([...orders]).toEqual(['a,b']);
  });
});

describe('other strategies', () => {
  it('cost_quality_balanced trades quality against cost with the seed weights', () => {
    const views = [view('premium', { q: 0.95, costUsd: 0.01 }), view('cheap', { q: 0.85, costUsd: 0.001 })];
    const balanced = costQualityBalanced(views, { ...options(), costWeight: 0.3, qualityWeight: 0.7 });
    expect(balanced.order).toEqual(['cheap', 'premium']);
    const qualityFirst = costQualityBalanced(views, { ...options(), costWeight: 0, qualityWeight: 1 });
    expect(qualityFirst.order).toEqual(['premium', 'cheap']);
  });

  it('cost_quality_balanced respects the quality threshold', () => {
    const views = [view('premium', { q: 0.95, costUsd: 0.01 }), view('cheap', { q: 0.7, costUsd: 0.001 })];
    expect(costQualityBalanced(views, { ...options(), costWeight: 0.3, qualityWeight: 0.7 }).order).toEqual(['premium', 'cheap']);
  });

  it('round_robin rotates, fixed_order keeps the configured order first', () => {
    expect([0, 1, 2, 3].map((turn) => roundRobin(['a', 'b', 'c'], turn).order.join(''))).toEqual(['abc', 'bca', 'cab', 'abc']);
    expect(roundRobin([], 3).order).toEqual([]);
    expect(fixedOrder(['a', 'b', 'c'], ['c', 'x', 'a']).order).toEqual(['c', 'a', 'b']);
    expect(fixedOrder(['a', 'b'], undefined).order).toEqual(['a', 'b']);
  });
});
