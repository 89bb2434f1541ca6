import { describe, expect, it } from 'vitest';
import { arrivalTime, planLoadTest, usersAt, type ApiTest } from './load-plan.js';
import { createRequestMix } from './request-mix.js';

// The seed's load_tests.api_tests as the component takes them (durations in ms).
const TESTS: ApiTest[] = [
  { name: 'baseline_performance', durationMs: 600_000, users: 100, rampUpMs: 120_000, scenarios: [
      { name: 'simple_queries', weight: 60, requestsPerSecond: 50 },
      { name: 'complex_queries', weight: 30, requestsPerSecond: 20 },
      { name: 'quality_intensive', weight: 10, requestsPerSecond: 5 },
    ],
  },
  { name: 'stress_test', durationMs: 300_000, users: 500, rampUpMs: 60_000, targetRps: 1000 },
  { name: 'spike_test', durationMs: 120_000, users: 1000, rampUpMs: 30_000, targetRps: 2000 },
];

describe('planLoadTest', () => {
  it('takes the baseline’s rate from its scenarios and splits research 60/30/10 inside the 70/20/10 mix', () => {
    const plan = planLoadTest(TESTS, 'baseline_performance');
    expect(plan.targetRps).toBe(75);
    expect(plan.users).toBe(100);
    expect(plan.rampUpMs).toBe(120_000);
    expect(plan.mix.research_simple).toBeCloseTo(0.42, 9);
    expect(plan.mix.research_complex).toBeCloseTo(0.21, 9);
    expect(plan.mix.research_quality).toBeCloseTo(0.07, 9);
    expect(plan.mix.provider_status).toBe(0.2);
    expect(plan.mix.health).toBe(0.1);
    expect(Object.values(plan.mix).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('scales users and rate, and keeps the ramp-up’s share under a duration override', () => {
    const plan = planLoadTest(TESTS, 'spike_test', { scale: 0.01, durationMs: 12_000 });
    expect(plan).toMatchObject({ users: 10, targetRps: 20, durationMs: 12_000, rampUpMs: 3_000 });
    expect(planLoadTest(TESTS, 'stress_test', { scale: 0.001 }).users).toBe(1);
  });

  it('refuses unknown scenarios and loads beyond its bounds', () => {
    expect(() => planLoadTest(TESTS, 'soak_test')).toThrow(/configured: baseline_performance, stress_test, spike_test/);
    expect(() => planLoadTest(TESTS, 'spike_test', { scale: 5 })).toThrow(/lower --scale/);
    expect(() => planLoadTest(TESTS, 'spike_test', { durationMs: 10 })).toThrow(/--duration/);
  });
});

describe('arrival schedule', () => {
  it('ramps linearly to the target rate, then holds it', () => {
    const plan = { targetRps: 100, rampUpMs: 2_000 };
    const times = Array.from({ length: 400 }, (_, index) => arrivalTime(plan, index));
    for (let index = 1; index < times.length; index++) expect(times[index]!).toBeGreaterThan(times[index - 1]!);
    const within = (from: number, to: number) => times.filter((time) => time > from && time <= to).length;
    // 100 arrivals during the 2 s ramp (half the full rate on average), then 100 per second.
    expect(within(-1, 2_000)).toBe(100);
    expect(within(2_000, 3_000)).toBe(100);
    expect(within(-1, 1_000)).toBe(25);
    expect(arrivalTime({ targetRps: 10, rampUpMs: 0 }, 0)).toBe(100);
  });

  it('grows the user cap with the ramp', () => {
    const plan = { users: 10, rampUpMs: 1_000 };
    expect(usersAt(plan, 0)).toBe(1);
    expect(usersAt(plan, 500)).toBe(5);
    expect(usersAt(plan, 5_000)).toBe(10);
  });
});

describe('request mix', () => {
  it('draws kinds in proportion, the same sequence for the same seed', () => {
    const plan = planLoadTest(TESTS, 'stress_test');
    const next = createRequestMix(plan.mix, 7);
    const counts: Record<string, number> = {};
    const drawn = Array.from({ length: 10_000 }, () => next());
    for (const request of drawn) counts[request.kind] = (counts[request.kind] ?? 0) + 1;
    expect(counts.provider_status! / 10_000).toBeCloseTo(0.2, 1);
    expect(counts.health! / 10_000).toBeCloseTo(0.1, 1);
    expect((counts.research_simple! + counts.research_complex! + counts.research_quality!) / 10_000).toBeCloseTo(0.7, 1);
    const again = createRequestMix(plan.mix, 7);
    expect(Array.from({ length: 50 }, () => again())).toEqual(drawn.slice(0, 50));
    const research = drawn.find((request) => request.kind === 'research_quality')!;
    expect(JSON.parse(research.body!)).toMatchObject({ quality_threshold: 0.9, cross_validate: true });
    expect(drawn.find((request) => request.kind === 'health')).toEqual({ kind: 'health', method: 'GET', path: '/api/health' });
  });
});
