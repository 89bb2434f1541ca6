import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { CacheStore } from '../infrastructure/cache/cache-store.js';
import { createCacheStrategies, type CacheStrategies } from '../infrastructure/cache/cache-strategies.js';
import { queryCacheKey } from '../infrastructure/cache/cache-key.js';
import { createDiskCacheStore } from '../infrastructure/cache/disk/disk-store.js';
import { MemoryPressureMonitor } from '../infrastructure/cache/memory-pressure.js';
import { createMemoryCacheStore, type MemoryCacheStore } from '../infrastructure/cache/memory/memory-store.js';
import { MultiLevelCache, type CacheEventHook } from '../infrastructure/cache/multi-level-cache.js';
import { createRedisCacheStore, type RedisCacheStore } from '../infrastructure/redis/redis-cache-store.js';
import type { RedisConnection } from '../infrastructure/redis/redis-connection.js';
import type { ResearchResult } from '../core/research.js';
import type { ResearchCache, ResearchCacheContext } from '../pipeline/ports.js';
import type { ReferenceLibrary } from '../pipeline/library/reference-library.js';
import { createResearchCache } from '../pipeline/research-cache.js';
import type { SemanticLayer } from './build-semantic.js';
import { cacheStrategiesOptions, diskStoreOptions, memoryStoreOptions, redisStoreOptions, researchAnswerTtlMs } from './component-options.js';
import type { FortitudeConfig } from './config/schema.js';

export interface CacheSystem {
  readonly cache: MultiLevelCache;
  readonly strategies: CacheStrategies<{ query_results: ResearchResult; quality_evaluations: unknown; provider_responses: unknown; embeddings: number[] }>;
  readonly research: ResearchCache;
  readonly memory: MemoryCacheStore | undefined;
  readonly redis: RedisCacheStore | undefined;
  stats(): Promise<Record<string, unknown>>;
  clear(): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * The seed's cache levels from `caching.levels`: L1 memory always (when enabled), L2 Redis when
 * `REDIS_URL` is set, L3 disk under `data_dir`. Research answers are looked up by exact key here;
 * the semantic layer wraps `research` when it is enabled.
 */
export function buildCache(config: FortitudeConfig, deps: { logger: Logger; onEvent?: CacheEventHook; redis?: RedisConnection | undefined }): CacheSystem {
  const levels = config.caching.levels;
  const stores: CacheStore[] = [];
  const memory = levels.memory.enabled ? createMemoryCacheStore(memoryStoreOptions(levels.memory)) : undefined;
  if (memory) stores.push(memory);
  let redis: RedisCacheStore | undefined;
  if (levels.redis.enabled && deps.redis) {
    // The process's one Redis connection: its circuit is this level's health.
    redis = createRedisCacheStore(redisStoreOptions(config), { logger: deps.logger, connection: deps.redis });
    stores.push(redis);
  }
  if (levels.disk.enabled) {
    stores.push(createDiskCacheStore(diskStoreOptions(config), { logger: deps.logger }));
  }
  const cache = new MultiLevelCache({ levels: stores, logger: deps.logger, ...(deps.onEvent ? { onEvent: deps.onEvent } : {}) });
  const strategies = createCacheStrategies<{ query_results: ResearchResult; quality_evaluations: unknown; provider_responses: unknown; embeddings: number[] }>(
    cacheStrategiesOptions(config.caching.strategies),
    cache,
  );
  const pressure = memory
    ? new MemoryPressureMonitor({ source: 'rss', threshold: config.caching.memory_pressure_threshold, shrinkFraction: 0.5 }, { targets: [memory], logger: deps.logger })
    : undefined;

  const queryResults = strategies.query_results;
  // Normalising and hashing a question costs more than answering it from L1; repeated questions
  // (the ones a cache serves) find their key here.
  const keys = new LRUCache<string, string>({ max: 4096 });
  const keyFor = (query: string, context: ResearchCacheContext): string => {
    const memoKey = `${context.namespace}\u0000${context.researchType}\u0000${context.audience}\u0000${context.domain}\u0000${context.provider ?? ''}\u0000${query}`;
    let key = keys.get(memoKey);
    if (key === undefined) {
      key = queryCacheKey(
        queryResults.prefix,
        { query, ...context, tenant: context.namespace, parameters: context.provider === undefined ? undefined : { provider: context.provider } },
        queryResults.keyStrategy,
      );
      keys.set(memoKey, key);
    }
    return key;
  };
  const research: ResearchCache = {
    async lookup(query, context) {
      if (!queryResults.enabled) return undefined;
      const key = keyFor(query, context);
      const hit = queryResults.peek(key) ?? (await queryResults.get(key))?.value;
      return hit ? { kind: 'exact', similarity: 1, result: hit } : undefined;
    },
    async store(query, context, result) {
      if (!queryResults.enabled) return;
      await queryResults.set(keyFor(query, context), result);
    },
  };

  return {
    cache,
    strategies,
    research,
    memory,
    redis,
    stats: async () => ({ ...(await cache.stats()), memoryPressure: pressure?.stats() }),
    clear: () => cache.clear(),
    async close() {
      pressure?.close();
      await cache.close();
    },
  };
}

/**
 * The research cache tiers (`createResearchCache`: exact levels → library within the answer TTL →
 * semantic index) over the built parts: what `fortitude research`'s front and the application use.
 */
export function researchCacheFor(
  config: FortitudeConfig,
  parts: { caches: Pick<CacheSystem, 'research'>; library: ReferenceLibrary; semantic: SemanticLayer | undefined; logger: Logger },
): ResearchCache {
  return createResearchCache({
    exact: parts.caches.research,
    library: parts.library,
    libraryMaxAgeMs: researchAnswerTtlMs(config),
    semantic: parts.semantic?.cache,
    onSemanticStoreError: (error) => parts.logger.warn({ err: error }, 'semantic cache store failed'),
  });
}
