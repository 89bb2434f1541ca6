import type { ResearchResult } from '../core/research.js';
import type { SemanticCache } from '../infrastructure/cache/semantic/semantic-cache.js';
import type { SemanticContext } from '../infrastructure/cache/semantic/store/semantic-entry-store.js';
import type { ResearchCache, ResearchCacheContext } from './ports.js';

/** What the semantic index keeps per question: the stored result's id (the library holds the answer). */
export interface SemanticValue {
  resultId: string;
}

export interface ResearchCacheTiers {
  /** L1 memory / L2 Redis / L3 disk, by the context-aware key of the normalised question. */
  exact: ResearchCache;
  /** The reference library: the persistent tier, and where semantic hits are read from. */
  library: {
    findRecent(query: string, context: ResearchCacheContext, maxAgeMs: number): Promise<ResearchResult | undefined>;
    get(idOrSlug: string): Promise<ResearchResult | undefined>;
  };
  /** How old a stored answer may be and still be served (the query-results TTL). */
  libraryMaxAgeMs: number;
  /** Nearest neighbour with verification; absent when `caching.semantic.enabled` is false. */
  semantic?: Pick<SemanticCache<SemanticValue>, 'lookup' | 'store'> | undefined;
  /** A semantic write failed (the answer is still stored in the exact tiers). */
  onSemanticStoreError?: (error: unknown) => void;
}

/**
 * The semantic partition of a research context: only what changes the right answer — the tenant,
 * the research type the caller asked for, the provider the caller pinned. The classifier's own
 * guesses (audience, domain, a guessed research type) stay out: two paraphrases get the same
 * guesses only about 60 % of the time, so partitioning by them splits true paraphrases apart.
 */
export function semanticContextOf(context: Pick<ResearchCacheContext, 'namespace' | 'explicitResearchType' | 'provider'>): SemanticContext {
  return {
    namespace: context.namespace,
    ...(context.explicitResearchType ? { researchType: context.explicitResearchType } : {}),
    ...(context.provider ? { parameters: { provider: context.provider } } : {}),
  };
}

/**
 * The research answer cache, in the order a lookup tries it:
 * 1. exact — the same normalised question in the same context, from the cache levels;
 * 2. library — the same question stored within the TTL (promoted into the exact tier);
 * 3. semantic — a verified paraphrase, its answer read from the library.
 * A store writes the exact tier, then the semantic index (which keeps only the result's id).
 */
export function createResearchCache(tiers: ResearchCacheTiers): ResearchCache {
  const { exact, library, semantic } = tiers;
  return {
    async lookup(query, context) {
      const hit = await exact.lookup(query, context);
      if (hit) return hit;

      const found = await library.findRecent(query, context, tiers.libraryMaxAgeMs);
      // The library does not index by provider: a pinned provider is served only its own answers.
      const stored = found && (context.provider === undefined || found.provider === context.provider) ? found : undefined;
      if (stored) {
        await exact.store(query, context, stored).catch(() => undefined);
        return { kind: 'exact', similarity: 1, result: stored };
      }

      if (!semantic) return undefined;
      const match = await semantic.lookup(query, semanticContextOf(context));
      if (match.kind === 'miss') return undefined;
      const result = await library.get(match.entry.value.resultId);
      return result ? { kind: match.kind, similarity: match.similarity, result } : undefined;
    },

    async store(query, context, result) {
      await exact.store(query, context, result);
      if (!semantic) return;
      await semantic.store(query, semanticContextOf(context), { resultId: result.id }).catch((error: unknown) => tiers.onSemanticStoreError?.(error));
    },
  };
}
