import type { Logger } from 'pino';
import { createMetrics } from '../infrastructure/metrics/create-metrics.js';
import type { Metrics } from '../infrastructure/metrics/metrics.js';
import type { FortitudeLogger } from '../infrastructure/logging/logger.js';
import { createRedisKeyRateLimiter } from '../infrastructure/redis/redis-key-rate-limiter.js';
import { BatchedWriter } from '../infrastructure/storage/batched-writer.js';
import type { ProviderRequestInput } from '../infrastructure/storage/repositories/provider-requests.js';
import type { LearningInput } from '../infrastructure/storage/repositories/learning.js';
import type { Storage } from '../infrastructure/storage/storage.js';
import { createRateLimiter, type RateLimiter } from '../interface/http/rate-limiter.js';
import { createApiKeys } from '../pipeline/access/api-keys.js';
import { createMemoisedClassifier } from '../pipeline/classify/classify.js';
import { createFortitude } from '../pipeline/create-fortitude.js';
import type { Fortitude } from '../pipeline/fortitude.js';
import { createGateway } from '../pipeline/gateway.js';
import { createStoredResponses } from '../pipeline/stored-responses.js';
import { createHealth } from '../pipeline/health.js';
import { createFeedback } from '../pipeline/library/feedback.js';
import type { ReferenceLibrary } from '../pipeline/library/reference-library.js';
import { createOperatorReports } from '../pipeline/operator-reports.js';
import { runResearch, type PipelineDeps } from '../pipeline/pipeline.js';
import type { ProviderCatalog } from '../pipeline/ports.js';
import { createProviderCaller } from '../pipeline/provider-call.js';
import { buildResearchPrompt } from '../pipeline/prompts/research-prompt.js';
import { evaluateQuality } from '../pipeline/quality/evaluate-quality.js';
import { createCachedEvaluation } from '../pipeline/quality/cached-evaluation.js';
import { agreementScore } from '../pipeline/quality/relevance.js';
import { createPatternBatcher, createPatternTracker } from '../pipeline/routing/query-patterns.js';
import { buildCache, researchCacheFor, type CacheSystem } from './build-cache.js';
import { buildProviders, type ProviderSet } from './build-providers.js';
import { apiKeyOptions, costTrackingOptions, operatorReportOptions, storedResponsesOptions } from './component-options.js';
import { buildRouting, buildSharedState, type Routing } from './build-routing.js';
import { buildSemanticLayer } from './build-semantic.js';
import { buildCacheWarmer } from './build-warmer.js';
import { libraryOver, openStorage } from './open-storage.js';
import { feedbackQualityRows } from './stored-services.js';
import type { FortitudeConfig } from './config/schema.js';

/**
 * Everything one running Fortitude owns; built here and only here, closed in reverse order.
 * Interfaces get `fortitude` (the facade); the rest is for `serve`'s own wiring (metrics,
 * observability, the optimizer's steering) and tests that inspect internals.
 */
export interface Application {
  readonly fortitude: Fortitude;
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
  close(): Promise<void>;
}

export interface ApplicationDeps {
  logger: FortitudeLogger;
  /** Metrics recorders; a private registry is made when absent (CLI commands). */
  metrics?: Metrics;
  /** Cluster worker id, for per-process directories. */
  workerId?: number;
  /** Serving processes on this machine (1 unless `serve --workers N`). */
  processes?: number;
  /**
   * Lease budget headroom (`cost_management.budget_controls.lease_headroom`): only `serve`, whose
   * many calls share a block; a CLI command makes one or two calls and would only add a round trip.
   */
  leaseBudget?: boolean;
  /**
   * On SQLite, write the request and learning records in a thread of their own (`serve`: the
   * serving thread only hands them over); a CLI command writes a few, and spares the thread.
   */
  writeRecordsOffThread?: boolean;
}

export async function createApplication(config: FortitudeConfig, deps: ApplicationDeps): Promise<Application> {
  const metrics = deps.metrics ?? createMetrics({ collection: { enabled: false } });
  const log: Logger = deps.logger.for('root');
  // `logging.levels.learning`: feedback, query patterns, the routing journal and learning records.
  const learningLog: Logger = deps.logger.for('learning');
  const storage = await openStorage(config, { sqliteWriterThread: deps.writeRecordsOffThread ?? false });
  const closers: (() => Promise<void>)[] = [() => storage.close()];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((error: unknown) => log.warn({ err: error }, 'error while closing'));
  };
  try {
    const recorder = new BatchedWriter<ProviderRequestInput>({
      // Default batches of 200: smaller ones cost more CPU per record (each commit writes its pages:
      // 25 → +11–20 µs, 100 → +4 µs a record, bench/request-records.ts). In `serve` on SQLite the
      // batch is written by a thread of its own (`writeRecordsOffThread`); in the caller's thread a
      // batch costs ~10 µs a record and the writer yields between the batches of a backlog.
      write: async (records) => void (await storage.providerRequests.insertMany(records)),
      onError: (error, pending) => log.warn({ err: error, pending }, 'provider request records not written yet; retrying'),
    });
    closers.push(() => recorder.close());
    // The router's adaptations (`learning_data`): at saturation the change detector fires for ~2 %
    // of calls, and one insert each was a commit of ~360 µs on SQLite's serving thread. Batched
    // once a second (the router's in-memory log has them at once, the stored history read by
    // `learning status` within a second), retried through an outage as the request records are.
    const learningRecorder = new BatchedWriter<LearningInput>({
      write: async (records) => void (await storage.learning.insertMany(records)),
      flushIntervalMs: 1_000,
      maxBuffered: 5_000,
      onError: (error, pending) => learningLog.warn({ err: error, pending }, 'learning records not written yet; retrying'),
    });
    closers.push(() => learningRecorder.close());
    const feedbackMetrics = feedbackQualityRows(storage, learningLog);
    closers.push(() => feedbackMetrics.close());
    const shared = await buildSharedState(config, log, { processes: deps.processes ?? 1, learningLogger: learningLog });
    if (shared.redis) {
      const redis = shared.redis;
      metrics.redisDegraded(!redis.available);
      redis.onChange((available) => metrics.redisDegraded(!available));
    }
    closers.push(() => shared.close());
    const providers = await buildProviders(config, { rateLimitStore: shared.rateLimitStore, breakerStore: shared.breakerStore, budgetStore: shared.budgetStore });
    closers.push(() => providers.close());
    const routing = buildRouting(config, {
      providerNames: providers.names,
      providerModels: Object.fromEntries([...providers.configs].map(([name, provider]) => [name, provider.model])),
      storage,
      budgetStore: shared.budgetStore,
      learnedState: shared.learnedState,
      logger: log,
      learningLogger: learningLog,
      leaseBudget: deps.leaseBudget ?? false,
      recordLearning: (input) => learningRecorder.add(input),
    });
    closers.push(() => routing.close());
    const caches = buildCache(config, {
      logger: deps.logger.for('root'),
      redis: shared.redis,
      onEvent: (level, strategy, kind) => {
        if (kind === 'hit' || kind === 'miss') metrics.observeCache({ level, strategy, result: kind });
      },
    });
    closers.push(() => caches.close());
    const library = libraryOver(storage, config);

    const catalog = providerCatalog(providers);
    const caller = createProviderCaller({
      providers: catalog,
      router: routing.router,
      budget: routing.budget,
      prices: routing.prices,
      estimateTokens: routing.estimateTokens,
      recorder,
      tracking: costTrackingOptions(config),
      onCall: (call) => metrics.observeProviderCall(call),
      onRateLimited: (provider) => metrics.rateLimited(provider),
    });
    const semantic = await buildSemanticLayer(config, { providers, logger: log, shared, embeddingsCache: caches.strategies.embeddings, ...(deps.workerId ? { workerId: deps.workerId } : {}) });
    if (semantic) closers.push(() => semantic.close());
    const pipeline: PipelineDeps = {
      understanding: {
        classify: createMemoisedClassifier(),
        buildPrompt: buildResearchPrompt,
        evaluate: createCachedEvaluation((input) => evaluateQuality(input), caches.strategies.quality_evaluations),
        agreement: agreementScore,
      },
      cache: researchCacheFor(config, { caches, library, semantic, logger: log }),
      providers: caller,
      library,
      telemetry: {
        qualityEvaluated: (researchType, durationMs, score) => metrics.observeQualityEvaluation({ researchType, durationMs, score }),
        cacheLookup: (result) => metrics.observeCacheLookup({ strategy: 'query_results', result }),
      },
      qualityThreshold: config.research.quality_threshold,
      maxQualityRetries: config.research.max_quality_retries,
    };

    const patterns = createPatternBatcher(
      createPatternTracker({ patterns: storage.patterns }),
      { qualityThreshold: config.research.quality_threshold },
      { onError: (error) => learningLog.warn({ err: error }, 'query pattern not recorded'), onFlushed: (durationMs) => metrics.observePatternProcessing(durationMs) },
    );
    closers.push(() => patterns.close());
    const warmer = buildCacheWarmer(config, { storage, semantic, researchCache: pipeline.cache, research: (request) => runResearch(request, pipeline), logger: log });
    if (config.caching.warming.enabled) {
      if (!semantic) log.info({}, 'cache warming: the semantic cache is off, so popular queries warm the exact tiers and no embeddings are precomputed');
      warmer.start();
      closers.push(async () => warmer.close());
    }

    const fortitude = createFortitude({
      pipeline,
      gateway: createGateway({ providers: catalog, caller, responses: caches.strategies.provider_responses, modelAliases: config.gateway.model_aliases }),
      storedResponses: createStoredResponses(storage.storedResponses, storedResponsesOptions(config.gateway.stored_responses), {
        onPurgeError: (error) => log.warn({ err: error }, 'deleting expired stored responses failed'),
      }),
      library,
      libraryVisibility: config.research.library_visibility,
      keys: createApiKeys(storage.apiKeys, apiKeyOptions(config.server.auth)),
      submitFeedback: createFeedback({ results: library, feedback: storage.feedback, qualityRows: feedbackMetrics, router: routing.router }),
      health: createHealth({ providers: { status: () => providers.status(), modelOf: catalog.modelOf }, database: storage, redis: shared.redis }),
      caches: { stats: async () => ({ ...(await caches.stats()), semantic: semantic?.cache.stats() }), clear: () => caches.clear() },
      patterns,
      warm: () => warmer.runOnce(),
      operator: createOperatorReports(operatorReportOptions(config.selection_strategy), { storage, router: routing.router, prices: routing.prices }),
      simulatedProviders: providers.simulated,
      close: closeAll,
    });

    const gauges = setInterval(() => {
      const state = routing.budget.state();
      metrics.setBudgetUtilization('daily', state.day.utilisation);
      metrics.setBudgetUtilization('monthly', state.month.utilisation);
      for (const provider of providers.providers.values()) void provider.breaker.snapshot().then((snapshot) => metrics.setCircuitState(provider.name, snapshot.state));
    }, 5_000).unref();
    closers.push(async () => clearInterval(gauges));
    const keyRateLimiter = shared.redis
      ? createRedisKeyRateLimiter(shared.redis.client, { keyPrefix: shared.keyPrefix, fallback: createRateLimiter(), redis: shared.redis })
      : undefined;
    return { config, storage, providers, caches, library, pipeline, recorder, routing, metrics, keyRateLimiter, fortitude, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** The configured providers as the provider call and the gateway see them. */
function providerCatalog(set: ProviderSet): ProviderCatalog {
  const modelOf = (name: string) => set.configs.get(name)?.model;
  const models: { id: string; provider: string; simulated: boolean }[] = [];
  const seen = new Set<string>();
  for (const [name, config] of set.configs) {
    for (const id of [config.model, ...config.models]) {
      if (seen.has(id)) continue;
      seen.add(id);
      models.push({ id, provider: name, simulated: set.simulated.includes(name) });
    }
  }
  const embedders = [...set.providers.values()].filter((provider) => provider.capabilities.embeddings && provider.embed);
  return {
    names: set.names,
    has: (name) => set.providers.has(name),
    modelOf,
    modelFor: (name, requested) => set.modelFor(name, requested),
    providerFor(model) {
      for (const [name, config] of set.configs) if (config.model === model || config.models.includes(model)) return name;
      return undefined;
    },
    models: () => models,
    embedders: () => embedders,
    chain: set.chain,
  };
}
