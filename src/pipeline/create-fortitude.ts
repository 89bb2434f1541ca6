import { FortitudeError } from '../core/errors.js';
import { rejectNul } from '../core/text-input.js';
import type { ResearchRequest, ResearchResult } from '../core/research.js';
import type { ApiKeys } from './access/api-keys.js';
import type { Caller, FeedbackInput, Fortitude, OperatorReports, ServerObservability } from './fortitude.js';
import type { Gateway } from './gateway.js';
import type { ReferenceLibrary } from './library/reference-library.js';
import { runResearch, streamResearch, type PipelineDeps } from './pipeline.js';
import type { StoredResponses } from './stored-responses.js';

export type LibraryVisibility = 'per_key' | 'shared';

export interface FortitudeParts {
  pipeline: PipelineDeps;
  gateway: Gateway;
  storedResponses: StoredResponses;
  library: Pick<ReferenceLibrary, 'get' | 'list' | 'search'>;
  /** `per_key`: a caller without the admin scope sees only its own stored results; `shared`: all. */
  libraryVisibility: LibraryVisibility;
  keys: ApiKeys;
  /** Rates a result `owner` may see (every result when `owner` is undefined). */
  submitFeedback(input: FeedbackInput, owner: string | undefined): Promise<{ id: string; resultId: string }>;
  health: Pick<Fortitude, 'providerStatus' | 'readiness'>;
  caches: { stats(): Promise<unknown>; clear(): Promise<unknown> };
  /** Counts every research answer's query pattern (for the cache warmer and reports). */
  patterns?: { observe(result: ResearchResult): void } | undefined;
  /** One cache-warming run (the exact tiers only when the semantic cache is off); absent: no warmer built. */
  warm?: (() => Promise<unknown>) | undefined;
  operator: OperatorReports;
  simulatedProviders: readonly string[];
  close(): Promise<void>;
}

/** The facade over the built parts: each method is one of theirs, or the research pipeline. */
export function createFortitude(parts: FortitudeParts): Fortitude {
  const { pipeline, gateway, library, keys, health } = parts;
  /** The key whose results the caller is limited to; undefined: every result. */
  const ownerOf = (caller: Caller | undefined): string | undefined =>
    parts.libraryVisibility === 'shared' || caller === undefined || caller.scopes.includes('admin') ? undefined : caller.name;
  return {
    async research(request, context = {}) {
      checkResearchText(request);
      // `context` is passed as it is: an HTTP caller's `signal` is a lazy getter, read only when a
      // provider is actually called (a cache hit never creates an AbortSignal). Not copied into a
      // new object literal either (see ARCHITECTURE.md, "nothing long-lived may point at a request").
      const result = await runResearch(request, pipeline, context);
      parts.patterns?.observe(result);
      return result;
    },
    researchStream(request, context = {}) {
      checkResearchText(request);
      return streamResearch(request, pipeline, context.signal ? { signal: context.signal } : {});
    },
    classify: (query, type) => pipeline.understanding.classify(query, type ? { type } : undefined),

    getResult: (idOrSlug, caller) => library.get(idOrSlug, ownerOf(caller)),
    listResults: ({ caller, ...options }) => library.list({ ...options, owner: ownerOf(caller) }),
    searchResults: ({ caller, ...options }) => library.search({ ...options, owner: ownerOf(caller) }),
    submitFeedback: (input) => parts.submitFeedback(input, ownerOf(input.caller)),

    chat: gateway.chat,
    chatStream: gateway.chatStream,
    embed: gateway.embed,
    models: gateway.models,
    countTokens: gateway.countTokens,
    storedResponses: parts.storedResponses,

    providerStatus: health.providerStatus,
    readiness: health.readiness,
    cacheStats: () => parts.caches.stats(),
    clearCache: () => parts.caches.clear(),
    async warmCache() {
      if (!parts.warm) throw new FortitudeError('bad_request', 'cache warming is not available in this process');
      return parts.warm();
    },
    simulatedProviders: parts.simulatedProviders,

    createApiKey: keys.createApiKey,
    listApiKeys: keys.listApiKeys,
    revokeApiKey: keys.revokeApiKey,
    verifyApiKey: keys.verifyApiKey,

    operator: parts.operator,
    ...WITHOUT_OBSERVABILITY,
    close: parts.close,
  };
}

const notServing = (): never => {
  throw new FortitudeError('not_implemented', 'observability is not available on this server');
};

/** The application alone has no metrics window, alert engine or profiler: `serve` replaces these. */
const WITHOUT_OBSERVABILITY: ServerObservability = {
  dashboardSnapshot: async () => notServing(),
  alerts: async () => notServing(),
  performanceAnalysis: async () => notServing(),
  performanceReport: async () => notServing(),
  profile: async () => notServing(),
  heapSnapshot: notServing,
};

/** The request's text reaches storage (the library lookup, the stored row): no NUL in it. */
function checkResearchText(request: ResearchRequest): void {
  rejectNul('query', request.query);
  rejectNul('provider', request.provider);
}
