import type { Fortitude, ServerObservability } from '../../pipeline/fortitude.js';
import type { GatewayContext } from '../../pipeline/gateway.js';

export type { ApiKeyIdentity, FeedbackInput, Readiness, ReadinessCheck, Scope } from '../../pipeline/fortitude.js';
export type { GatewayCacheOutcome, GatewayChatAnswer, GatewayChatStream, GatewayEmbeddingAnswer, GatewayModel } from '../../pipeline/gateway.js';

/**
 * Per-request context handed to every service call that does work on the caller's behalf.
 * Services throw `FortitudeError` (core/errors.ts) for expected failures — the server maps the
 * code to a status in `error-status.ts`; anything else becomes a 500 without details.
 */
export interface RequestContext extends GatewayContext {
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

/**
 * The part of the Fortitude facade the HTTP interface uses. Optional: the facade's observability
 * (`ServerObservability`: dashboard, alerts, analysis, profiles; those routes answer 501 without
 * it), so a test double may leave it out. Beside the facade, what only `serve` has: the
 * Prometheus text and the server's live state across its workers.
 */
export type HttpServices = Pick<
  Fortitude,
  | 'research'
  | 'researchStream'
  | 'getResult'
  | 'listResults'
  | 'searchResults'
  | 'submitFeedback'
  | 'providerStatus'
  | 'cacheStats'
  | 'readiness'
  | 'chat'
  | 'chatStream'
  | 'embed'
  | 'models'
  | 'countTokens'
  | 'verifyApiKey'
> &
  Partial<ServerObservability> & {
  /**
   * Responses kept for the Responses API (`previous_response_id`, `GET`/`DELETE /v1/responses/{id}`).
   * Without it nothing is stored: answers say `store: false` and `previous_response_id` is a 400.
   */
  storedResponses?: Fortitude['storedResponses'];
  /** Prometheus text exposition. */
  metrics(): Promise<{ contentType: string; body: string }>;
  /** What only `serve` has: the server's live state across all its workers (`/api/admin/…`; 501 without). */
  live?: LiveServerServices;
};

/** The options of `costs apply-optimizations`, as the admin API takes them. */
export interface ApplyOptimizationsInput {
  autoApprove: boolean;
  targetReduction: number;
  maintainQuality: number;
  timeRange: string;
  format: 'table' | 'csv' | 'json';
}

/** Operations on the running server, every worker included; each answer says which workers answered. */
export interface LiveServerServices {
  learningStatus(): Promise<unknown>;
  /** Clears every cache level in every worker (the reference library is kept). */
  clearCache(): Promise<unknown>;
  warmCache(): Promise<unknown>;
  /** Route changes, cache TTLs and sizes, concurrency limits in force, per worker when they differ. */
  routing(): Promise<unknown>;
  /** Records the recommendations; with `autoApprove` applies them to every worker's routing. */
  applyOptimizations(input: ApplyOptimizationsInput): Promise<{ report: string; applied: unknown }>;
}
