import type { ResearchRequest, ResearchResult } from '../core/research.js';
import { rejectNul } from '../core/text-input.js';
import type { FortitudeLogger } from '../infrastructure/logging/logger.js';
import { createMemoisedClassifier } from '../pipeline/classify/classify.js';
import { answerFromCache, mayUseCache, type PipelineContext } from '../pipeline/pipeline.js';
import { createPatternBatcher, createPatternTracker } from '../pipeline/routing/query-patterns.js';
import { buildCache, researchCacheFor } from './build-cache.js';
import { buildSemanticLayer } from './build-semantic.js';
import type { FortitudeConfig } from './config/schema.js';
import { libraryOver, openStorage } from './open-storage.js';

/**
 * The research cache without the rest of the application: the database (the library tier), the
 * exact cache levels and the semantic index with its embedder — what `fortitude research` needs
 * to answer a question it has answered before. No provider, simulator, router, budget or shared
 * machine state is built; on a miss the caller closes this and builds the whole application.
 */
export interface ResearchFront {
  /** The answer `runResearch` would serve from the cache (query pattern counted), or undefined: ask a provider. */
  answer(request: ResearchRequest, context?: PipelineContext): Promise<ResearchResult | undefined>;
  close(): Promise<void>;
}

/**
 * Whether the front can answer this request as the whole application would: the request may be
 * served from the cache at all, no Redis is configured (the front opens no connection, so an L2
 * level or a shared semantic index would be missed) and embeddings are computed locally (a
 * provider embedder needs the provider stack).
 */
export function frontServes(config: FortitudeConfig, request: ResearchRequest): boolean {
  return mayUseCache(request) && !config.redis.url && (!config.caching.semantic.enabled || config.caching.semantic.embedder === 'local');
}

export async function openResearchFront(config: FortitudeConfig, deps: { logger: FortitudeLogger }): Promise<ResearchFront> {
  const log = deps.logger.for('root');
  const storage = await openStorage(config);
  const closers: (() => Promise<void>)[] = [() => storage.close()];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((error: unknown) => log.warn({ err: error }, 'error while closing'));
  };
  try {
    const caches = buildCache(config, { logger: log });
    closers.push(() => caches.close());
    const library = libraryOver(storage, config);
    const semantic = await buildSemanticLayer(config, { providers: { providers: new Map(), configs: new Map() }, logger: log, embeddingsCache: caches.strategies.embeddings });
    if (semantic) closers.push(() => semantic.close());
    const patterns = createPatternBatcher(
      createPatternTracker({ patterns: storage.patterns }),
      { qualityThreshold: config.research.quality_threshold },
      { onError: (error) => log.warn({ err: error }, 'query pattern not recorded') },
    );
    closers.push(() => patterns.close());
    const deps = {
      understanding: { classify: createMemoisedClassifier() },
      cache: researchCacheFor(config, { caches, library, semantic, logger: log }),
    };
    return {
      async answer(request, context = {}) {
        if (!mayUseCache(request)) return undefined;
        rejectNul('query', request.query);
        const result = await answerFromCache(request, deps, context);
        if (result) patterns.observe(result);
        return result;
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
