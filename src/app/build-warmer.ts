import type { Logger } from 'pino';
import type { ResearchRequest, ResearchResult } from '../core/research.js';
import { createCacheWarmer } from '../infrastructure/cache/semantic/cache-warmer.js';
import type { PatternRecord } from '../infrastructure/storage/repositories/patterns.js';
import type { Storage } from '../infrastructure/storage/storage.js';
import { QUERY_PATTERN_TYPE } from '../pipeline/routing/query-patterns.js';
import type { SemanticLayer } from './build-semantic.js';
import { semanticContextOf, type SemanticValue } from '../pipeline/research-cache.js';
import type { ResearchCache, ResearchCacheContext } from '../pipeline/ports.js';
import type { SemanticContext } from '../infrastructure/cache/semantic/store/semantic-entry-store.js';
import { classify } from '../pipeline/classify/classify.js';
import { warmerOptions } from './component-options.js';
import type { FortitudeConfig } from './config/schema.js';

/**
 * The seed's CacheWarmer over Fortitude's own data: popular and recent query patterns from
 * `pattern_data` (their latest wording) are answered ahead of time, bounded per run in count and
 * cost, and (with the semantic cache and `embeddings.precompute_common`) their key terms get precomputed embeddings. Without the
 * semantic cache the answers warm the exact tiers (the research call stores them there) and no
 * embeddings are computed.
 */
export function buildCacheWarmer(
  config: FortitudeConfig,
  deps: {
    storage: Storage;
    semantic: SemanticLayer | undefined;
    /** The research cache (exact → library → semantic): what "already cached" means without the semantic layer. */
    researchCache: ResearchCache;
    research: (request: ResearchRequest) => Promise<ResearchResult>;
    logger: Logger;
  },
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
    cache: deps.semantic?.cache ?? {
      // The warm query's context is its partition (`toWarmQuery`); its classification fills in the exact key's fields.
      lookup: async (query, context) => ((await deps.researchCache.lookup(query, researchContextOf(query, context))) ? { kind: 'exact' } : { kind: 'miss' }),
      // `execute` ran the research pipeline, which stored the answer in the exact tiers.
      store: async () => undefined,
    },
    // `caching.strategies.embeddings.precompute_common: false`: no term embeddings are computed ahead.
    embedder: config.caching.strategies.embeddings.precompute_common ? deps.semantic?.embedder : undefined,
    ...warmerOptions(warming),
    onError: (error, query) => deps.logger.warn({ err: error, query: query.query }, 'cache warming: query failed'),
  });
}

/** The research cache's context of a warm query (its own classification fills what the semantic context leaves out). */
function researchContextOf(query: string, context: SemanticContext): ResearchCacheContext {
  const classification = classify(query);
  return {
    namespace: context.namespace,
    researchType: classification.researchType.value,
    audience: context.audience ?? classification.audience.value,
    domain: context.domain ?? classification.domain.value,
  };
}
