import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LearningInput } from '../../infrastructure/storage/repositories/learning.js';
import type { Optimization, OptimizerActions, OptimizerSettings } from './optimization.js';
import type { OptimizerWindow } from './optimizer-window.js';
import type { PerformanceOptimizerOptions } from './performance-optimizer.js';
import { createPerformanceOptimizer } from './performance-optimizer.js';
import { createLiveSettings } from './live-settings.js';
import { MemoryCacheStore } from '../../infrastructure/cache/memory/memory-store.js';
import { RateLimiter } from '../../providers/rate-limit/rate-limiter.js';
import { provider, windowOf } from '../../../test/support/optimizer-window-fixture.js';

const AT = 1_700_000_000_000;
const MINUTE = 60_000;

function harness(options: PerformanceOptimizerOptions = {}, extra: { actions?: Partial<OptimizerActions>; settings?: OptimizerSettings; readWindow?: () => OptimizerWindow } = {}) {
  let now = AT;
  let window = windowOf(now);
  const rows: LearningInput[] = [];
  const events: string[] = [];
  const logs: { level: string; message: string }[] = [];
  const logger = {
    info: (_: object, message: string) => logs.push({ level: 'info', message }),
    warn: (_: object, message: string) => logs.push({ level: 'warn', message }),
    error: (_: object, message: string) => logs.push({ level: 'error', message }),
  };
  const actions: OptimizerActions = {
    current: () => extra.settings ?? {},
    applyRouteChanges: (changes) => {
      events.push(`route+${changes.map((change) => (change.kind === 'prefer_provider' ? change.provider : change.model)).join(',')}`);
      return () => void events.push('route-');
    },
    setCacheSettings: (change) => {
      events.push(`cache+${JSON.stringify(change)}`);
      return () => void events.push('cache-');
    },
    ...extra.actions,
  };
  const optimizer = createPerformanceOptimizer(
    { intervalMs: MINUTE, providers: { researchTypes: ['implementation'] }, ...options },
    {
      readWindow: extra.readWindow ?? (() => window),
      actions,
      learning: { insert: (input) => Promise.resolve(void rows.push(input)) },
      logger,
      now: () => now,
    },
  );
  return {
    optimizer,
    rows,
    events,
    logs,
    /** Sets the next window and runs one interval later. */
    async step(next: (at: number) => OptimizerWindow) {
      now += MINUTE;
      window = next(now);
      return optimizer.runOnce();
    },
  };
}

const healthy = (at: number) => windowOf(at, { providers: { alpha: provider({ calls: 100, p95: 30 }), beta: provider({ calls: 100, p95: 40 }) } });
const alphaSlow = (at: number) => windowOf(at, { providers: { alpha: provider({ calls: 100, p95: 300 }), beta: provider({ calls: 100, p95: 40 }) } });
const shifted = (at: number) => windowOf(at, { providers: { beta: provider({ calls: 200, p95: 40 }) } });

const ttlSettings: OptimizerSettings = { cache: { strategies: { query_results: { ttlSeconds: 600 } } } };
const lowHits = (hitRatio: number) => (at: number) => {
  const lookups = 1000;
  const hits = Math.round(hitRatio * lookups);
  const stats = { hits, misses: lookups - hits, hitRatio };
  return windowOf(at, {
    cache: { ...stats, byLevel: {}, byStrategy: { query_results: stats }, expiredMisses: { query_results: lookups - hits } },
    memoryCache: { usedBytes: 300, maxBytes: 1000, evictions: 0, sets: 100 },
  });
};

describe('performance optimizer', () => {
  afterEach(() => vi.useRealTimers());

  it('applies a confident safe provider shift, watches the next window and keeps it, recording each step', async () => {
    const { optimizer, rows, events, step } = harness();
    expect((await step(healthy)).decisions).toEqual([]);
    const applied = await step(alphaSlow);
    expect(applied.decisions.map((decision) => decision.outcome)).toEqual(['proposed', 'applied']);
    expect(events).toEqual(['route+beta']);
    expect(optimizer.activeChanges()).toMatchObject([{ state: 'watching', optimization: { key: 'provider_selection:avoid:alpha' } }]);

    const judged = await step(shifted);
    expect(judged.decisions).toMatchObject([{ outcome: 'kept', reason: 'improved', before: { value: 300 }, after: { value: 40 } }]);
    expect(optimizer.activeChanges()).toMatchObject([{ state: 'kept' }]);
    // In force: not proposed again while it lasts.
    expect((await step(shifted)).decisions).toEqual([]);

    expect(rows.map((row) => row.outcome)).toEqual(['proposed', 'applied', 'kept']);
    expect(rows.every((row) => row.learningType === 'performance_optimization' && row.subject === 'provider_selection:avoid:alpha')).toBe(true);
    expect(rows[2]).toMatchObject({ before: { metric: 'provider_latency_p95', value: 300 }, after: { decision: 'kept', metric: { value: 40 } } });
    expect(rows[0]!.confidenceScore).toBeGreaterThan(0.9);
    expect(optimizer.history().map((decision) => decision.outcome)).toEqual(['kept', 'applied', 'proposed']);
  });

  it('rolls back a TTL change that left the hit ratio where it was, then cools down before trying again', async () => {
    const { optimizer, rows, events, step } = harness({ cooldownMs: 3 * MINUTE }, { settings: ttlSettings });
    expect((await step(lowHits(0.3))).decisions.map((decision) => decision.outcome)).toEqual(['proposed', 'applied']);
    expect(events).toEqual(['cache+{"strategy":"query_results","ttlSeconds":1200}']);

    const judged = await step(lowHits(0.3));
    expect(judged.decisions.slice(0, 1)).toMatchObject([{ outcome: 'rolled_back', reason: 'unchanged', before: { value: 0.3 }, after: { value: 0.3 } }]);
    expect(events).toEqual(['cache+{"strategy":"query_results","ttlSeconds":1200}', 'cache-']);
    // The same proposal, made from the window measured under the change, is not applied again at once.
    expect(judged.decisions.slice(1)).toMatchObject([{ outcome: 'proposed' }, { outcome: 'skipped', reason: 'cooling_down' }]);

    expect((await step(lowHits(0.3))).decisions.map((decision) => decision.reason ?? decision.outcome)).toEqual(['proposed', 'cooling_down']);
    expect((await step(lowHits(0.3))).decisions.map((decision) => decision.reason ?? decision.outcome)).toEqual(['proposed', 'cooling_down']);
    expect((await step(lowHits(0.3))).decisions.map((decision) => decision.outcome)).toEqual(['proposed', 'applied']);
    expect(optimizer.activeChanges()).toHaveLength(1);
    expect(rows.filter((row) => row.outcome === 'rolled_back')).toHaveLength(1);
  });

  it('rolls back a change that made its target worse', async () => {
    const { events, step } = harness({}, { settings: ttlSettings });
    await step(lowHits(0.3));
    const judged = await step(lowHits(0.1));
    expect(judged.decisions[0]).toMatchObject({ outcome: 'rolled_back', reason: 'worse' });
    expect(events.at(-1)).toBe('cache-');
  });

  it('applies only above the threshold (configurable) and only safe changes', async () => {
    const submit = (confidence: number, safe = true): Optimization => ({
      type: 'cache_settings',
      key: `cache_settings:ttl:manual-${confidence}-${safe}`,
      description: 'manual',
      confidence,
      safe,
      expectedEffect: '',
      target: { name: 'cache_hit_ratio', direction: 'increase' },
      evidence: {},
      change: { strategy: 'query_results', ttlSeconds: 1200 },
    });
    const strict = harness();
    strict.optimizer.submit(submit(0.9));
    strict.optimizer.submit(submit(0.99, false));
    const report = await strict.step(healthy);
    expect(report.decisions.filter((decision) => decision.outcome === 'skipped').map((decision) => decision.reason)).toEqual(['low_confidence', 'not_safe']);
    expect(strict.events).toEqual([]);

    const lenient = harness({ applyThreshold: 0.8 });
    lenient.optimizer.submit(submit(0.85));
    expect((await lenient.step(healthy)).decisions.map((decision) => decision.outcome)).toEqual(['proposed', 'applied']);

    const off = harness({ autoApply: false });
    off.optimizer.submit(submit(0.99));
    expect((await off.step(healthy)).decisions.at(-1)).toMatchObject({ outcome: 'skipped', reason: 'auto_apply_off' });
  });

  it('records suggestions and changes without an actuator as skipped, storing repeats once an hour', async () => {
    const { optimizer, rows, step } = harness({}, { actions: { applyRouteChanges: undefined } });
    const slowQuery = (at: number) => ({ ...alphaSlow(at), database: { queries: [{ name: 'feedback_by_user', calls: 80, p95Ms: 240 }] } });
    const report = await step(slowQuery);
    expect(report.decisions.filter((decision) => decision.outcome === 'skipped').map((decision) => decision.reason)).toEqual(['no_actuator', 'suggest_only']);
    await step(slowQuery);
    expect(rows).toHaveLength(4);
    expect(optimizer.history()).toHaveLength(8);
  });

  it('lets one change per area be watched at a time', async () => {
    const twoSlow = (at: number) =>
      windowOf(at, { providers: { alpha: provider({ calls: 100, p95: 300 }), beta: provider({ calls: 100, p95: 300 }), gamma: provider({ calls: 100, p95: 30 }), delta: provider({ calls: 100, p95: 30 }) } });
    const { step, events } = harness();
    await step((at) => windowOf(at, { providers: { alpha: provider({ calls: 100, p95: 30 }), beta: provider({ calls: 100, p95: 30 }), gamma: provider({ calls: 100, p95: 30 }), delta: provider({ calls: 100, p95: 30 }) } }));
    const report = await step(twoSlow);
    expect(report.decisions.map((decision) => decision.reason ?? decision.outcome)).toEqual(['proposed', 'applied', 'proposed', 'area_busy']);
    expect(events).toHaveLength(1);
  });

  it('waits for enough samples, then rolls back an unproven improvement', async () => {
    const { step, events } = harness({ maxWatchWindows: 2 }, { settings: ttlSettings });
    await step(lowHits(0.3));
    const quiet = (at: number) => windowOf(at);
    expect((await step(quiet)).decisions).toEqual([]);
    expect((await step(quiet)).decisions).toMatchObject([{ outcome: 'rolled_back', reason: 'inconclusive' }]);
    expect(events.at(-1)).toBe('cache-');
  });

  it('releases a provider shift after its time so routing can try the provider again', async () => {
    const { step, events, optimizer } = harness({ releaseProviderChangesAfterMs: 3 * MINUTE });
    await step(healthy);
    await step(alphaSlow);
    await step(shifted);
    expect((await step(shifted)).decisions).toEqual([]);
    expect((await step(shifted)).decisions).toMatchObject([{ outcome: 'released', reason: 'expired' }]);
    expect(events).toEqual(['route+beta', 'route-']);
    expect(optimizer.activeChanges()).toEqual([]);
  });

  it('records a failed apply and a failed undo without throwing', async () => {
    const { step, logs, rows } = harness(
      {},
      {
        settings: ttlSettings,
        actions: {
          applyRouteChanges: () => {
            throw new Error('router gone');
          },
          setCacheSettings: () => () => {
            throw new Error('cache gone');
          },
        },
      },
    );
    await step(healthy);
    expect((await step(alphaSlow)).decisions.at(-1)).toMatchObject({ outcome: 'failed', reason: 'apply_failed', error: 'router gone' });
    await step(lowHits(0.3));
    expect((await step(lowHits(0.3))).decisions[0]).toMatchObject({ outcome: 'failed', reason: 'undo_failed', error: 'cache gone' });
    expect(logs.filter((log) => log.level === 'error')).toHaveLength(2);
    expect(rows.map((row) => row.outcome)).toContain('failed');
  });

  it('runs on its interval, survives a failing window read, and stops on close', async () => {
    vi.useFakeTimers();
    let reads = 0;
    const { optimizer, logs } = harness(
      {},
      {
        readWindow: () => {
          reads += 1;
          if (reads === 2) throw new Error('metrics unavailable');
          return healthy(AT);
        },
      },
    );
    optimizer.start();
    await vi.advanceTimersByTimeAsync(MINUTE - 1);
    expect(reads).toBe(0);
    await vi.advanceTimersByTimeAsync(3 * MINUTE);
    expect(reads).toBe(3);
    expect(logs.filter((log) => log.level === 'error').map((log) => log.message)).toEqual(['optimizer: could not read the metrics window']);
    await optimizer.close();
    await vi.advanceTimersByTimeAsync(3 * MINUTE);
    expect(reads).toBe(3);
  });

  it('applies cache TTL/size and provider concurrency proposals through the live settings (no longer no_actuator)', async () => {
    let ttlMs = 1_800_000;
    const strategy = { enabled: true, get ttlMs() { return ttlMs; }, setTtlSeconds: (seconds: number) => void (ttlMs = seconds * 1000) };
    const memory = new MemoryCacheStore({ maxSizeBytes: 64 * 1024 * 1024, ttlSeconds: 0 });
    const limiter = new RateLimiter('alpha', { maxConcurrent: 8 });
    const live = createLiveSettings({ strategies: { query_results: strategy }, memory, limiters: { alpha: limiter } });
    const { optimizer, step } = harness({}, { actions: { applyRouteChanges: undefined, ...live } });
    const base = { confidence: 0.99, safe: true, expectedEffect: '', evidence: {} };
    optimizer.submit({ ...base, type: 'cache_settings', key: 'cache_settings:ttl:query_results', description: 'ttl', target: { name: 'cache_hit_ratio', direction: 'increase' }, change: { strategy: 'query_results', ttlSeconds: 3600, memoryMaxSizeMb: 96 } });
    optimizer.submit({ ...base, type: 'resource_allocation', key: 'resource_allocation:concurrency:alpha', description: 'limit', target: { name: 'provider_rate_limited_ratio', subject: 'alpha', direction: 'decrease' }, change: { scope: 'alpha', limit: 6 } });
    const report = await step(healthy);
    expect(report.decisions.filter((decision) => decision.outcome === 'applied').map((decision) => decision.optimization.type)).toEqual(['cache_settings', 'resource_allocation']);
    expect(report.decisions.some((decision) => decision.reason === 'no_actuator')).toBe(false);
    expect(live.current()).toEqual({ cache: { strategies: { query_results: { ttlSeconds: 3600 } }, memory: { maxSizeMb: 96, ttlSeconds: 0 } }, concurrency: { alpha: 6 } });
    await limiter.close();
  });
});
