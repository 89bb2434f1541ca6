import { describe, expect, it } from 'vitest';
import { FIXTURE_NOW, SEED_TARGETS, snapshotOf } from '../../../test/support/metrics-fixture.js';
import type { AlertList } from '../../operations/sla/alert-engine.js';
import { buildDashboardSnapshot } from './dashboard-snapshot.js';
import { withRecordedQuality } from './observability-services.js';

describe('buildDashboardSnapshot', () => {
  it('has one timeline point per bucket of the span, empty buckets as zero requests', () => {
    const snapshot = snapshotOf({ api: [10, 20, 30], cache: { hits: 1, misses: 3 } }, { spanMs: 120_000, timeline: true });
    const view = buildDashboardSnapshot({ snapshot, targets: SEED_TARGETS });
    expect(view.timeline.length).toBe(13); // 120 s of 10 s buckets, both ends included
    for (let index = 1; index < view.timeline.length; index++) expect(view.timeline[index]!.t - view.timeline[index - 1]!.t).toBe(10_000);
    expect(view.timeline.reduce((total, point) => total + point.requests, 0)).toBe(3);
    const busy = view.timeline.find((point) => point.requests === 3)!;
    expect(busy.cacheHitRatio).toBe(0.25);
    expect(view.timeline.filter((point) => point.requests === 0).every((point) => point.p95 === null && point.errorRate === null)).toBe(true);
    expect(view.sla.api).toEqual({ p50: 100, p95: 200, p99: 500 });
    expect(view.alerts).toBeNull();
  });

  it('lists providers with their circuit, budget periods and active alerts', () => {
    const snapshot = snapshotOf({ api: [5], providers: { a: { latencies: [10, 20], costUsd: 0.01, quality: 0.9 } } });
    const alerts: AlertList = {
      evaluatedAt: FIXTURE_NOW,
      alerts: [
        { id: 'x', name: 'X', severity: 'critical', source: 'rule', condition: 'p95(api_response_time) > 200ms', durationMs: 0, threshold: 200, state: 'firing', since: 1, activeSince: 1, value: 250, lastEvaluatedAt: 2 },
        { id: 'y', name: 'Y', severity: 'warning', source: 'sla', condition: 'error_rate >= 0.1%', durationMs: 0, threshold: 0.001, state: 'inactive', since: 1, activeSince: null, value: 0, lastEvaluatedAt: 2 },
      ],
      history: [],
      notifications: { delivered: 0, retried: 0, failed: 0, dropped: 0, inFlight: 0 },
    };
    const period = { key: 'day:2027-01-15', spentUsd: 1, reservedUsd: 0.5, limitUsd: 10, utilisation: 0.15 };
    const view = buildDashboardSnapshot({ snapshot: { ...snapshot, circuits: { a: 'half_open' } }, targets: SEED_TARGETS, budget: { day: period, month: { ...period, key: 'month:2027-01' } }, alerts });
    expect(view.providers).toEqual([expect.objectContaining({ name: 'a', calls: 2, circuit: 'half_open', quality: 0.9, costPerRequest: 0.01 })]);
    expect(view.budget.daily).toEqual(period);
    expect(view.alerts).toMatchObject({ rules: 2, firing: 1, pending: 0, active: [{ name: 'X', value: 250 }] });
  });
});

describe('withRecordedQuality', () => {
  it('fills a provider’s quality from stored evaluator scores only where the window has none', () => {
    const snapshot = snapshotOf({ api: [], providers: { scored: { latencies: [10], quality: 0.9 }, unscored: { latencies: [10, 10] } } });
    const merged = withRecordedQuality(snapshot, [
      { provider: 'unscored', researchType: 'learning', count: 3, averageComposite: 0.6, minComposite: 0.5, maxComposite: 0.7 },
      { provider: 'unscored', researchType: 'decision', count: 1, averageComposite: 1, minComposite: 1, maxComposite: 1 },
      { provider: 'scored', researchType: 'learning', count: 10, averageComposite: 0.1, minComposite: 0, maxComposite: 1 },
    ]);
    expect(merged.providers.unscored!.quality).toEqual({ count: 4, avg: 0.7 });
    expect(merged.providers.scored!.quality.avg).toBe(0.9);
    expect(withRecordedQuality(snapshot, [])).toBe(snapshot);
  });
});
