/**
 * The research answer cache exactly as `serve` composes it (`createResearchCache`: exact levels →
 * library → semantic), over parts the composition root built in a throw-away directory, seen
 * through two operations: store an answer for a question, look a question up.
 */

import { randomUUID } from 'node:crypto';
import type { Classification, ResearchResult } from '../../core/research.js';
import type { SemanticCache } from '../../infrastructure/cache/semantic/semantic-cache.js';
import type { ReferenceLibrary } from '../../pipeline/library/reference-library.js';
import { cacheContextOf } from '../../pipeline/pipeline.js';
import type { ResearchCache } from '../../pipeline/ports.js';
import { createResearchCache, type SemanticValue } from '../../pipeline/research-cache.js';

/** What was built, for the report's header. */
export interface CacheEvalSetup {
  /** Exact levels in lookup order (`memory`, `disk`); Redis is never used by an evaluation. */
  exactLevels: string[];
  /** Absent when `caching.semantic.enabled` is false. */
  semantic?: { embedder: string; threshold: number } | undefined;
  /** The throw-away directory holding this evaluation's database and cache files. */
  directory: string;
}

/** The real pieces, built by the composition root in an isolated directory. */
export interface CacheEvalParts {
  exact: ResearchCache;
  library: Pick<ReferenceLibrary, 'save' | 'findRecent' | 'get'>;
  libraryMaxAgeMs: number;
  semantic: SemanticCache<SemanticValue> | undefined;
  /** The pipeline's classifier: it decides the cache context as it does for `serve`. */
  classify(query: string): Classification;
  setup: CacheEvalSetup;
  /** Closes everything and deletes the directory. */
  close(): Promise<void>;
}

export interface Served {
  tier: 'exact' | 'semantic';
  similarity: number;
  /** The cached question whose answer was served. */
  question: string;
}

export interface CacheUnderTest {
  readonly setup: CacheEvalSetup;
  /** Stores an answer to `question` as the pipeline does after a provider call: library, then cache. */
  store(question: string, namespace: string): Promise<void>;
  /** Looks `question` up as the pipeline does; `threshold` overrides the semantic threshold. */
  lookup(question: string, namespace: string, threshold?: number): Promise<Served | undefined>;
  /** Semantic writes that failed (the answer was still stored in the exact tiers, as in `serve`). */
  semanticStoreErrors(): number;
}

/** The namespace of anonymous `serve` requests (no API key user). */
export const DEFAULT_NAMESPACE = 'default';

export function createCacheUnderTest(parts: CacheEvalParts): CacheUnderTest {
  let storeErrors = 0;
  const byThreshold = new Map<number | undefined, ResearchCache>();
  const semantic = parts.semantic;
  const cacheAt = (threshold: number | undefined): ResearchCache => {
    let cache = byThreshold.get(threshold);
    if (!cache) {
      const options = { promote: false, ...(threshold === undefined ? {} : { similarityThreshold: threshold }) };
      cache = createResearchCache({
        exact: parts.exact,
        library: parts.library,
        libraryMaxAgeMs: parts.libraryMaxAgeMs,
        // Promotion would make a repeated lookup (the threshold sweep) answer from the first one.
        semantic: semantic && {
          lookup: (query, context) => semantic.lookup(query, context, options),
          store: (query, context, value) => semantic.store(query, context, value),
        },
        onSemanticStoreError: () => void storeErrors++,
      });
      byThreshold.set(threshold, cache);
    }
    return cache;
  };
  const contextOf = (question: string, namespace: string) =>
    cacheContextOf(parts.classify(question), namespace === DEFAULT_NAMESPACE ? {} : { user: namespace });

  return {
    setup: parts.setup,
    async store(question, namespace) {
      const classification = parts.classify(question);
      const result = answerFor(question, classification, namespace);
      await parts.library.save(result);
      await cacheAt(undefined).store(question, contextOf(question, namespace), result);
    },
    async lookup(question, namespace, threshold) {
      const hit = await cacheAt(threshold).lookup(question, contextOf(question, namespace));
      return hit ? { tier: hit.kind, similarity: hit.similarity, question: hit.result.query } : undefined;
    },
    semanticStoreErrors: () => storeErrors,
  };
}

/** A stand-in answer: what is measured is which question's answer comes back, not its text. */
function answerFor(question: string, classification: Classification, namespace: string): ResearchResult {
  const id = randomUUID();
  return {
    id,
    createdAt: new Date().toISOString(),
    query: question,
    classification,
    answer: `cache eval answer to: ${question}`,
    sections: [],
    provider: 'cache-eval',
    model: 'cache-eval',
    simulated: true,
    usage: { inputTokens: 0, outputTokens: 0 },
    costUsd: 0,
    quality: { composite: 1, dimensions: {}, issues: [] },
    cache: { kind: 'miss' },
    timings: { classifyMs: 0, cacheMs: 0, providerMs: 0, qualityMs: 0, storeMs: 0, totalMs: 0 },
    slug: `cache-eval-${id}`,
    ...(namespace === DEFAULT_NAMESPACE ? {} : { user: namespace }),
  };
}
