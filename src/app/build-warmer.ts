import type { Logger } from 'pino';
import type { ResearchRequest, ResearchResult } from '../core/research.js';
import { createCacheWarmer } from '../infrastructure/cache/semantic/cache-warmer.js';
import type { PatternRecord } from '../infrastructure/storage/repositories/patterns.js';
import type { Storage } from '../infrastructure/storage/storage.js';
import { QUERY_PATTERN_TYPE } from '../pipeline/routing/query-patterns.js';
import type { SemanticLayer } from './build-semantic.js';
import { semanticContextOf, type SemanticValue } from '../pipeline/research-cache.js';
import { warmerOptions } from './component-options.js';
import type { FortitudeConfig } from './config/schema.js';

/**
 * The seed's CacheWarmer over Fortitude's own data: popular and recent query patterns from
 * `pattern_data` (their latest wording) are answered ahead of time, bounded per run in count and
 * cost, and their key terms get precomputed embeddings.
 */
export function buildCacheWarmer(
  config: FortitudeConfig,
  deps: { storage: Storage; semantic: SemanticLayer; research: (request: ResearchRequest) => Promise<ResearchResult>; logger: Logger },
) {
  const warming = config.caching.warming;
  const toWarmQuery = (pattern: PatternRecord) => {
    const example = typeof pattern.metadata?.example === 'string' ? pattern.metadata.example : undefined;
    if (!example) return undefined;
    // The partition a served request would look in (no explicit type, no pinned provider).
    return { query: example, frequency: pattern.frequency, context: semanticContextOf({ namespace: 'default' }) };
  };
  const defined = <T>(value: T | undefined): value is T => value !== undefined;
  return createCacheWarmer<SemanticValue>({
    getPopularQueries: async (limit) => (await deps.storage.patterns.top({ patternType: QUERY_PATTERN_TYPE, limit })).map(toWarmQuery).filter(defined),
    getRecentPatterns: async () =>
      (await deps.storage.patterns.recent({ minFrequency: warming.frequency_threshold, since: Date.now() - warmerOptions(warming).intervalMs * 12 }))
        .map(toWarmQuery)
        .filter(defined),
    getCommonTerms: async (limit) => {
      const terms = new Set<string>();
      for (const pattern of await deps.storage.patterns.top({ patternType: QUERY_PATTERN_TYPE, limit })) {
        for (const term of (pattern.metadata?.terms as string[] | undefined) ?? []) terms.add(term);
      }
      return [...terms].slice(0, limit);
    },
    execute: async (query) => {
      const result = await deps.research({ query: query.query, cache: { refresh: true } });
      return { value: { resultId: result.id }, cost: result.costUsd };
    },
    cache: deps.semantic.cache,
    embedder: deps.semantic.embedder,
    ...warmerOptions(warming),
    onError: (error, query) => deps.logger.warn({ err: error, query: query.query }, 'cache warming: query failed'),
  });
}
