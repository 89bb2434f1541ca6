import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from './create-metrics.js';
import type { Metrics } from './metrics.js';
import type { MetricsOptions } from './metrics-options.js';

/** The value of one sample line, e.g. `value(body, 'fortitude_api_requests_total', { route: '/a' })`; summed over unlisted labels. */
function value(body: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let total: number | undefined;
  for (const line of body.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((pair) => [pair[1], pair[2]]));
    if (Object.entries(labels).every(([key, wanted]) => found[key] === wanted)) total = (total ?? 0) + Number(match[3]);
  }
  return total;
}

const opened: Metrics[] = [];
function make(options: MetricsOptions = {}, deps: Parameters<typeof createMetrics>[1] = {}): Metrics {
  const metrics = createMetrics(options, deps);
  opened.push(metrics);
  return metrics;
}
afterEach(() => {
  for (const metrics of opened.splice(0)) metrics.close();
});

function recordTraffic(metrics: Metrics): void {
  metrics.apiConcurrent.inc();
  metrics.observeApiRequest({ route: '/api/research', method: 'POST', status: 200, durationMs: 40 });
  metrics.observeApiRequest({ route: '/api/research', method: 'POST', status: 503, durationMs: 400 });
  metrics.observeApiRequest({ route: '/v1/chat/completions', method: 'POST', status: 400, durationMs: 2 });
  metrics.observeProviderCall({ provider: 'openai', model: 'gpt-4o', outcome: 'success', durationMs: 1200, inputTokens: 100, outputTokens: 300, costUsd: 0.004 });
  metrics.observeProviderCall({ provider: 'openai', model: 'gpt-4o', outcome: 'timeout', durationMs: 30_000 });
  metrics.observeProviderCall({ provider: 'claude', model: 'sonnet', outcome: 'success', durationMs: 800, inputTokens: 50, outputTokens: 50, costUsd: 0.002 });
  metrics.rateLimited('openai');
  metrics.setCircuitState('openai', 'open');
  metrics.setBudgetUtilization('daily', 0.42);
  metrics.observeQualityEvaluation({ researchType: 'implementation', durationMs: 12, score: 0.9, provider: 'openai' });
  metrics.observeQualityEvaluation({ researchType: 'decision', durationMs: 30, score: 0.7, provider: 'claude' });
  metrics.observeCache({ level: 'memory', strategy: 'default', result: 'miss' });
  metrics.observeCache({ level: 'redis', strategy: 'default', result: 'hit' });
  metrics.observeCacheLookup({ strategy: 'default', result: 'hit' });
  metrics.observeCacheLookup({ strategy: 'default', result: 'miss' });
  metrics.observeCacheLookup({ strategy: 'default', result: 'hit' });
  metrics.observeLearningAdaptation(3);
  metrics.observePatternProcessing(8);
  metrics.observeFeedbackLatency(60_000);
  metrics.redisDegraded(true);
}

describe('createMetrics: /metrics', () => {
  it('exposes every metric of the seed performance-monitoring.yaml under the prefix', async () => {
    const metrics = make();
    recordTraffic(metrics);
    const { body, contentType } = await metrics.render();
    expect(contentType).toMatch(/text\/plain/);
    for (const name of [
      'fortitude_api_request_duration_seconds_bucket',
      'fortitude_api_requests_total',
      'fortitude_api_errors_total',
      'fortitude_api_concurrent_requests',
      'fortitude_provider_response_duration_seconds_bucket',
      'fortitude_provider_tokens_total',
      'fortitude_provider_cost_usd_total',
      'fortitude_provider_cost_per_request_usd_bucket',
      'fortitude_provider_requests_total',
      'fortitude_provider_success_ratio',
      'fortitude_quality_evaluation_duration_seconds_bucket',
      'fortitude_quality_score_bucket',
      'fortitude_cache_requests_total',
      'fortitude_cache_hit_ratio',
      'fortitude_learning_adaptation_duration_seconds_bucket',
      'fortitude_learning_pattern_processing_duration_seconds_bucket',
      'fortitude_learning_feedback_latency_seconds_bucket',
      'fortitude_process_cpu_seconds_total',
      'fortitude_process_resident_memory_bytes',
      'fortitude_nodejs_heap_size_used_bytes',
      'fortitude_nodejs_eventloop_lag_p99_seconds',
      'fortitude_budget_utilization_ratio',
      'fortitude_provider_circuit_state',
      'fortitude_redis_degraded',
    ]) {
      expect(value(body, name), name).toBeDefined();
    }
    expect(value(body, 'fortitude_api_requests_total')).toBe(3);
    expect(value(body, 'fortitude_api_errors_total', { status_class: '5xx' })).toBe(1);
    expect(value(body, 'fortitude_api_errors_total', { status_class: '4xx' })).toBe(1);
    expect(value(body, 'fortitude_api_concurrent_requests')).toBe(1);
    expect(value(body, 'fortitude_api_request_duration_seconds_sum')).toBeCloseTo(0.442, 6);
    expect(value(body, 'fortitude_provider_tokens_total', { provider: 'openai', direction: 'output' })).toBe(300);
    expect(value(body, 'fortitude_provider_requests_total', { provider: 'openai', outcome: 'timeout' })).toBe(1);
    expect(value(body, 'fortitude_provider_success_ratio', { provider: 'openai' })).toBe(0.5);
    expect(value(body, 'fortitude_provider_circuit_state', { provider: 'openai' })).toBe(2);
    expect(value(body, 'fortitude_cache_hit_ratio', { level: 'all' })).toBeCloseTo(2 / 3, 9);
    expect(value(body, 'fortitude_cache_hit_ratio', { level: 'redis' })).toBe(1);
    expect(value(body, 'fortitude_redis_degraded')).toBe(1);
  });

  it('uses its own registry, so two instances do not collide', async () => {
    const a = make();
    const b = make();
    a.observeApiRequest({ route: '/a', method: 'GET', status: 200, durationMs: 1 });
    expect(value((await a.render()).body, 'fortitude_api_requests_total')).toBe(1);
    expect(value((await b.render()).body, 'fortitude_api_requests_total')).toBeUndefined();
  });

  it('leaves out the series of a component flag set to false', async () => {
    const metrics = make({
      components: {
        api_server: { request_duration: false },
        providers: { token_usage: false },
        learning_system: { adaptation_time: false, pattern_processing: false, feedback_latency: false },
        infrastructure: { memory_usage: false, disk_io: false, network_io: false },
      },
    });
    recordTraffic(metrics);
    const { body } = await metrics.render();
    expect(body).not.toMatch(/fortitude_api_request_duration_seconds/);
    expect(body).not.toMatch(/fortitude_provider_tokens_total/);
    expect(body).not.toMatch(/fortitude_learning_/);
    expect(body).not.toMatch(/resident_memory|heap_size/);
    expect(body).not.toMatch(/fortitude_process_disk|fortitude_network_/);
    // The rest still report.
    expect(value(body, 'fortitude_api_requests_total')).toBe(3);
    expect(value(body, 'fortitude_process_cpu_seconds_total')).toBeDefined();
    // The rolling window (SLA, dashboard) keeps recording regardless of /metrics flags.
    expect(metrics.snapshot().api.latency.count).toBe(3);
  });

  it('high_resolution: false exports coarser latency buckets (fewer series per histogram)', async () => {
    const buckets = async (highResolution: boolean) => {
      const metrics = make({ collection: { enabled: true, highResolution } });
      recordTraffic(metrics);
      return ((await metrics.render()).body.match(/^fortitude_api_request_duration_seconds_bucket\{/gm) ?? []).length;
    };
    const fine = await buckets(true);
    const coarse = await buckets(false);
    expect(coarse).toBeGreaterThan(0);
    expect(fine).toBeGreaterThan(coarse);
  });

  it('is a no-op when collection is disabled', async () => {
    const metrics = make({ collection: { enabled: false } });
    recordTraffic(metrics);
    expect((await metrics.render()).body).toBe('');
    expect(metrics.snapshot().api.requests).toBe(0);
    expect(metrics.enabled).toBe(false);
  });

  it('samples histogram observations but keeps counters exact', async () => {
    let draw = 0;
    // Alternating draws: 0.1 (kept at rate 0.5), 0.9 (dropped).
    const metrics = make({ collection: { samplingRate: 0.5 } }, { random: () => (draw++ % 2 === 0 ? 0.1 : 0.9) });
    for (let index = 0; index < 100; index += 1) metrics.observeApiRequest({ route: '/a', method: 'GET', status: 200, durationMs: 5 });
    const { body } = await metrics.render();
    expect(value(body, 'fortitude_api_requests_total')).toBe(100);
    expect(value(body, 'fortitude_api_request_duration_seconds_count')).toBe(50);
    const snapshot = metrics.snapshot();
    expect(snapshot.api.requests).toBe(100);
    expect(snapshot.api.latency.count).toBe(50);
    expect(snapshot.api.latency.p50).toBeCloseTo(5, 0);
  });

  it('folds label values beyond highCardinalityLimit into other and counts the folds', async () => {
    const metrics = make({ highCardinalityLimit: 3 });
    for (const model of ['m1', 'm2', 'm3', 'm4-typo', 'm5-typo', 'm1']) {
      metrics.observeProviderCall({ provider: 'openai', model, outcome: 'success', durationMs: 10 });
    }
    const { body } = await metrics.render();
    const models = new Set([...body.matchAll(/fortitude_provider_requests_total\{[^}]*model="([^"]+)"/g)].map((match) => match[1]));
    expect([...models].sort()).toEqual(['m1', 'm2', 'm3', 'other']);
    expect(value(body, 'fortitude_provider_requests_total', { model: 'other' })).toBe(2);
    expect(value(body, 'fortitude_provider_requests_total', { model: 'm1' })).toBe(2);
    expect(value(body, 'fortitude_metrics_label_overflow_total', { label: 'model' })).toBe(2);
  });

  it('counts every repeated provider call and cache read, and shows a token or cost series only once one is reported', async () => {
    const metrics = make();
    for (let index = 0; index < 3; index += 1) {
      metrics.observeProviderCall({ provider: 'openai', model: 'm1', outcome: 'success', durationMs: 10, inputTokens: 24, outputTokens: 14, costUsd: 0.5 });
    }
    for (let index = 0; index < 2; index += 1) metrics.observeProviderCall({ provider: 'openai', model: 'm1', outcome: 'timeout', durationMs: 30 });
    metrics.observeProviderCall({ provider: 'local', model: 'free', outcome: 'success', durationMs: 5 });
    for (const result of ['hit', 'hit', 'hit', 'miss'] as const) metrics.observeCache({ level: 'memory', strategy: 'exact', result });
    metrics.observeCacheLookup({ strategy: 'exact', result: 'hit' });
    metrics.observeCacheLookup({ strategy: 'exact', result: 'hit' });
    metrics.observeCacheLookup({ strategy: 'exact', result: 'miss' });
    const { body } = await metrics.render();
    expect(value(body, 'fortitude_provider_requests_total', { provider: 'openai', outcome: 'success' })).toBe(3);
    expect(value(body, 'fortitude_provider_requests_total', { provider: 'openai', outcome: 'timeout' })).toBe(2);
    expect(value(body, 'fortitude_provider_tokens_total', { provider: 'openai', direction: 'input' })).toBe(72);
    expect(value(body, 'fortitude_provider_tokens_total', { provider: 'openai', direction: 'output' })).toBe(42);
    expect(value(body, 'fortitude_provider_cost_usd_total', { provider: 'openai' })).toBe(1.5);
    expect(value(body, 'fortitude_provider_response_duration_seconds_count', { provider: 'openai', outcome: 'timeout' })).toBe(2);
    expect(value(body, 'fortitude_provider_tokens_total', { provider: 'local' })).toBeUndefined();
    expect(value(body, 'fortitude_provider_cost_usd_total', { provider: 'local' })).toBeUndefined();
    expect(value(body, 'fortitude_cache_requests_total', { level: 'memory', result: 'hit' })).toBe(3);
    expect(value(body, 'fortitude_cache_requests_total', { level: 'memory', result: 'miss' })).toBe(1);
    expect(value(body, 'fortitude_cache_lookups_total', { strategy: 'exact', result: 'hit' })).toBe(2);
    // The rolling window (snapshots, SLA alerts) counts the same calls.
    const snapshot = metrics.snapshot();
    expect(snapshot.providers.openai).toMatchObject({ calls: 5, failures: 2, inputTokens: 72, outputTokens: 42, costUsd: 1.5 });
    expect(snapshot.providers.local).toMatchObject({ calls: 1, failures: 0, costUsd: 0 });
    expect(snapshot.cache.byLevel.memory).toMatchObject({ hits: 3, misses: 1 });
    expect(snapshot.cache.byStrategy.exact).toMatchObject({ hits: 2, misses: 1 });
  });

  it.runIf(existsSync('/proc/self/io') && existsSync('/proc/net/dev'))('reads disk and network I/O from procfs on scrape (Linux)', async () => {
    const metrics = make();
    const { body } = await metrics.render();
    expect(value(body, 'fortitude_process_io_read_chars_total')).toBeGreaterThan(0);
    expect(value(body, 'fortitude_process_disk_read_bytes_total')).toBeGreaterThanOrEqual(0);
    expect(value(body, 'fortitude_process_disk_written_bytes_total')).toBeGreaterThanOrEqual(0);
    expect(value(body, 'fortitude_network_receive_bytes_total', { interface: 'lo' })).toBeGreaterThanOrEqual(0);
    expect(value(body, 'fortitude_network_transmit_bytes_total')).toBeGreaterThanOrEqual(0);
    // A second scrape reads the files again: counters only grow.
    const before = value(body, 'fortitude_process_io_read_chars_total')!;
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(value((await metrics.render()).body, 'fortitude_process_io_read_chars_total')).toBeGreaterThanOrEqual(before);
  });
});

describe('createMetrics: snapshot', () => {
  it('summarises the rolling window: latency percentiles, error rate, availability, cost, cache, quality', () => {
    let now = 1_700_000_000_000;
    const metrics = make({ window: { bucketMs: 10_000, windowMs: 600_000 } }, { now: () => now });
    for (let index = 1; index <= 100; index += 1) metrics.observeApiRequest({ route: '/a', method: 'GET', status: index <= 2 ? 500 : 200, durationMs: index });
    recordTraffic(metrics);
    now += 30_000;
    const snapshot = metrics.snapshot({ timeline: true });
    expect(snapshot.api.requests).toBe(103);
    expect(snapshot.api.errors).toBe(3);
    expect(snapshot.api.clientErrors).toBe(1);
    expect(snapshot.api.errorRate).toBeCloseTo(3 / 103, 9);
    expect(snapshot.api.availability).toBeCloseTo(100 / 103, 9);
    expect(snapshot.api.latency.p95).toBeCloseTo(95, -0.5);
    expect(snapshot.api.latency.max).toBe(400);
    expect(snapshot.providers.openai).toMatchObject({ calls: 2, failures: 1, successRate: 0.5, costUsd: 0.004, costPerRequest: 0.002, rateLimited: 1 });
    expect(snapshot.providers.openai!.quality).toEqual({ count: 1, avg: 0.9 });
    expect(snapshot.providers.claude!.latency.p50).toBeCloseTo(800, -1);
    expect(snapshot.costPerRequest).toBeCloseTo(0.006 / 3, 9);
    expect(snapshot.quality.score).toEqual({ count: 2, avg: 0.8 });
    expect(snapshot.quality.byResearchType.decision).toEqual({ count: 1, avg: 0.7 });
    expect(snapshot.cache.hitRatio).toBeCloseTo(2 / 3, 9);
    expect(snapshot.cache.byLevel.memory).toEqual({ hits: 0, misses: 1, hitRatio: 0 });
    expect(snapshot.budget).toEqual({ daily: 0.42 });
    expect(snapshot.circuits).toEqual({ openai: 'open' });
    expect(snapshot.concurrentRequests).toBe(1);
    expect(snapshot.redisDegraded).toBe(true);
    expect(snapshot.learning.feedbackLatency.max).toBe(60_000);
    expect(snapshot.timeline).toHaveLength(1);
    expect(snapshot.timeline![0]).toMatchObject({ requests: 103, errors: 3 });
    // Must survive JSON (the dashboard and /api endpoints serve it as is).
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
  });

  it('summarises a shorter span on request and drops data older than the window', () => {
    let now = 1_700_000_000_000;
    const metrics = make({ window: { bucketMs: 10_000, windowMs: 300_000 } }, { now: () => now });
    metrics.observeApiRequest({ route: '/a', method: 'GET', status: 500, durationMs: 900 });
    now += 120_000;
    metrics.observeApiRequest({ route: '/a', method: 'GET', status: 200, durationMs: 10 });
    expect(metrics.snapshot().api.requests).toBe(2);
    const recent = metrics.snapshot({ spanMs: 60_000 });
    expect(recent.api.requests).toBe(1);
    expect(recent.api.errorRate).toBe(0);
    now += 310_000; // the last request's bucket now lies wholly outside the 300 s window
    const later = metrics.snapshot();
    expect(later.api.requests).toBe(0);
    expect(later.api.latency.p95).toBeNull();
    expect(later.api.errorRate).toBeNull();
  });
});
