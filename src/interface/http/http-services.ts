import type { Fortitude } from '../../pipeline/fortitude.js';
import type { GatewayContext } from '../../pipeline/gateway.js';
import type { ObservabilityServices } from '../dashboard/observability-services.js';

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
 * The part of the Fortitude facade the HTTP interface uses, plus what only `serve` has: the
 * Prometheus text and the observability routes (dashboard, alerts, analysis, profiles; those
 * routes answer 501 without it).
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
> & {
  /**
   * Responses kept for the Responses API (`previous_response_id`, `GET`/`DELETE /v1/responses/{id}`).
   * Without it nothing is stored: answers say `store: false` and `previous_response_id` is a 400.
   */
  storedResponses?: Fortitude['storedResponses'];
  /** Prometheus text exposition. */
  metrics(): Promise<{ contentType: string; body: string }>;
  observability?: ObservabilityServices;
};
