import type { ChatRequest, ChatResult, EmbeddingRequest, EmbeddingResult, StreamPart } from '../../core/chat.js';
import type { ResearchRequest, ResearchResult, ResearchStreamEvent, ResearchType } from '../../core/research.js';
import type { ObservabilityServices } from '../dashboard/observability-services.js';

/**
 * The one port the HTTP interface depends on. The composition root (`src/app/`) implements it
 * over the pipeline, the provider stack, storage, caches and metrics; tests use an in-memory
 * double. Methods throw `FortitudeError` (core/errors.ts) for expected failures — the server maps
 * the code to a status in `error-status.ts`; anything else becomes a 500 without details.
 */

export type Scope = 'research' | 'gateway' | 'admin';

/** What a verified API key may do. `admin` implies every other scope. */
export interface ApiKeyIdentity {
  /** Key name (`fortitude keys create --name`); used as `ctx.user` and the rate-limit bucket. */
  name: string;
  scopes: readonly Scope[];
  /** Requests per minute for this key; the server's default (60) when undefined. */
  rateLimitPerMinute?: number;
}

/** Per-request context handed to every service call that does work on the caller's behalf. */
export interface RequestContext {
  /** `x-request-id` of the request (accepted from the client when well-formed, else generated). */
  requestId: string;
  /** Name of the API key, when auth is on. */
  user?: string;
  /**
   * Aborted when the client disconnects, the request times out or the shutdown bound expires.
   * Created on first read; Node's AbortSignal/EventTarget costs tens of µs per request under
   * load, so hot paths should prefer `onAbort`.
   */
  readonly signal: AbortSignal;
  /**
   * Calls `listener` once when the request is abandoned (same moments as `signal`; at once if it
   * already was). Returns an unsubscribe function. A plain callback list: no EventTarget cost.
   */
  onAbort(listener: () => void): () => void;
  /** From `cache-control: no-store` (bypass) / `no-cache` (refresh), or the research body's `cache`. */
  cache: { bypass: boolean; refresh: boolean };
}

export type GatewayCacheOutcome = 'exact' | 'semantic' | 'miss' | 'bypass';

export interface GatewayChatAnswer {
  result: ChatResult;
  /** Configured name of the provider that answered (`x-fortitude-provider`). */
  provider: string;
  cache: GatewayCacheOutcome;
  /** Milliseconds spent waiting on upstream providers (all attempts); 0 on a cache hit. */
  upstreamMs: number;
}

export interface GatewayChatStream {
  provider: string;
  cache: GatewayCacheOutcome;
  /**
   * Milliseconds spent waiting on upstream before this object was returned (time to the first
   * byte when the services pre-fetch it for fallback). When undefined, the server counts its own
   * wait for the first part as upstream time.
   */
  upstreamMs?: number;
  /** Text parts then exactly one finish part; throws (ProviderError) if it breaks mid-way. */
  stream: AsyncIterable<StreamPart>;
}

export interface GatewayEmbeddingAnswer {
  result: EmbeddingResult;
  provider: string;
  cache: GatewayCacheOutcome;
  upstreamMs: number;
}

export interface GatewayModel {
  id: string;
  owned_by: string;
}

export interface SearchQuery {
  q?: string;
  type?: ResearchType;
  /** 1–100. */
  limit: number;
  offset: number;
}

export interface SearchPage {
  items: ResearchResult[];
  total: number;
}

export interface FeedbackInput {
  resultId: string;
  /** 1–5. */
  rating: number;
  comment?: string;
  /** API key name, or `anonymous` when auth is disabled. */
  user: string;
}

export interface ReadinessCheck {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

export interface Readiness {
  ok: boolean;
  checks: Record<string, ReadinessCheck>;
}

export interface HttpServices {
  /** Runs the research pipeline. */
  research(request: ResearchRequest, context: RequestContext): Promise<ResearchResult>;
  /** The same pipeline, as events; the last event is `result`. Throws to signal failure. */
  researchStream(request: ResearchRequest, context: RequestContext): AsyncIterable<ResearchStreamEvent>;
  /** A stored result by id; undefined when there is none. */
  getResult(id: string): Promise<ResearchResult | undefined>;
  /** Library search (full text over query and answer). */
  searchResults(query: SearchQuery): Promise<SearchPage>;
  /** Throws `not_found` when the result does not exist. */
  submitFeedback(feedback: FeedbackInput): Promise<{ id: string }>;
  /** JSON-serialisable status of every configured provider (health, breaker, latency, limits). */
  providerStatus(): Promise<unknown>;
  /** JSON-serialisable hit/miss counts per cache level. */
  cacheStats(): Promise<unknown>;
  /** Database, Redis, providers; the server answers 503 when `ok` is false. */
  readiness(): Promise<Readiness>;
  /** Prometheus text exposition. */
  metrics(): Promise<{ contentType: string; body: string }>;

  /** Gateway: routed through providers, limits, retries, fallback and caches. */
  chat(request: ChatRequest, context: RequestContext): Promise<GatewayChatAnswer>;
  /** Fallback before the first byte is the services' job; after it, the stream throws. */
  chatStream(request: ChatRequest, context: RequestContext): Promise<GatewayChatStream>;
  embed(request: EmbeddingRequest, context: RequestContext): Promise<GatewayEmbeddingAnswer>;
  models(): Promise<GatewayModel[]>;

  /**
   * Verifies a raw API key (stored hashed; compare in constant time). Undefined when unknown or
   * revoked. Called on every authenticated request, so it should answer from memory.
   */
  verifyApiKey(raw: string): ApiKeyIdentity | undefined | Promise<ApiKeyIdentity | undefined>;

  /** Dashboard data, alerts, performance analysis/report and profiles; those routes answer 501 without it. */
  observability?: ObservabilityServices;
}
