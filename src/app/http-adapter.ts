import { LRUCache } from 'lru-cache';
import type { ChatResult } from '../core/chat.js';
import { FortitudeError } from '../core/errors.js';
import type { ResearchResult } from '../core/research.js';
import { chatRequestCacheKey } from '../infrastructure/cache/cache-key.js';
import type { ApiKeyIdentity, GatewayCacheOutcome, HttpServices, Scope } from '../interface/http/http-services.js';
import type { MetricsReader } from '../infrastructure/metrics/cluster-metrics.js';
import { createObservabilityServices, type ObservabilityServices } from '../interface/dashboard/observability-services.js';
import { createProfilingService } from '../operations/profiling/profiling-service.js';
import type { AlertEngine } from '../operations/sla/alert-engine.js';
import type { Application } from './composition.js';

const GATEWAY_RESEARCH_TYPE = 'implementation';
/** Verified keys are remembered this long, so auth answers from memory; revocation applies within it. */
const KEY_CACHE_TTL_MS = 30_000;

/**
 * The HTTP interface's port over the application. The gateway routes by the requested model
 * (a configured provider's model goes to that provider first; anything else — `auto`, an unknown
 * name — goes where the router sends it, at each provider's own model).
 */
/** What `fortitude serve` adds for the dashboard, alerts and profiles (issue 8). */
export interface ObservabilityWiring {
  reader: MetricsReader;
  alerts?: AlertEngine;
  workerId?: number;
}

export function createHttpServices(
  app: Application,
  metrics: () => Promise<{ contentType: string; body: string }>,
  observability?: ObservabilityWiring,
): HttpServices {
  const { services, providers, caches, pipeline } = app;
  const responses = caches.strategies.provider_responses;
  const keyCache = new LRUCache<string, ApiKeyIdentity | false>({ max: 10_000, ttl: KEY_CACHE_TTL_MS });

  const providerForModel = (model: string): string | undefined => {
    for (const [name, config] of providers.configs) if (config.model === model || config.models.includes(model)) return name;
    return undefined;
  };
  const order = (model: string) => pipeline.providers.plan(gatewayClassification(), providerForModel(model));

  const searchItems = async (items: { id: string }[]): Promise<ResearchResult[]> =>
    (await Promise.all(items.map((item) => services.getResult(item.id)))).filter((result): result is ResearchResult => result !== undefined);

  return {
    research: (request, context) =>
      services.research(
        { ...request, ...(context.user ? { user: context.user } : {}), cache: { ...request.cache, ...pick(context.cache) } },
        // The context itself, not `{ signal: context.signal }`: its `signal` is a lazy getter on the
        // class, read only if a provider is called (creating an AbortSignal per request is
        // measurable). Not an object literal with a getter either: V8 allocates a literal's accessor
        // pair in old space, and that old object would keep each finished request (socket buffers,
        // headers, response) alive until the next full GC: ~4.8 KB promoted per request instead of
        // ~0.2 KB, and full-GC stalls of tens of ms (bench/RESULTS.md, "cached research").
        context,
      ),
    researchStream: (request, context) =>
      services.researchStream({ ...request, ...(context.user ? { user: context.user } : {}), cache: { ...request.cache, ...pick(context.cache) } }, { signal: context.signal }),
    getResult: (id) => services.getResult(id),
    async searchResults(query) {
      const page = query.q
        ? await services.searchResults({ q: query.q, limit: query.limit, offset: query.offset, ...(query.type ? { type: query.type } : {}) })
        : await services.listResults({ limit: query.limit, offset: query.offset, ...(query.type ? { type: query.type } : {}) });
      return { items: await searchItems(page.items), total: page.total };
    },
    submitFeedback: (feedback) =>
      services.submitFeedback({ resultId: feedback.resultId, rating: feedback.rating, user: feedback.user, ...(feedback.comment ? { comment: feedback.comment } : {}) }),
    providerStatus: () => services.providerStatus(),
    cacheStats: () => services.cacheStats(),
    readiness: () => services.readiness(),
    metrics,

    async chat(request, context) {
      const names = order(request.model);
      const call = async (): Promise<{ result: ChatResult; provider: string; upstreamMs: number }> => {
        const started = performance.now();
        const answer = await pipeline.providers.call(names, request, { signal: context.signal, user: context.user });
        return { result: answer.result, provider: answer.provider, upstreamMs: performance.now() - started };
      };
      // Only deterministic requests (temperature 0) are cached: a sampled answer is not "the" answer.
      if (context.cache.bypass || request.temperature !== 0 || !responses.enabled) {
        const answer = await call();
        return { ...answer, cache: context.cache.bypass ? 'bypass' : 'miss' };
      }
      // Keyed by the provider the model names (not the sampled fallback order, which differs per
      // call and per replica and would make the same request miss).
      const key = chatRequestCacheKey(responses.prefix, request, { provider: providerForModel(request.model) ?? 'auto', tenant: context.user });
      const directives = context.cache.refresh ? { read: false, write: true, mode: 'refresh' as const } : { read: true, write: true, mode: 'normal' as const };
      const outcome = await responses.getOrCompute(key, call, { directives });
      const value = outcome.value as { result: ChatResult; provider: string; upstreamMs: number };
      const cache: GatewayCacheOutcome = outcome.source === 'computed' ? 'miss' : 'exact';
      return { result: value.result, provider: value.provider, upstreamMs: cache === 'miss' ? value.upstreamMs : 0, cache };
    },

    async chatStream(request, context) {
      const started = performance.now();
      const opened = await pipeline.providers.stream(order(request.model), request, { signal: context.signal, user: context.user });
      return { provider: opened.provider, cache: context.cache.bypass ? 'bypass' : 'miss', upstreamMs: performance.now() - started, stream: opened.parts };
    },

    async embed(request) {
      const preferred = providerForModel(request.model);
      const candidates = [...providers.providers.values()].filter((provider) => provider.capabilities.embeddings && provider.embed);
      const provider = candidates.find((candidate) => candidate.name === preferred) ?? candidates[0];
      if (!provider?.embed) throw new FortitudeError('bad_request', 'model: no configured provider offers embeddings', { details: { field: 'model' } });
      const started = performance.now();
      const result = await provider.embed(request);
      return { result, provider: provider.name, cache: 'miss', upstreamMs: performance.now() - started };
    },

    async models() {
      const seen = new Set<string>();
      const list: { id: string; owned_by: string }[] = [];
      for (const [name, config] of providers.configs) {
        for (const id of [config.model, ...config.models]) {
          if (seen.has(id)) continue;
          seen.add(id);
          list.push({ id, owned_by: providers.simulated.includes(name) ? `${name} (simulated)` : name });
        }
      }
      return list;
    },

    async verifyApiKey(raw) {
      const cached = keyCache.get(raw);
      if (cached !== undefined) return cached || undefined;
      const verified = await services.verifyApiKey(raw);
      const identity: ApiKeyIdentity | undefined = verified
        ? { name: verified.name, scopes: verified.scopes.filter(isScope), rateLimitPerMinute: verified.rateLimitPerMinute }
        : undefined;
      keyCache.set(raw, identity ?? false);
      return identity;
    },
    ...(observability ? { observability: observabilityOf(app, observability) } : {}),
  };
}

function observabilityOf(app: Application, wiring: ObservabilityWiring): ObservabilityServices {
  return createObservabilityServices({
    readSnapshot: (options) => wiring.reader.snapshot(options),
    targets: app.config.sla_targets,
    budget: () => app.routing.budget.state(),
    ...(wiring.alerts ? { alerts: wiring.alerts } : {}),
    storage: app.storage,
    profiling: createProfilingService({
      storage: app.storage,
      providers: { stats: app.providers.stats, recorder: app.recorder, status: async () => (await app.services.providerStatus()) as unknown[] },
      process: { pid: process.pid, ...(wiring.workerId ? { workerId: wiring.workerId } : {}) },
    }),
  });
}

function pick(cache: { bypass: boolean; refresh: boolean }): { bypass?: boolean; refresh?: boolean } {
  return { ...(cache.bypass ? { bypass: true } : {}), ...(cache.refresh ? { refresh: true } : {}) };
}

function isScope(value: string): value is Scope {
  return value === 'research' || value === 'gateway' || value === 'admin';
}

/** Gateway calls are routed as implementation-type traffic for the router's per-type estimates. */
function gatewayClassification() {
  const dimension = <T extends string>(value: T) => ({ value, confidence: 1, signals: ['gateway'] });
  return {
    researchType: dimension(GATEWAY_RESEARCH_TYPE as 'implementation'),
    audience: dimension('intermediate' as const),
    domain: dimension('general' as const),
    urgency: dimension('planned' as const),
  };
}
