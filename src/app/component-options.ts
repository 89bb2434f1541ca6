import { join } from 'node:path';
import type { StrategiesOptions } from '../infrastructure/cache/cache-strategies.js';
import type { DiskCacheOptions } from '../infrastructure/cache/disk/disk-store.js';
import type { MemoryCacheOptions } from '../infrastructure/cache/memory/memory-store.js';
import type { RedisCacheOptions } from '../infrastructure/redis/redis-cache-store.js';
import type { LoggingOptions } from '../infrastructure/logging/logger.js';
import type { MetricsOptions } from '../infrastructure/metrics/metrics-options.js';
import type { CliConfig } from '../interface/cli/cli-context.js';
import type { HttpServerOptions } from '../interface/http/http-server.js';
import type { ApiTest } from '../operations/load-test/load-plan.js';
import type { PerformanceTargets } from '../operations/load-test/load-test-report.js';
import type { PerformanceOptimizerOptions } from '../operations/optimizer/performance-optimizer.js';
import type { AlertEngineOptions } from '../operations/sla/alert-engine.js';
import type { ApiKeyOptions } from '../pipeline/access/api-keys.js';
import type { OperatorReportOptions } from '../pipeline/operator-reports.js';
import type { StoredResponsesOptions } from '../pipeline/stored-responses.js';
import type { SlaTargets } from '../operations/sla/alert-rules.js';
import type { BudgetGuardOptions } from '../pipeline/budget/budget-guard.js';
import { parseBudgetActions } from '../pipeline/budget/budget-policy.js';
import type { ModelSelectionOptions } from '../pipeline/routing/model-selection.js';
import type { RouterOptions } from '../pipeline/routing/router.js';
import type { SelectionOptions } from '../pipeline/routing/selection-options.js';
import type { TokenOptimizationOptions } from '../providers/token-optimization.js';
import type { BreakerPolicy } from '../providers/circuit-breaker/breaker-state.js';
import type { ProviderStackOptions } from '../providers/provider-stack.js';
import type { LeaseOptions } from '../providers/rate-limit/leased-rate-limit-store.js';
import type { LoadedConfig } from './config/load-config.js';
import type { FortitudeConfig } from './config/schema.js';
import type { ResolvedProvider } from './config/sections/providers.js';

/**
 * The one place where the validated config (snake_case, the seed's units: `performance_window`
 * in seconds, `max_size_mb`, …) becomes each component's own options (camelCase, the unit in the
 * name: `windowMs`, `maxSizeBytes`). The builders call these; `test/config/config-to-components`
 * checks every duration and size they produce from the seed file and from the defaults.
 */

const SECOND_MS = 1_000;
const MB_BYTES = 1024 * 1024;

export const secondsToMs = (seconds: number): number => seconds * SECOND_MS;
export const mbToBytes = (megabytes: number): number => Math.floor(megabytes * MB_BYTES);

/** `selection_strategy` → the router's `selection`. */
export function selectionOptions(section: FortitudeConfig['selection_strategy']): SelectionOptions {
  return {
    type: section.type,
    criteria: section.criteria,
    windowMs: secondsToMs(section.performance_window),
    minSamples: section.min_samples,
    adaptiveSelection: section.adaptive_selection,
    qualityThreshold: section.quality_threshold,
    latencyThresholdMs: section.latency_threshold,
    order: section.order,
  };
}

/** Everything the router reads from the config (providers and prices come from the builder). */
export function routerOptions(config: FortitudeConfig): Pick<RouterOptions, 'selection' | 'strategy' | 'costQuality' | 'models' | 'simpleQueryProviders'> {
  const models: Record<string, ModelSelectionOptions | undefined> = {};
  for (const [name, costs] of Object.entries(config.cost_management.providers)) {
    const selection = costs.model_selection;
    models[name] = selection && { defaultModel: selection.default, costOptimizedModel: selection.cost_optimized, qualityThreshold: selection.quality_threshold };
  }
  const routing = config.cost_management.routing;
  return {
    selection: selectionOptions(config.selection_strategy),
    // `cost_management.routing.strategy`, when set, is the strategy (see the costs section).
    ...(routing.strategy !== undefined ? { strategy: routing.strategy } : {}),
    costQuality: { costWeight: routing.cost_weight, qualityWeight: routing.quality_weight },
    models,
    // Only configured providers: a cost section may name one that is not (or not enabled).
    simpleQueryProviders: Object.entries(config.cost_management.providers)
      .filter(([name, costs]) => costs.usage_optimization?.prefer_for_simple_queries === true && config.providers[name]?.enabled === true)
      .map(([name]) => name),
  };
}

const ALERT_THRESHOLD_KEY = /^(daily|monthly)_(\d{1,3})_percent$/;

/** `cost_management.global` and `budget_controls` → the budget guard's limits and actions. */
export function budgetGuardOptions(costs: FortitudeConfig['cost_management']): Pick<BudgetGuardOptions, 'dailyBudgetUsd' | 'monthlyBudgetUsd' | 'thresholds' | 'alertFractions' | 'hardLimits' | 'lease'> {
  const alertFractions: { day: number[]; month: number[] } = { day: [], month: [] };
  // `alert_thresholds: { daily_80_percent: true, monthly_90_percent: true }` → day: [0.8], month: [0.9].
  for (const [key, enabled] of Object.entries(costs.global.alert_thresholds as Record<string, boolean>)) {
    const match = ALERT_THRESHOLD_KEY.exec(key);
    if (match && enabled) alertFractions[match[1] === 'daily' ? 'day' : 'month'].push(Number(match[2]) / 100);
  }
  return {
    dailyBudgetUsd: costs.global.daily_budget_usd,
    monthlyBudgetUsd: costs.global.monthly_budget_usd,
    thresholds: parseBudgetActions(costs.budget_controls.actions),
    alertFractions,
    hardLimits: costs.budget_controls.hard_limits,
    lease: { enabled: costs.budget_controls.lease_headroom },
  };
}

/** `sla_targets` (already in ms and fractions) → the SLA rules' and reports' targets. */
export function slaTargets(section: FortitudeConfig['sla_targets']): SlaTargets {
  return {
    apiResponseTimeMs: section.api_response_time,
    providerResponseTimeMs: section.provider_response_time,
    qualityEvaluationTimeMs: section.quality_evaluation_time,
    systemAvailability: section.system_availability,
    errorRate: section.error_rate,
  };
}

/** `sla_targets` and `monitoring` → the alert engine's rules, webhooks and cadence. */
export function alertEngineOptions(config: FortitudeConfig): Pick<AlertEngineOptions, 'targets' | 'rules' | 'webhooks' | 'evaluationIntervalMs' | 'minSamples' | 'warmupMs'> {
  const monitoring = config.monitoring;
  return {
    targets: slaTargets(config.sla_targets),
    rules: monitoring.alerts.map((rule) => ({ name: rule.name, condition: rule.condition, durationMs: secondsToMs(rule.duration), severity: rule.severity })),
    webhooks: monitoring.webhooks.map((webhook) => ({ url: webhook.url, timeoutMs: webhook.timeout_ms, maxRetries: webhook.max_retries })),
    evaluationIntervalMs: secondsToMs(monitoring.evaluation_interval),
    minSamples: monitoring.min_samples,
    warmupMs: secondsToMs(monitoring.warmup),
  };
}

/** `load_tests.api_tests` (durations in seconds) → the load planner's tests. */
export function apiTests(section: FortitudeConfig['load_tests']): ApiTest[] {
  return section.api_tests.map((test) => ({
    name: test.name,
    durationMs: secondsToMs(test.duration),
    users: test.users,
    rampUpMs: secondsToMs(test.ramp_up),
    scenarios: test.scenarios?.map((scenario) => ({ name: scenario.name, weight: scenario.weight, requestsPerSecond: scenario.requests_per_second })),
    targetRps: test.target_rps,
  }));
}

/** `performance_targets` (already in ms and fractions) → the load report's targets. */
export function performanceTargets(section: FortitudeConfig['performance_targets']): PerformanceTargets {
  return {
    apiResponseTimeP95Ms: section.api_response_time_p95,
    apiResponseTimeP99Ms: section.api_response_time_p99,
    errorRate: section.error_rate,
    throughput: section.throughput,
  };
}

/** A database URL's host name (`postgres://user:secret@host:5432/db` → `host`); never the URL itself. */
function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '(unparsable database.url)';
  }
}

/** What the CLI commands read of a loaded config. */
export function cliConfig({ config, file }: LoadedConfig): CliConfig {
  return {
    file,
    effective: config,
    providers: Object.values(config.providers).map((provider) => ({ name: provider.name, hasApiKey: Boolean(provider.api_key) })),
    // The strategy the router runs: `cost_management.routing.strategy` wins when set.
    selectionStrategy: config.cost_management.routing.strategy ?? config.selection_strategy.type,
    alertRules: config.monitoring.alerts.length,
    apiTests: apiTests(config.load_tests),
    providerTests: config.load_tests.provider_tests.map((test) => ({ name: test.name, providers: test.providers, concurrentRequests: test.concurrent_requests, durationMs: secondsToMs(test.duration) })),
    databaseTests: config.load_tests.database_tests.map((test) => ({
      name: test.name,
      connectionPoolSize: test.connection_pool_size,
      concurrentQueries: test.concurrent_queries,
      durationMs: secondsToMs(test.duration),
    })),
    databaseHost: config.database.url ? hostOf(config.database.url) : undefined,
    generateReport: config.monitoring.generate_report,
    performanceTargets: performanceTargets(config.performance_targets),
    allowedHosts: config.server.allowed_hosts,
    allowedOrigins: [...config.server.allowed_origins, ...config.server.cors.origins],
  };
}

/** What every cache level bounds itself by: `max_size_mb` as bytes, entries' `ttl_seconds`. */
function levelBounds(level: { max_size_mb: number; ttl_seconds: number }): { maxSizeBytes: number; ttlSeconds: number } {
  return { maxSizeBytes: mbToBytes(level.max_size_mb), ttlSeconds: level.ttl_seconds };
}

/** `caching.levels.memory` → the L1 store. */
export function memoryStoreOptions(level: FortitudeConfig['caching']['levels']['memory']): MemoryCacheOptions {
  return { ...levelBounds(level), evictionPolicy: level.eviction_policy };
}

/** `caching.levels.redis` and `redis.key_prefix` → the L2 store (only built with `redis.url`, on the process's connection). */
export function redisStoreOptions(config: FortitudeConfig): RedisCacheOptions {
  const level = config.caching.levels.redis;
  return {
    ...levelBounds(level),
    compression: level.compression,
    compressionThresholdBytes: level.compression_threshold_bytes,
    commandTimeoutMs: level.command_timeout_ms,
    keyPrefix: `${config.redis.key_prefix}cache:`,
  };
}

/** `caching.levels.disk` → the L3 store, under `data_dir/cache` unless `path` is set. */
export function diskStoreOptions(config: FortitudeConfig): DiskCacheOptions {
  const level = config.caching.levels.disk;
  return {
    directory: level.path ?? join(config.data_dir, 'cache'),
    ...levelBounds(level),
    cleanupIntervalMs: secondsToMs(level.cleanup_interval),
  };
}

/** `caching.strategies` → one `StrategyOptions` per kind of cached value. */
export function cacheStrategiesOptions(strategies: FortitudeConfig['caching']['strategies']): StrategiesOptions {
  const { query_results: queryResults, quality_evaluations: qualityEvaluations, provider_responses: providerResponses, embeddings } = strategies;
  const common = (strategy: { enabled: boolean; cache_levels: readonly ('memory' | 'redis' | 'disk')[]; ttl_seconds: number }) => ({
    enabled: strategy.enabled,
    levels: strategy.cache_levels,
    ttlSeconds: strategy.ttl_seconds,
  });
  return {
    query_results: { ...common(queryResults), keyStrategy: queryResults.cache_key_strategy },
    quality_evaluations: common(qualityEvaluations),
    provider_responses: { ...common(providerResponses), deduplication: providerResponses.deduplication },
    embeddings: common(embeddings),
  };
}

/** `logging` → the logger (the rate-limit filter's `window` in seconds becomes `windowMs`). */
export function loggerOptions(section: FortitudeConfig['logging']): LoggingOptions {
  return {
    levels: section.levels,
    timestampFormat: section.timestamp_format,
    sampling: { enabled: section.sampling.enabled, rate: section.sampling.rate, levels: section.sampling.apply_to_levels },
    filters: section.filters.map((filter) =>
      filter.type === 'regex' ? { type: 'regex', pattern: filter.pattern } : { type: 'rate_limit', limit: filter.limit, windowMs: secondsToMs(filter.window) },
    ),
    asyncLogging: section.async_logging,
    bufferSizeBytes: section.buffer_size,
    flushIntervalMs: section.flush_interval_ms,
    maxPendingBytes: Math.round(section.max_pending_mb * 1024 * 1024),
    format: section.format,
    ...(section.file
      ? {
          file: {
            path: section.file,
            rotation: { maxSizeBytes: Math.round(section.rotation.max_size_mb * 1024 * 1024), maxFiles: section.rotation.max_files, compress: section.rotation.compress },
          },
        }
      : {}),
    includeCaller: section.include_caller,
    includeStacktrace: section.include_stacktrace,
  };
}

/** A provider's `circuit_breaker` block (seconds, a fraction) → the breaker's policy. */
export function breakerPolicy(section: ResolvedProvider['circuit_breaker']): Partial<BreakerPolicy> {
  return {
    failureThreshold: section.consecutive_failures,
    errorRateThreshold: section.failure_ratio,
    minimumRequests: section.minimum_requests,
    windowMs: secondsToMs(section.window),
    openDurationMs: secondsToMs(section.open_duration),
  };
}

/** A provider's block (timeouts in seconds, the seed's pool and rate-limit keys) → its stack: transport, rate limiter, retry, breaker. */
export function providerStackOptions(provider: ResolvedProvider, extra: { simulated?: boolean; baseUrl?: string; apiKey?: string } = {}): ProviderStackOptions {
  const pool = provider.connection_pool;
  const limits = provider.rate_limit;
  const optimization = provider.request_optimization;
  const options: ProviderStackOptions = {
    name: provider.name,
    kind: provider.kind,
    simulated: extra.simulated ?? false,
    totalTimeoutMs: secondsToMs(provider.timeout_seconds),
    readTimeoutMs: secondsToMs(provider.read_timeout),
    deadlineMs: secondsToMs(provider.deadline_seconds ?? provider.timeout_seconds),
    hedgeAfterMs: provider.hedge_after,
    connection: {
      maxConnections: pool.max_connections,
      maxIdleConnections: pool.max_idle_connections,
      idleTimeoutMs: secondsToMs(pool.idle_timeout),
      keepAlive: pool.keep_alive,
      connectTimeoutMs: secondsToMs(provider.connect_timeout),
    },
    compressRequests: optimization.enable_compression,
    rateLimit: {
      requestsPerMinute: limits.requests_per_minute,
      tokensPerMinute: limits.tokens_per_minute,
      maxConcurrent: limits.max_concurrent,
      burstAllowance: limits.burst_allowance,
      maxQueueWaitMs: limits.max_queue_wait_ms,
    },
    retry: {
      maxRetries: optimization.max_retries,
      retryDelayMs: optimization.retry_delay_ms,
      exponentialBackoff: optimization.exponential_backoff,
    },
    breaker: breakerPolicy(provider.circuit_breaker),
  };
  const baseUrl = extra.baseUrl ?? provider.base_url;
  if (baseUrl !== undefined) options.baseUrl = baseUrl;
  const apiKey = extra.apiKey ?? provider.api_key;
  if (apiKey !== undefined) options.apiKey = apiKey;
  return options;
}

/** `cost_management.providers.<name>.token_optimization` → the provider's token layer (absent: no layer). */
export function tokenOptimizationOptions(config: FortitudeConfig, provider: string): { tokenOptimization?: TokenOptimizationOptions } {
  const section = config.cost_management.providers[provider]?.token_optimization;
  if (!section) return {};
  return { tokenOptimization: { maxInputTokens: section.max_input_tokens, maxOutputTokens: section.max_output_tokens, compressContext: section.compress_context } };
}

/** `metrics` and `selection_strategy.performance_window` → the metrics recorders and their rolling window. */
export function metricsOptions(config: FortitudeConfig): MetricsOptions {
  const collection = config.metrics.collection;
  return {
    // The load-testing block's `monitoring.collect_metrics: false` turns collection off as `metrics.collection.enabled: false` does.
    collection: { enabled: collection.enabled && config.monitoring.collect_metrics, highResolution: collection.high_resolution, samplingRate: collection.sampling_rate },
    components: config.metrics.components,
    highCardinalityLimit: config.metrics.high_cardinality_limit,
    window: { windowMs: performanceWindowMs(config) },
  };
}

/**
 * `selection_strategy.performance_window` (seconds) in ms: the router's window, and the span of
 * everything that must agree with it (metrics window, provider statistics, the routing journal).
 */
export function performanceWindowMs(config: FortitudeConfig): number {
  return secondsToMs(config.selection_strategy.performance_window);
}

/** What one machine's serving processes may hold of a shared bucket together, leased (`leased-rate-limit-store.ts`). */
const MACHINE_LEASE_SHARE = 0.1;

/**
 * Which providers' shared rate-limit buckets a process may lease from (`rate_limit.lease`, keyed
 * by provider name as the limiters are), and how much: the machine's `processes` share 10 % of a
 * bucket; undefined when no provider leases (no wrapper is built).
 */
export function rateLimitLeaseOptions(config: FortitudeConfig, processes: number): LeaseOptions | undefined {
  const leased = new Set(Object.entries(config.providers).filter(([, provider]) => provider.rate_limit.lease).map(([name]) => name));
  return leased.size === 0 ? undefined : { leases: (key) => leased.has(key), maxChunkShare: MACHINE_LEASE_SHARE / Math.max(1, processes) };
}

/** The learned-routing journal shared by the machine's processes keeps calls as long as the router uses them. */
export function routingJournalOptions(config: FortitudeConfig): { retainCallsMs: number } {
  return { retainCallsMs: performanceWindowMs(config) };
}

/** The providers' call statistics span the same window as the router's. */
export function providerStatsOptions(config: FortitudeConfig): { windowMs: number } {
  return { windowMs: performanceWindowMs(config) };
}

/** `server` → the HTTP server's limits, timeouts, CORS and auth (host and port come from the command line first). */
export function httpServerOptions(
  config: FortitudeConfig,
): Pick<HttpServerOptions, 'bodyLimitBytes' | 'requestTimeoutMs' | 'shutdownTimeoutMs' | 'cors' | 'allowedHosts' | 'allowedOrigins' | 'auth' | 'dashboards'> {
  const server = config.server;
  return {
    dashboards: config.monitoring.dashboards,
    bodyLimitBytes: server.body_limit_kb * 1024,
    requestTimeoutMs: secondsToMs(server.request_timeout),
    shutdownTimeoutMs: secondsToMs(server.shutdown_timeout),
    cors: { origins: server.cors.origins },
    allowedHosts: server.allowed_hosts,
    allowedOrigins: server.allowed_origins,
    auth: {
      mode: server.auth.mode,
      defaultRateLimitPerMinute: server.auth.default_rate_limit_per_minute,
      maxFailedKeysPerMinute: server.auth.max_failed_keys_per_minute,
    },
  };
}

/** Verified keys answered from memory for `key_cache` seconds; kept through a database outage for `key_outage_grace`. */
export function apiKeyOptions(auth: FortitudeConfig['server']['auth']): ApiKeyOptions {
  return {
    defaultRateLimitPerMinute: auth.default_rate_limit_per_minute,
    verifiedTtlMs: secondsToMs(auth.key_cache),
    outageGraceMs: secondsToMs(auth.key_outage_grace),
  };
}

export function storedResponsesOptions(section: FortitudeConfig['gateway']['stored_responses']): StoredResponsesOptions {
  return { retentionMs: secondsToMs(section.retention_days * 86_400) };
}

/** `optimizer` → the performance optimizer's cadence and thresholds. */
export function optimizerOptions(section: FortitudeConfig['optimizer']): Pick<PerformanceOptimizerOptions, 'intervalMs' | 'applyThreshold' | 'autoApply'> {
  return { intervalMs: secondsToMs(section.interval), applyThreshold: section.apply_threshold, autoApply: section.auto_apply };
}

/** How long a research answer is served from a cache tier (the library, the semantic index): `query_results.ttl_seconds`. */
export function researchAnswerTtlMs(config: FortitudeConfig): number {
  return secondsToMs(config.caching.strategies.query_results.ttl_seconds);
}

/** `cost_management.routing.auto_optimization` → how often `serve` applies the cost optimizer's plan, and the plan's bounds. */
export function autoOptimizationOptions(config: FortitudeConfig): { enabled: boolean; intervalMs: number; timeRange: string; targetReduction: number; maintainQuality: number } {
  const section = config.cost_management.routing.auto_optimization;
  return {
    enabled: section.enabled,
    intervalMs: secondsToMs(section.interval),
    timeRange: section.time_range,
    targetReduction: section.cost_savings_target,
    maintainQuality: Math.max(0, config.selection_strategy.quality_threshold - section.quality_tolerance),
  };
}

/** `caching.warming` → the cache warmer's limits and cadence. */
export function warmerOptions(section: FortitudeConfig['caching']['warming']): { frequencyThreshold: number; maxQueriesPerRun: number; maxCostUsdPerRun: number; intervalMs: number } {
  return {
    frequencyThreshold: section.frequency_threshold,
    maxQueriesPerRun: section.max_queries_per_run,
    maxCostUsdPerRun: section.max_cost_usd_per_run,
    intervalMs: secondsToMs(section.interval),
  };
}

/** `cost_management.providers.<name>.cost_tracking` → what each provider's request rows keep (absent: everything). */
export function costTrackingOptions(config: FortitudeConfig): Record<string, { perUser: boolean; perQueryType: boolean }> {
  const tracking: Record<string, { perUser: boolean; perQueryType: boolean }> = {};
  for (const [name, costs] of Object.entries(config.cost_management.providers)) {
    if (costs.cost_tracking) tracking[name] = { perUser: costs.cost_tracking.track_per_user, perQueryType: costs.cost_tracking.track_per_query_type };
  }
  return tracking;
}

/** `selection_strategy` → what provider analysis (`benchmark analyze-providers`) scores with. */
export function operatorReportOptions(section: FortitudeConfig['selection_strategy']): OperatorReportOptions {
  return { criteria: section.criteria, qualityThreshold: section.quality_threshold, latencyThresholdMs: section.latency_threshold };
}
