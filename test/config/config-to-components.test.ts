import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { buildCache } from '../../src/app/build-cache.js';
import { buildRouting } from '../../src/app/build-routing.js';
import {
  alertEngineOptions,
  apiKeyOptions,
  autoOptimizationOptions,
  cliConfig,
  diskStoreOptions,
  httpServerOptions,
  loggerOptions,
  metricsOptions,
  optimizerOptions,
  providerStackOptions,
  providerStatsOptions,
  redisStoreOptions,
  researchAnswerTtlMs,
  routingJournalOptions,
  storedResponsesOptions,
  warmerOptions,
} from '../../src/app/component-options.js';
import { loadConfig } from '../../src/app/config/load-config.js';
import type { FortitudeConfig } from '../../src/app/config/schema.js';
import { createDatabase } from '../../src/infrastructure/storage/create-database.js';
import { planLoadTest } from '../../src/operations/load-test/load-plan.js';
import { createAlertEngine } from '../../src/operations/sla/alert-engine.js';
import { MemoryBudgetStore } from '../../src/pipeline/budget/memory-budget-store.js';

/**
 * The path from a config file to the components: `examples/fortitude.seed.yaml` and the
 * built-in defaults go through the real loader and the real builders of `src/app/`, and every
 * duration and size that reaches a component is checked in the component's own unit. Tests that
 * build a component by hand cannot catch a seconds/milliseconds mix-up; this one can.
 */

const SEED_FILE = resolve(import.meta.dirname, '../../examples/fortitude.seed.yaml');
const emptyDirectory = mkdtempSync(join(tmpdir(), 'fortitude-units-'));
const logger = pino({ level: 'silent' });

const loaded = {
  seed: loadConfig({ path: SEED_FILE, env: {} }),
  // No ./fortitude.yaml in an empty directory: the schema's defaults (the seed's values).
  defaults: loadConfig({ env: {}, cwd: emptyDirectory }),
};
const configs: Record<'seed' | 'defaults', FortitudeConfig> = { seed: loaded.seed.config, defaults: loaded.defaults.config };

afterEach(() => {
  vi.useRealTimers();
});

afterAll(() => {
  rmSync(emptyDirectory, { recursive: true, force: true });
});

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const MB = 1024 * 1024;
const silentAlertLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe.each(['seed', 'defaults'] as const)('%s config', (name) => {
  const config = configs[name];

  it('the router remembers a call for performance_window (3600 s = 1 h), not 3.6 s', async () => {
    expect(config.selection_strategy.performance_window).toBe(3600);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 0, 1) });
    const storage = await createDatabase({ sqlitePath: ':memory:' });
    await storage.migrate();
    const routing = buildRouting(config, {
      providerNames: ['openai', 'claude'],
      providerModels: { openai: 'gpt-4', claude: 'claude-3-sonnet-20240229' },
      storage,
      budgetStore: new MemoryBudgetStore(),
      logger,
    });
    try {
      const samples = async () => {
        const status = await routing.router.learningStatus();
        return status.estimates.find((estimate) => estimate.provider === 'openai' && estimate.researchType === 'technical')?.samples ?? 0;
      };
      routing.router.record({ provider: 'openai', researchType: 'technical', latencyMs: 800, ok: true, costUsd: 0.01 });
      expect(await samples()).toBe(1);
      vi.advanceTimersByTime(10_000);
      expect(await samples()).toBe(1);
      vi.advanceTimersByTime(HOUR_MS - 60_000);
      expect(await samples()).toBe(1);
      vi.advanceTimersByTime(2 * HOUR_MS);
      expect(await samples()).toBe(0);
      // The budget guard built beside it: the seed's limits in USD, hard limits on.
      expect(routing.budget.state()).toMatchObject({ day: { limitUsd: 100 }, month: { limitUsd: 2500 }, hardLimits: true });
    } finally {
      await routing.close();
      await storage.close();
    }
  });

  it('alert rules hold for their duration (5m, 2m, 10m) and are evaluated every 10 s', () => {
    const options = alertEngineOptions(config);
    expect(options.evaluationIntervalMs).toBe(10_000);
    // No alert from the first cold requests: 20 observations and 60 s after start first.
    expect([options.minSamples, options.warmupMs]).toEqual([20, 60_000]);
    const engine = createAlertEngine({
      ...options,
      logger: silentAlertLogger,
      readMetrics: () => {
        throw new Error('not evaluated in this test');
      },
    });
    try {
      const rules = engine.listAlerts().alerts;
      expect(rules.filter((rule) => rule.source === 'rule').map((rule) => [rule.name, rule.durationMs])).toEqual([
        ['SLA Violation - API Response Time', 5 * MINUTE_MS],
        ['SLA Violation - Error Rate', 2 * MINUTE_MS],
        ['Performance Degradation', 10 * MINUTE_MS],
      ]);
      // The SLA's own targets (ms) reach the implied rules as thresholds in ms.
      expect(rules.find((rule) => rule.condition === 'p99(api_response_time) > 500ms')?.threshold).toBe(500);
      expect(rules.find((rule) => rule.condition === 'p95(provider_response_time) > 3000ms')?.threshold).toBe(3000);
    } finally {
      engine.close();
    }
  });

  it('load tests reach the planner in ms (baseline 10 min with a 2 min ramp-up) and the targets in ms', () => {
    const cli = cliConfig(loaded[name]);
    const plan = planLoadTest(cli.apiTests, 'baseline_performance');
    expect([plan.durationMs, plan.rampUpMs]).toEqual([10 * MINUTE_MS, 2 * MINUTE_MS]);
    const spike = planLoadTest(cli.apiTests, 'spike_test');
    expect([spike.durationMs, spike.rampUpMs]).toEqual([2 * MINUTE_MS, 30_000]);
    expect(cli.performanceTargets).toMatchObject({ apiResponseTimeP95Ms: 200, apiResponseTimeP99Ms: 500, errorRate: { op: '<', value: 0.001 } });
  });

  it('cache levels get their sizes in bytes and cap TTLs at their ttl_seconds; strategies keep entries for their ttl_seconds', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fortitude-units-cache-'));
    const caches = buildCache({ ...config, data_dir: dataDir }, { logger });
    try {
      const levels = Object.fromEntries((await caches.cache.stats()).levels.map((level) => [level.level, level]));
      expect(Object.keys(levels)).toEqual(['memory', 'disk']); // no redis.url: no L2
      expect(levels.memory?.maxBytes).toBe(512 * MB);
      expect(levels.disk?.maxBytes).toBe(8192 * MB);
      // A day asked of each level: L1 keeps it 5 min, L3 a day (ttl_seconds 300 and 86400).
      const [memory, disk] = caches.cache.levels;
      for (const [store, capMs] of [[memory!, 5 * MINUTE_MS], [disk!, 24 * HOUR_MS]] as const) {
        const before = Date.now();
        expect(await store.set(`units:${store.level}`, 'value', 48 * HOUR_MS)).toBe(true);
        const entry = await store.getEntry(`units:${store.level}`);
        expect(entry!.expiresAt - before).toBeGreaterThan(capMs - MINUTE_MS);
        expect(entry!.expiresAt - before).toBeLessThanOrEqual(capMs + MINUTE_MS);
      }
      const strategies = caches.strategies;
      expect([strategies.query_results.ttlMs, strategies.quality_evaluations.ttlMs, strategies.provider_responses.ttlMs, strategies.embeddings.ttlMs]).toEqual([
        30 * MINUTE_MS,
        2 * HOUR_MS,
        HOUR_MS,
        24 * HOUR_MS,
      ]);
      expect(diskStoreOptions(config).cleanupIntervalMs).toBe(HOUR_MS);
      // L2 is built only with redis.url; its options are checked without connecting.
      expect(redisStoreOptions(config)).toMatchObject({ ttlSeconds: 3600, maxSizeBytes: 2048 * MB, commandTimeoutMs: 50 });
    } finally {
      await caches.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('each provider stack gets its timeouts, pool idle time, retry delay and breaker window in ms', () => {
    const openai = providerStackOptions(config.providers.openai!);
    expect(openai).toMatchObject({
      totalTimeoutMs: 30_000,
      readTimeoutMs: 25_000,
      deadlineMs: 30_000,
      connection: { connectTimeoutMs: 5_000, idleTimeoutMs: 90_000, maxConnections: 100 },
      rateLimit: { requestsPerMinute: 150, tokensPerMinute: 120_000, maxConcurrent: 15, burstAllowance: 50, maxQueueWaitMs: 5_000 },
      retry: { maxRetries: 3, retryDelayMs: 1_000 },
      breaker: { windowMs: MINUTE_MS, openDurationMs: 30_000 },
    });
    expect(providerStackOptions(config.providers.gemini!).totalTimeoutMs).toBe(25_000);
    expect(providerStackOptions(config.providers.claude!).rateLimit).toMatchObject({ requestsPerMinute: 120, maxConcurrent: 12 });
  });

  it('metrics, provider statistics, routing journal, server, optimizer, logger, cache tiers, warmer, auto-optimization and stored responses get ms and bytes', () => {
    expect(metricsOptions(config).window?.windowMs).toBe(HOUR_MS);
    expect(providerStatsOptions(config).windowMs).toBe(HOUR_MS);
    // The machine's learned-routing journal keeps calls for the router's window (performance_window: 3600 s).
    expect(routingJournalOptions(config).retainCallsMs).toBe(HOUR_MS);
    expect(httpServerOptions(config)).toMatchObject({ bodyLimitBytes: MB, requestTimeoutMs: 120_000, shutdownTimeoutMs: 10_000 });
    expect(optimizerOptions(config.optimizer).intervalMs).toBe(5 * MINUTE_MS);
    expect(apiKeyOptions(config.server.auth)).toMatchObject({ verifiedTtlMs: 30_000, outageGraceMs: 15 * MINUTE_MS });
    const logging = loggerOptions(config.logging);
    expect([logging.flushIntervalMs, logging.bufferSizeBytes]).toEqual([1_000, 65_536]);
    expect(logging.filters).toContainEqual({ type: 'rate_limit', limit: 100, windowMs: MINUTE_MS });
    // The library and the semantic index serve an answer as long as query_results does (1800 s).
    expect(researchAnswerTtlMs(config)).toBe(30 * MINUTE_MS);
    expect(warmerOptions(config.caching.warming).intervalMs).toBe(5 * MINUTE_MS);
    expect(autoOptimizationOptions(config)).toMatchObject({ intervalMs: 5 * MINUTE_MS, timeRange: '1d', targetReduction: 0.2 });
    // Responses API answers are kept retention_days (30) for previous_response_id.
    expect(storedResponsesOptions(config.gateway.stored_responses).retentionMs).toBe(30 * 24 * HOUR_MS);
  });
});

describe('the load-testing block of the seed', () => {
  it('monitoring.collect_metrics: false turns metrics collection off; true (the seed) keeps metrics.collection.enabled', () => {
    const off = loadConfig({ env: { FORTITUDE_MONITORING__COLLECT_METRICS: 'false' }, cwd: emptyDirectory }).config;
    expect(metricsOptions(off).collection?.enabled).toBe(false);
    expect(metricsOptions(configs.seed).collection?.enabled).toBe(true);
  });

  it('monitoring.generate_report reaches the benchmark command', () => {
    expect(cliConfig(loaded.seed).generateReport).toBe(true);
    expect(cliConfig(loadConfig({ env: { FORTITUDE_MONITORING__GENERATE_REPORT: 'false' }, cwd: emptyDirectory })).generateReport).toBe(false);
  });
});
