import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { FortitudeError } from '../core/errors.js';
import type { Classification, ResearchRequest, ResearchResult } from '../core/research.js';
import { LRUCache } from 'lru-cache';
import { createPatternTracker } from '../pipeline/routing/query-patterns.js';
import { buildCacheWarmer } from './build-warmer.js';
import type { FortitudeLogger } from '../infrastructure/logging/logger.js';
import { BatchedWriter } from '../infrastructure/storage/batched-writer.js';
import { createDatabase } from '../infrastructure/storage/create-database.js';
import { hashApiKey, type ApiKeyRecord } from '../infrastructure/storage/repositories/api-keys.js';
import type { ProviderRequestInput } from '../infrastructure/storage/repositories/provider-requests.js';
import type { QualityMetricInput } from '../infrastructure/storage/repositories/quality-metrics.js';
import { storageError } from '../infrastructure/storage/storage-errors.js';
import { createRedisKeyRateLimiter } from '../infrastructure/shared/redis-key-rate-limiter.js';
import { createRateLimiter, type RateLimiter } from '../interface/http/rate-limiter.js';
import type { Storage } from '../infrastructure/storage/storage.js';
import type { ApiKeyView, ResearchServices } from '../interface/cli/cli-services.js';
import { classify } from '../pipeline/classify/classify.js';
import { runResearch, streamResearch, type PipelineDeps } from '../pipeline/pipeline.js';
import type { ResearchCache } from '../pipeline/ports.js';
import { buildResearchPrompt } from '../pipeline/prompts/research-prompt.js';
import { evaluateQuality } from '../pipeline/quality/evaluate-quality.js';
import { agreementScore } from '../pipeline/quality/relevance.js';
import { buildCache, type CacheSystem } from './build-cache.js';
import { buildSemanticLayer } from './build-semantic.js';
import { createMetrics } from '../infrastructure/metrics/create-metrics.js';
import type { Metrics } from '../infrastructure/metrics/metrics.js';
import { buildProviders, type ProviderSet } from './build-providers.js';
import type { FortitudeConfig } from './config/schema.js';
import { createProviderCaller } from './provider-caller.js';
import { createOperatorServices } from './operator-services.js';
import { buildRouting, buildSharedState, type Routing } from './build-routing.js';
import { createReferenceLibrary, type ReferenceLibrary } from './research-library.js';

/** Everything one running Fortitude owns; built here and only here, closed in reverse order. */
export interface Application {
  readonly config: FortitudeConfig;
  readonly storage: Storage;
  readonly providers: ProviderSet;
  readonly caches: CacheSystem;
  readonly library: ReferenceLibrary;
  readonly pipeline: PipelineDeps;
  readonly recorder: BatchedWriter<ProviderRequestInput>;
  readonly routing: Routing;
  readonly metrics: Metrics;
  /** The HTTP API's per-key limiter shared by every replica (Redis); undefined: in-process. */
  readonly keyRateLimiter: RateLimiter | undefined;
  readonly services: ResearchServices & ApplicationExtras;
  close(): Promise<void>;
}

export interface ApplicationExtras {
  researchStream(request: ResearchRequest, options?: { signal?: AbortSignal }): ReturnType<typeof streamResearch>;
  verifyApiKey(raw: string): Promise<{ name: string; scopes: string[]; rateLimitPerMinute: number } | undefined>;
  readiness(): Promise<{ ok: boolean; checks: Record<string, { ok: boolean; latencyMs: number; error?: string }> }>;
}

export interface ApplicationDeps {
  logger: FortitudeLogger;
  /** Metrics recorders; a private registry is made when absent (CLI commands). */
  metrics?: Metrics;
  /** Cluster worker id, for per-process directories. */
  workerId?: number;
}

export async function createApplication(config: FortitudeConfig, deps: ApplicationDeps): Promise<Application> {
  const metrics = deps.metrics ?? createMetrics({ collection: { enabled: false } });
  const log: Logger = deps.logger.for('root');
  const dataDir = resolve(config.data_dir);
  const storage = await createDatabase({
    ...(config.database.url ? { databaseUrl: config.database.url } : { sqlitePath: config.database.sqlite_path ?? join(dataDir, 'fortitude.db') }),
    poolSize: config.database.pool_size,
  });
  const closers: (() => Promise<void>)[] = [() => storage.close()];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((error: unknown) => log.warn({ err: error }, 'error while closing'));
  };
  try {
    await storage.migrate();
    const recorder = new BatchedWriter<ProviderRequestInput>({
      write: async (records) => void (await storage.providerRequests.insertMany(records)),
      onError: (error, pending) => log.warn({ err: error, pending }, 'provider request records not written yet; retrying'),
    });
    closers.push(() => recorder.close());
    // The rating's derived quality row feeds analysis, not the caller: written off the request
    // path, one per write (so a retried batch never duplicates), surviving a database blip.
    const feedbackMetrics = new BatchedWriter<QualityMetricInput>({
      write: async ([record]) => void (record && (await storage.qualityMetrics.insert(record))),
      batchSize: 1,
      maxBuffered: 10_000,
      onError: (error, pending) => log.warn({ err: error, pending }, 'feedback quality rows not written yet; retrying'),
    });
    closers.push(() => feedbackMetrics.close());
    const shared = buildSharedState(config, log);
    closers.push(() => shared.close());
    const providers = await buildProviders(config, { rateLimitStore: shared.rateLimitStore, breakerStore: shared.breakerStore });
    closers.push(() => providers.close());
    const routing = buildRouting(config, {
      providerNames: providers.names,
      providerModels: Object.fromEntries([...providers.configs].map(([name, provider]) => [name, provider.model])),
      storage,
      budgetStore: shared.budgetStore,
      logger: log,
    });
    closers.push(() => routing.close());
    const caches = buildCache(config, {
      logger: deps.logger.for('root'),
      onEvent: (level, strategy, kind) => {
        if (kind === 'hit' || kind === 'miss') metrics.observeCache({ level, strategy, result: kind });
      },
    });
    closers.push(() => caches.close());
    const library = createReferenceLibrary(storage, { exportDir: resolve(config.research.reference_library_dir) });

    const caller = createProviderCaller({ providers, routing, recorder, onCall: (call) => metrics.observeProviderCall(call) });
    const exactTiers = withLibraryFallback(caches.research, library, config.caching.strategies.query_results.ttl_seconds * 1000);
    const semantic = await buildSemanticLayer(config, { library, providers, logger: log, shared, ...(deps.workerId ? { workerId: deps.workerId } : {}) });
    if (semantic) closers.push(() => semantic.close());
    // Classification is pure: repeated questions (the cached ones above all) skip the work.
    const classifications = new LRUCache<string, Classification>({ max: 10_000 });
    const pipeline: PipelineDeps = {
      understanding: {
        classify: (query, options) => {
          if (options?.type) return classify(query, options);
          let classification = classifications.get(query);
          if (!classification) {
            classification = classify(query);
            classifications.set(query, classification);
          }
          return classification;
        },
        buildPrompt: buildResearchPrompt,
        evaluate: (input) => evaluateQuality(input),
        agreement: agreementScore,
      },
      cache: semantic ? semantic.wrap(exactTiers) : exactTiers,
      providers: caller,
      library,
      telemetry: {
        qualityEvaluated: (researchType, durationMs, score) => metrics.observeQualityEvaluation({ researchType, durationMs, score }),
        cacheLookup: (result) => metrics.observeCacheLookup({ strategy: 'query_results', result }),
      },
      qualityThreshold: config.research.quality_threshold,
      maxQualityRetries: config.research.max_quality_retries,
    };

    // Patterns are counted in memory and written once a second: a cached answer must not cost a
    // database write.
    const patterns = createPatternTracker({ patterns: storage.patterns });
    const pending = new Map<string, { query: string; researchType: string; domain: string; occurrences: number; successes: number }>();
    const observePattern = (result: ResearchResult) => {
      const key = `${result.classification.researchType.value}|${result.classification.domain.value}|${result.query}`;
      const entry = pending.get(key) ?? { query: result.query, researchType: result.classification.researchType.value, domain: result.classification.domain.value, occurrences: 0, successes: 0 };
      entry.occurrences++;
      if (result.quality.composite >= config.research.quality_threshold) entry.successes++;
      pending.set(key, entry);
    };
    const flushPatterns = async () => {
      const batch = [...pending.values()];
      pending.clear();
      const started = performance.now();
      for (const entry of batch) {
        await patterns
          .observe({ ...entry, success: entry.successes > 0 })
          .catch((error: unknown) => log.warn({ err: error }, 'query pattern not recorded'));
      }
      if (batch.length > 0) metrics.observePatternProcessing(performance.now() - started);
    };
    const patternTimer = setInterval(() => void flushPatterns(), 1_000).unref();
    closers.push(async () => {
      clearInterval(patternTimer);
      await flushPatterns();
    });
    const runResearchForWarming = (request: ResearchRequest) => runResearch(request, pipeline);
    const warmer = semantic ? buildCacheWarmer(config, { storage, semantic, research: runResearchForWarming, logger: log }) : undefined;
    if (warmer && config.caching.warming.enabled) {
      warmer.start();
      closers.push(async () => warmer.close());
    }

    const services: ResearchServices & ApplicationExtras = {
      simulatedProviders: providers.simulated,
      operator: createOperatorServices(config, storage, routing),
      async research(request, options = {}) {
        // `options` is passed as it is: an HTTP caller's `signal` is a lazy getter, read only when a
        // provider is actually called (a cache hit never creates an AbortSignal).
        const result = await runResearch(request, pipeline, options);
        observePattern(result);
        return result;
      },
      async warmCache() {
        if (!warmer) throw new FortitudeError('bad_request', 'cache warming needs the semantic cache: set caching.semantic.enabled: true');
        return warmer.runOnce();
      },
      researchStream: (request, options = {}) => streamResearch(request, pipeline, options.signal ? { signal: options.signal } : {}),
      classify: (query, type) => classify(query, type ? { type } : undefined),
      getResult: (idOrSlug) => library.get(idOrSlug),
      listResults: (options) => library.list(options),
      searchResults: (options) => library.search(options),
      async submitFeedback(input) {
        if (!Number.isInteger(input.rating) || input.rating < 1 || input.rating > 5)
          throw new FortitudeError('bad_request', `rating: expected a whole number from 1 to 5 (got ${input.rating})`, { details: { field: 'rating' } });
        // The rating itself is written before answering: the caller learns it was recorded, or
        // gets a clean, retryable storage_error (503) during a database outage — never a 500.
        const result = await library.get(input.resultId).catch(asStorageError('feedback not recorded: the database is unreachable'));
        if (!result) throw new FortitudeError('not_found', `no research result "${input.resultId}"`, { details: { field: 'result_id' } });
        const saved = await storage.feedback
          .insert({ resultId: result.id, rating: input.rating, textFeedback: input.comment ?? null, userId: input.user ?? null })
          .catch(asStorageError('feedback not recorded: the database is unreachable'));
        feedbackMetrics.add({
          resultId: result.id,
          provider: result.provider,
          model: result.model,
          researchType: result.classification.researchType.value,
          compositeScore: (input.rating - 1) / 4,
          dimensionScores: { user_rating: input.rating },
          source: 'feedback',
        });
        routing.router.recordFeedback({ provider: result.provider, researchType: result.classification.researchType.value, model: result.model, rating: input.rating });
        return { id: saved.id };
      },
      async providerStatus() {
        const statuses = await providers.status();
        return statuses.map((status) => ({
          name: status.name,
          kind: status.kind,
          model: providers.configs.get(status.name)?.model,
          simulated: status.simulated,
          configured: status.configured,
          healthy: status.healthy,
          breaker: status.breaker.state,
          latency: status.stats?.latencyMs ? { p50: status.stats.latencyMs.p50, p95: status.stats.latencyMs.p95, p99: status.stats.latencyMs.p99 } : {},
          errorRate: status.stats?.errorRate ?? 0,
          requests: status.stats?.requests ?? 0,
          rateLimit: status.rateLimit,
          origin: status.origin,
        }));
      },
      cacheStats: async () => ({ ...(await caches.stats()), semantic: semantic?.cache.stats() }),
      clearCache: () => caches.clear(),
      async createApiKey(input) {
        const key = `ftd_${randomBytes(24).toString('base64url')}`;
        const record = await storage.apiKeys.create({
          name: input.name,
          rawKey: key,
          scopes: input.scopes,
          rateLimitPerMinute: input.rateLimitPerMinute ?? config.server.auth.default_rate_limit_per_minute,
        });
        return { key, record: toKeyView(record, config) };
      },
      listApiKeys: async () => (await storage.apiKeys.list()).map((record) => toKeyView(record, config)),
      async revokeApiKey(nameOrId) {
        const record = (await storage.apiKeys.list()).find((key) => (key.name === nameOrId || key.id === nameOrId) && key.revokedAt === null);
        return record ? storage.apiKeys.revoke(record.id) : false;
      },
      async verifyApiKey(raw) {
        const record = await storage.apiKeys.findByHash(hashApiKey(raw));
        if (!record || record.revokedAt !== null) return undefined;
        void storage.apiKeys.touch(record.id).catch(() => undefined);
        return { name: record.name, scopes: record.scopes, rateLimitPerMinute: record.rateLimitPerMinute ?? config.server.auth.default_rate_limit_per_minute };
      },
      async readiness() {
        const checks: Record<string, { ok: boolean; latencyMs: number; error?: string }> = {};
        checks.database = await storage.healthCheck();
        if (caches.redis) checks.redis = { ok: caches.redis.healthy, latencyMs: 0, ...(caches.redis.healthy ? {} : { error: 'Redis unreachable; serving from the other cache levels' }) };
        const statuses = await providers.status();
        const healthyProviders = statuses.filter((status) => status.healthy).length;
        checks.providers = { ok: healthyProviders > 0, latencyMs: 0, ...(healthyProviders > 0 ? {} : { error: 'no provider is healthy' }) };
        // Only the database decides readiness: Redis down degrades to the other cache levels, and a
        // provider outage hits every replica alike (taking them all out of the Service helps nobody).
        return { ok: checks.database.ok, checks };
      },
      close: closeAll,
    };

    const gauges = setInterval(() => {
      const state = routing.budget.state();
      metrics.setBudgetUtilization('daily', state.day.utilisation);
      metrics.setBudgetUtilization('monthly', state.month.utilisation);
      for (const provider of providers.providers.values()) void provider.breaker.snapshot().then((snapshot) => metrics.setCircuitState(provider.name, snapshot.state));
      if (caches.redis) metrics.redisDegraded(!caches.redis.healthy);
    }, 5_000).unref();
    closers.push(async () => clearInterval(gauges));
    const keyRateLimiter = shared.redis
      ? createRedisKeyRateLimiter(shared.redis, {
          keyPrefix: shared.keyPrefix,
          fallback: createRateLimiter(),
          onDegraded: (error) => log.warn({ err: error }, 'API key rate limit decided in process: shared state unreachable'),
        })
      : undefined;
    return { config, storage, providers, caches, library, pipeline, recorder, routing, metrics, keyRateLimiter, services, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/**
 * The reference library is the persistent tier of the answer cache: an exact question asked
 * again within the query-results TTL is answered from storage and promoted into the caches.
 */
function withLibraryFallback(cache: ResearchCache, library: ReferenceLibrary, maxAgeMs: number): ResearchCache {
  return {
    async lookup(query, context) {
      const hit = await cache.lookup(query, context);
      if (hit) return hit;
      const stored = await library.findRecent(query, context, maxAgeMs);
      if (!stored) return undefined;
      await cache.store(query, context, stored).catch(() => undefined);
      return { kind: 'exact', similarity: 1, result: stored };
    },
    store: (query, context, result) => cache.store(query, context, result),
  };
}

/** Driver errors become `storage_error` (HTTP 503; retryable when transient); coded errors pass. */
function asStorageError(message: string) {
  return (error: unknown): never => {
    throw error instanceof FortitudeError ? error : storageError(`${message}; retry later`, error);
  };
}

function toKeyView(record: ApiKeyRecord, config: FortitudeConfig): ApiKeyView {
  return {
    id: record.id,
    name: record.name,
    prefix: record.prefix,
    scopes: record.scopes,
    rateLimitPerMinute: record.rateLimitPerMinute ?? config.server.auth.default_rate_limit_per_minute,
    createdAt: record.createdAt,
    lastUsedAt: record.lastUsedAt,
    revokedAt: record.revokedAt,
  };
}
