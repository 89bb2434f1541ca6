import { performance } from 'node:perf_hooks';
import type { ChatRequest, ChatResult, EmbeddingRequest, EmbeddingResult, StreamPart } from '../core/chat.js';
import { FortitudeError } from '../core/errors.js';
import type { ResearchType } from '../core/research.js';
import { chatRequestCacheKey } from '../infrastructure/cache/cache-key.js';
import type { CacheStrategy } from '../infrastructure/cache/cache-strategies.js';
import type { CancelSignal } from '../providers/cancel-signal.js';
import { estimateChatTokens, loadTokenizer } from '../providers/rate-limit/token-estimator.js';
import type { ProviderCaller, ProviderCatalog } from './ports.js';

/**
 * The gateway: chat, streams and embeddings for any OpenAI-style client, through the same
 * provider call as research (routing, limits, budgets, fallback, request records). The requested
 * model picks its provider first (a configured provider's model goes to that provider; anything
 * else — `auto`, an unknown name — goes where the router sends it, at each provider's own model).
 */

export type GatewayCacheOutcome = 'exact' | 'semantic' | 'miss' | 'bypass';

/** What a gateway call needs to know about its caller. */
export interface GatewayContext {
  /** API key name; the response cache's tenant. */
  user?: string | undefined;
  /** Aborted when the client goes away. */
  readonly signal?: CancelSignal | undefined;
  /**
   * The same as `signal`, as a plain object (no AbortController or EventTarget listener per
   * request); used instead of `signal` when present.
   */
  readonly cancel?: CancelSignal | undefined;
  /** `cache-control: no-store` (bypass) / `no-cache` (refresh). */
  cache: { bypass: boolean; refresh: boolean };
}

export interface GatewayChatAnswer {
  result: ChatResult;
  /** Configured name of the provider that answered (`x-fortitude-provider`). */
  provider: string;
  /** The built-in simulator wrote it (no API key for that provider). */
  simulated: boolean;
  cache: GatewayCacheOutcome;
  /** Milliseconds spent waiting on upstream providers (all attempts); 0 on a cache hit. */
  upstreamMs: number;
}

export interface GatewayChatStream {
  provider: string;
  simulated: boolean;
  cache: GatewayCacheOutcome;
  /**
   * Milliseconds spent waiting on upstream before this object was returned (time to the first
   * part: fallback happens before it). When undefined, the caller counts its own wait.
   */
  upstreamMs?: number;
  /** Text parts then exactly one finish part; throws (ProviderError) if it breaks mid-way. Close it when done. */
  stream: AsyncIterable<StreamPart>;
}

export interface GatewayEmbeddingAnswer {
  result: EmbeddingResult;
  provider: string;
  simulated: boolean;
  cache: GatewayCacheOutcome;
  upstreamMs: number;
}

export interface GatewayModel {
  id: string;
  owned_by: string;
}

export interface Gateway {
  chat(request: ChatRequest, context: GatewayContext): Promise<GatewayChatAnswer>;
  /** Fallback happens before the first part; after it, the stream throws. */
  chatStream(request: ChatRequest, context: GatewayContext): Promise<GatewayChatStream>;
  embed(request: EmbeddingRequest, context: GatewayContext): Promise<GatewayEmbeddingAnswer>;
  /** Served models and aliases (`auto` included). */
  models(): Promise<GatewayModel[]>;
  /** Prompt tokens of a request as Fortitude counts them for limits and budgets (cl100k). */
  countTokens(request: ChatRequest): Promise<number>;
}

export interface GatewayDeps {
  providers: ProviderCatalog;
  caller: ProviderCaller;
  /** The `provider_responses` cache strategy (deterministic requests only). */
  responses: Pick<CacheStrategy<unknown>, 'enabled' | 'prefix' | 'getOrCompute'>;
  /** Extra model names clients may send, each mapped to a served model or `auto`. */
  modelAliases?: Readonly<Record<string, string>>;
}

/** The model name that lets the router choose the provider (each runs its own model). */
export const AUTO_MODEL = 'auto';

/** Gateway calls are routed as implementation-type traffic for the router's per-type estimates. */
const GATEWAY_RESEARCH_TYPE: ResearchType = 'implementation';

const NORMAL = { read: true, write: true, mode: 'normal' } as const;
const REFRESH = { read: false, write: true, mode: 'refresh' } as const;

interface Computed {
  result: ChatResult;
  provider: string;
  simulated: boolean;
  upstreamMs: number;
}

export function createGateway(deps: GatewayDeps): Gateway {
  const { providers, caller, responses } = deps;
  const aliases = deps.modelAliases ?? {};

  /**
   * The model a request names, checked: a served model, or '' for `auto` (or an alias of it),
   * which leaves the choice to the router; anything else is a 404 naming the way out.
   */
  const modelOf = (requested: string): string => {
    const target = Object.hasOwn(aliases, requested) ? aliases[requested]! : requested;
    if (target === AUTO_MODEL) return '';
    if (providers.providerFor(target) === undefined) {
      throw new FortitudeError(
        'model_not_found',
        `model: "${requested}" is not served by any configured provider; GET /v1/models lists the models (send "auto" to let Fortitude choose, or map the name in gateway.model_aliases)`,
        { details: { field: 'model' } },
      );
    }
    return target;
  };

  /** The request as it goes upstream (the checked model). */
  const upstreamRequest = (request: ChatRequest): ChatRequest => {
    const model = modelOf(request.model);
    return model === request.model ? request : { ...request, model };
  };
  /** The providers to try, in order: the model's provider first. */
  const orderFor = (request: ChatRequest): string[] => caller.plan(GATEWAY_RESEARCH_TYPE, request.model === '' ? undefined : providers.providerFor(request.model));

  return {
    async chat(original, context) {
      const request = upstreamRequest(original);
      const names = orderFor(request);
      const signal = context.cancel ?? context.signal;
      // Only deterministic requests (temperature 0) are cached: a sampled answer is not "the" answer.
      if (context.cache.bypass || request.temperature !== 0 || !responses.enabled) {
        const started = performance.now();
        const answer = await caller.call(names, request, { signal, user: context.user });
        return {
          result: answer.result,
          provider: answer.provider,
          simulated: answer.simulated,
          upstreamMs: performance.now() - started,
          cache: context.cache.bypass ? 'bypass' : 'miss',
        };
      }
      const call = async (): Promise<Computed> => {
        const started = performance.now();
        const answer = await caller.call(names, request, { signal, user: context.user });
        return { result: answer.result, provider: answer.provider, simulated: answer.simulated, upstreamMs: performance.now() - started };
      };
      // Keyed by the provider the model names (not the sampled fallback order, which differs per
      // call and per replica and would make the same request miss). The key covers the whole
      // request: messages with their images, tool calls and results, tools, schemas, sampling.
      const key = chatRequestCacheKey(responses.prefix, request, { provider: providers.providerFor(request.model) ?? AUTO_MODEL, tenant: context.user });
      const directives = context.cache.refresh ? REFRESH : NORMAL;
      const outcome = await responses.getOrCompute(key, call, { directives });
      const value = outcome.value as Computed;
      const cache: GatewayCacheOutcome = outcome.source === 'computed' ? 'miss' : 'exact';
      return { result: value.result, provider: value.provider, simulated: value.simulated, upstreamMs: cache === 'miss' ? value.upstreamMs : 0, cache };
    },

    async chatStream(original, context) {
      const request = upstreamRequest(original);
      const order = orderFor(request);
      const started = performance.now();
      const opened = await caller.stream(order, request, { signal: context.cancel ?? context.signal, user: context.user });
      return {
        provider: opened.provider,
        simulated: opened.simulated,
        cache: context.cache.bypass ? 'bypass' : 'miss',
        upstreamMs: performance.now() - started,
        stream: opened.parts,
      };
    },

    async embed(request) {
      const preferred = providers.providerFor(request.model);
      const candidates = providers.embedders();
      const provider = candidates.find((candidate) => candidate.name === preferred) ?? candidates[0];
      if (!provider?.embed) throw new FortitudeError('bad_request', 'model: no configured provider offers embeddings', { details: { field: 'model' } });
      const started = performance.now();
      const result = await provider.embed(request);
      const wrong = request.dimensions === undefined ? undefined : result.vectors.find((vector) => vector.length !== request.dimensions);
      if (wrong !== undefined) {
        throw new FortitudeError('bad_request', `dimensions: ${provider.name} (${result.model}) returned ${wrong.length} dimensions, not ${request.dimensions}; it cannot shorten its embeddings — omit dimensions or use a model that can`, {
          details: { field: 'dimensions' },
        });
      }
      return { result, provider: provider.name, simulated: provider.simulated, cache: 'miss', upstreamMs: performance.now() - started };
    },

    async countTokens(request) {
      modelOf(request.model); // an unknown model is a 404 here too, but no route is planned
      // Exact from the first call: the encoder is loaded (once) before counting.
      await loadTokenizer();
      return estimateChatTokens(request);
    },

    async models() {
      const served = providers.models().map((model) => ({ id: model.id, owned_by: model.simulated ? `${model.provider} (simulated)` : model.provider }));
      const names = new Set(served.map((model) => model.id));
      const extra = [AUTO_MODEL, ...Object.keys(aliases)].filter((id) => !names.has(id)).map((id) => ({ id, owned_by: 'fortitude' }));
      return [...served, ...extra];
    },
  };
}
