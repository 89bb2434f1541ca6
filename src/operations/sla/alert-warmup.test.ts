import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../../infrastructure/metrics/create-metrics.js';
import type { Metrics } from '../../infrastructure/metrics/metrics.js';
import { createAlertEngine } from './alert-engine.js';
import type { AlertEngine, AlertEngineOptions } from './alert-engine.js';
import type { AlertRuleOptions } from './alert-rules.js';

/** A rule with no hold time: it goes straight from inactive to firing once it holds. */
const SLOW_API: AlertRuleOptions = {
  name: 'slow api',
  condition: { aggregate: 'p95', metric: 'api_response_time', bound: { op: '>', value: 200, unit: 'ms' }, text: 'p95(api_response_time) > 200ms' },
  durationMs: 60_000,
  severity: 'warning',
};
const silent = { info: () => {}, warn: () => {}, error: () => {} };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function setup(options: Partial<AlertEngineOptions>) {
  const clock = { time: 1_700_000_000_000, now: () => clock.time };
  const metrics: Metrics = createMetrics({ window: { bucketMs: 1_000, windowMs: 600_000 } }, { now: clock.now });
  const engine: AlertEngine = createAlertEngine({ rules: [SLOW_API], evaluationSpanMs: 600_000, clock, logger: silent, readMetrics: ({ spanMs }) => metrics.snapshot({ spanMs }), ...options });
  cleanups.push(() => metrics.close(), () => engine.close());
  const slowRequests = (count: number) => {
    for (let index = 0; index < count; index += 1) metrics.observeApiRequest({ route: '/api/research', method: 'POST', status: 200, durationMs: 900 });
  };
  const state = () => engine.listAlerts().alerts[0]!.state;
  return { clock, engine, slowRequests, state };
}

describe('alert warm-up and minimum samples', () => {
  it('stays inactive on a few slow requests, then goes pending once there are enough', async () => {
    const { clock, engine, slowRequests, state } = setup({ minSamples: 20 });
    slowRequests(5);
    clock.time += 10_000;
    expect(await engine.evaluate()).toEqual([]);
    expect(state()).toBe('inactive');
    expect(engine.listAlerts().alerts[0]!.value).toBeGreaterThan(200); // the value is seen, it just does not count yet

    slowRequests(15); // 20 in the span now
    clock.time += 10_000;
    expect(await engine.evaluate()).toMatchObject([{ from: 'inactive', to: 'pending' }]);
  });

  it('stays inactive during the warm-up even with enough samples, then can go pending', async () => {
    const { clock, engine, slowRequests, state } = setup({ minSamples: 20, warmupMs: 60_000 });
    slowRequests(50);
    clock.time += 30_000;
    expect(await engine.evaluate()).toEqual([]);
    clock.time += 29_000;
    expect(await engine.evaluate()).toEqual([]);
    expect(state()).toBe('inactive');

    clock.time += 1_000; // 60 s after start
    expect(await engine.evaluate()).toMatchObject([{ from: 'inactive', to: 'pending' }]);
  });

  it('without the options a single slow request still makes the rule pending (library default)', async () => {
    const { clock, engine, slowRequests } = setup({});
    slowRequests(1);
    clock.time += 1_000;
    expect(await engine.evaluate()).toMatchObject([{ to: 'pending' }]);
  });
});
