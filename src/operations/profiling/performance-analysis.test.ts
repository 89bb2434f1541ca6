import { describe, expect, it } from 'vitest';
import { findCostOpportunities } from './cost-opportunities.js';
import { FIXTURE_NOW, SEED_TARGETS, snapshotOf } from '../../../test/support/metrics-fixture.js';
import { analyzePerformance } from './performance-analysis.js';

const repeat = (count: number, value: number) => Array.from({ length: count }, () => value);

describe('analyzePerformance', () => {
  it('passes a healthy window and finds nothing to fix', () => {
    const snapshot = snapshotOf({ api: repeat(100, 40), providers: { a: { latencies: repeat(50, 30) } }, quality: repeat(50, 3), cache: { hits: 30, misses: 20 } });
    const analysis = analyzePerformance({ snapshot, targets: SEED_TARGETS, requestedMs: 300_000 });
    expect(analysis.sla.filter((check) => check.status === 'breach')).toEqual([]);
    expect(analysis.bottlenecks).toEqual([]);
    expect(analysis.sla.find((check) => check.metric === 'p95(api_response_time)')).toMatchObject({ status: 'ok', samples: 100, target: '<= 200 ms' });
    expect(analysis.components).toEqual(['api', 'providers', 'quality', 'learning', 'cache', 'system']);
  });

  it('states the request rate over the analysed span, not over the server uptime inside it', () => {
    const snapshot = snapshotOf({ api: repeat(120, 40) });
    // As the window summary reports it for a server up for 2 s of the span.
    const fresh = { ...snapshot, api: { ...snapshot.api, requestRate: 60 } };
    const analysis = analyzePerformance({ snapshot: fresh, targets: SEED_TARGETS, requestedMs: snapshot.spanMs });
    expect(analysis.coveredMs).toBe(snapshot.spanMs);
    expect(analysis.traffic.requestRate).toBeCloseTo(120 / (snapshot.spanMs / 1000), 9);
  });

  it('blames upstream when provider time makes up the API p95 breach, and names the slow provider', () => {
    const snapshot = snapshotOf({
      api: repeat(100, 400),
      providers: { fast: { latencies: repeat(40, 100) }, slow: { latencies: repeat(40, 390) } },
    });
    const analysis = analyzePerformance({ snapshot, targets: SEED_TARGETS, requestedMs: 300_000 });
    const breach = analysis.sla.find((check) => check.metric === 'p95(api_response_time)')!;
    expect(breach.status).toBe('breach');
    expect(breach.observed!).toBeGreaterThan(390);
    expect(analysis.bottlenecks[0]).toMatchObject({ component: 'api', severity: 'high' });
    expect(analysis.bottlenecks[0]!.finding).toContain('upstream time dominates');
    const slow = analysis.bottlenecks.find((bottleneck) => bottleneck.component === 'providers')!;
    expect(slow.finding).toMatch(/^slow is 3\.\d× slower than fast at p95/);
    expect(analysis.recommendations.length).toBe(new Set(analysis.bottlenecks.map((bottleneck) => bottleneck.recommendation)).size);
  });

  it('reports server errors, failing providers and a cold cache', () => {
    const snapshot = snapshotOf({ api: repeat(100, 20), errors: 3, providers: { flaky: { latencies: repeat(20, 50), failures: 4 } }, cache: { hits: 2, misses: 40 } });
    const analysis = analyzePerformance({ snapshot, targets: SEED_TARGETS, requestedMs: 300_000 });
    expect(analysis.sla.find((check) => check.metric === 'error_rate')).toMatchObject({ status: 'breach', observed: 0.03 });
    expect(analysis.sla.find((check) => check.metric === 'availability')).toMatchObject({ status: 'breach' });
    const findings = analysis.bottlenecks.map((bottleneck) => `${bottleneck.component}:${bottleneck.severity}`);
    expect(findings).toContain('api:high');
    expect(findings).toContain('providers:high'); // 80 % success
    expect(findings).toContain('cache:medium');
  });

  it('narrows to one component; quality includes the cache, as in the seed’s quality_system', () => {
    const snapshot = snapshotOf({ api: repeat(10, 400), quality: repeat(30, 150), cache: { hits: 0, misses: 30 } });
    const quality = analyzePerformance({ snapshot, targets: SEED_TARGETS, requestedMs: 300_000, component: 'quality' });
    expect(quality.components).toEqual(['quality', 'cache']);
    expect(quality.sla.every((check) => check.component === 'quality')).toBe(true);
    expect(quality.bottlenecks.map((bottleneck) => bottleneck.component).sort()).toEqual(['cache', 'quality']);
    expect(quality.sections.api).toBeUndefined();
    expect(quality.sections.quality?.evaluationTime.count).toBe(30);

    const learning = analyzePerformance({
      snapshot,
      targets: SEED_TARGETS,
      requestedMs: 300_000,
      component: 'learning',
      optimizer: [
        { createdAt: FIXTURE_NOW, subject: 'route:a', outcome: 'rolled_back', confidenceScore: 0.95, after: {} },
        { createdAt: FIXTURE_NOW - 1, subject: 'route:a', outcome: 'applied', confidenceScore: 0.95, after: {} },
      ],
    });
    expect(learning.sections.learning?.optimizer.byOutcome).toEqual({ rolled_back: 1, applied: 1 });
    expect(learning.bottlenecks.map((bottleneck) => bottleneck.finding)).toEqual(['the optimizer rolled back 1 change(s) that did not help']);
  });

  it('says when the window is shorter than the duration asked for, and without traffic', () => {
    const analysis = analyzePerformance({ snapshot: snapshotOf({ api: [] }), targets: SEED_TARGETS, requestedMs: 86_400_000 });
    expect(analysis.notes.join('\n')).toMatch(/rolling window holds 300 s/);
    expect(analysis.notes.join('\n')).toMatch(/no API requests/);
    expect(analysis.sla.every((check) => check.status === 'no_data')).toBe(true);
  });

  it('merges recorded percentiles into the provider rows', () => {
    const snapshot = snapshotOf({ api: repeat(5, 10), providers: { a: { latencies: repeat(5, 10) } } });
    const analysis = analyzePerformance({
      snapshot,
      targets: SEED_TARGETS,
      requestedMs: 3_600_000,
      recorded: [{ provider: 'a', count: 500, meanMs: 20, p50: 15, p90: 40, p95: 55, p99: 90, maxMs: 120 }, { provider: 'gone', count: 3, meanMs: 1, p50: 1, p90: 1, p95: 1, p99: 1, maxMs: 1 }],
    });
    expect(analysis.sections.providers?.map((row) => [row.name, row.calls, row.recorded?.p95])).toEqual([
      ['a', 5, 55],
      ['gone', 0, 1],
    ]);
  });
});

describe('findCostOpportunities', () => {
  it('points from a dear provider to a cheaper one of similar quality, with the saving', () => {
    const snapshot = snapshotOf({
      api: [],
      providers: {
        dear: { latencies: repeat(10, 50), costUsd: 0.01, quality: 0.85 },
        cheap: { latencies: repeat(10, 50), costUsd: 0.002, quality: 0.84 },
        poor: { latencies: repeat(10, 50), costUsd: 0.0001, quality: 0.5 },
      },
    });
    const found = findCostOpportunities(snapshot);
    expect(found.map((entry) => `${entry.from}->${entry.to}`)).toEqual(['dear->cheap']);
    expect(found[0]!.windowSavingUsd).toBeCloseTo(0.08, 9);
    expect(found[0]!.savingPer1000Usd).toBeCloseTo(8, 9);
    expect(found[0]!.summary).toContain('dear costs 5.0× cheap per request at similar quality');
  });
});
