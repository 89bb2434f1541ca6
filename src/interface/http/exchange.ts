import { performance } from 'node:perf_hooks';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { CancelSignal } from '../../providers/cancel-signal.js';
import type { ApiKeyIdentity, RequestContext, Scope } from './http-services.js';

/** Which error shape a route speaks: Fortitude's `/api` shape or OpenAI's `/v1` shape. */
export type RouteFamily = 'api' | 'openai' | 'anthropic';

/** Which API's shapes (errors, gateway headers) a path speaks. */
export function familyOf(path: string): RouteFamily {
  if (!path.startsWith('/v1/')) return 'api';
  return path.startsWith('/v1/messages') ? 'anthropic' : 'openai';
}

/** One request/response pair as it travels through the server; created per request. */
export interface Exchange {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  /** Set by the `request-id` middleware ('' before it ran). */
  requestId: string;
  /** `performance.now()` when the request arrived. */
  readonly startedAt: number;
  readonly path: string;
  /** Raw query string without the `?` ('' when none). */
  readonly query: string;
  family: RouteFamily;
  params: Readonly<Record<string, string>>;
  identity: ApiKeyIdentity | undefined;
  /** Headers every response to this request carries (security, request id, CORS, rate limit). */
  readonly headers: OutgoingHttpHeaders;
  /** Created on first read of `context.signal`; aborted when the client goes away. */
  controller: AbortController | undefined;
  /** `context.onAbort` subscribers (cheaper than `signal`). */
  abortListeners: (() => void)[] | undefined;
  aborted: boolean;
  /** Gateway bookkeeping for the `x-fortitude-*` headers. */
  gateway: { provider: string; cache: string; upstreamMs: number; simulated?: boolean } | undefined;
  /** The matched route (set by the `route` middleware); its handler ends the chain. */
  route: Route | undefined;
  /** Route template once matched (`/api/research/:id`), for metrics labels; undefined when unmatched. */
  routePath: string | undefined;
  /** `performance.now()` past which a request not yet answering gets a 504 (`request-timeout` middleware); Infinity when unbounded. */
  deadline: number;
  /** Owned by the server's in-flight registry. */
  inFlightSlot: number;
}

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** Exact path, or with `:name` segments (e.g. `/api/research/:id`). */
  path: string;
  /** Scope the API key needs; `public` routes never ask for a key. */
  scope: Scope | 'public';
  /**
   * Ask for a key with `scope` even where auth is otherwise off (loopback with `auth.mode: auto`,
   * or `disabled`): profiles and heap snapshots, which stall the process or expose its memory.
   */
  keyAlwaysRequired?: boolean;
  family: RouteFamily;
  handle(exchange: Exchange): Promise<void> | void;
}

/**
 * The services' per-request context. The abort controller is created only when a service reads
 * `signal` (a cache hit never does): an AbortSignal and its EventTarget listeners cost tens of
 * microseconds per request under load, so hot paths can subscribe with `onAbort` instead.
 */
class ExchangeContext implements RequestContext {
  readonly requestId: string;
  readonly cache: Readonly<{ bypass: boolean; refresh: boolean }>;
  user?: string;
  readonly #exchange: Exchange;
  #cancel: ExchangeCancel | undefined;

  constructor(exchange: Exchange, cache: Readonly<{ bypass: boolean; refresh: boolean }>) {
    this.#exchange = exchange;
    this.requestId = exchange.requestId;
    this.cache = cache;
    if (exchange.identity !== undefined) this.user = exchange.identity.name;
  }

  /** `signal` as a plain object over the exchange's abort listeners (see `ExchangeCancel`). */
  get cancel(): CancelSignal {
    return (this.#cancel ??= new ExchangeCancel(this.#exchange));
  }

  get signal(): AbortSignal {
    const exchange = this.#exchange;
    if (exchange.controller === undefined) {
      exchange.controller = new AbortController();
      if (exchange.aborted) exchange.controller.abort();
    }
    return exchange.controller.signal;
  }

  onAbort(listener: () => void): () => void {
    const exchange = this.#exchange;
    if (exchange.aborted) {
      listener();
      return noop;
    }
    addAbortListener(exchange, listener);
    return () => {
      const listeners = exchange.abortListeners;
      const index = listeners === undefined ? -1 : listeners.indexOf(listener);
      if (index !== -1) listeners!.splice(index, 1);
    };
  }
}

function noop(): void {}

/** An array literal for the first listener: pushing onto `[]` grows a 16-slot store (144 bytes) per request. */
function addAbortListener(exchange: Exchange, listener: () => void): void {
  if (exchange.abortListeners === undefined) exchange.abortListeners = [listener];
  else exchange.abortListeners.push(listener);
}

/**
 * The exchange's abort as a `CancelSignal`: fires at the moments `signal` does (client gone,
 * timeout, shutdown), with the reason an `AbortController.abort()` gives, through the exchange's
 * plain listener list — no AbortController and no EventTarget listener per request. As with an
 * `AbortSignal`, a listener added once it fired is never called.
 */
class ExchangeCancel implements CancelSignal {
  readonly #exchange: Exchange;
  #reason: DOMException | undefined;

  constructor(exchange: Exchange) {
    this.#exchange = exchange;
  }

  get aborted(): boolean {
    return this.#exchange.aborted;
  }

  get reason(): unknown {
    if (!this.#exchange.aborted) return undefined;
    return (this.#reason ??= new DOMException('This operation was aborted', 'AbortError'));
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    const exchange = this.#exchange;
    if (!exchange.aborted) addAbortListener(exchange, listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const listeners = this.#exchange.abortListeners;
    const index = listeners === undefined ? -1 : listeners.indexOf(listener);
    if (index !== -1) listeners!.splice(index, 1);
  }
}

/** The client went away or the server gave up: tells every subscriber, once. */
export function abortExchange(exchange: Exchange): void {
  if (exchange.aborted) return;
  exchange.aborted = true;
  exchange.controller?.abort();
  const listeners = exchange.abortListeners;
  exchange.abortListeners = undefined;
  if (listeners !== undefined) for (const listener of listeners) listener();
}

export function requestContext(exchange: Exchange, cache?: { bypass?: boolean; refresh?: boolean }): RequestContext {
  const directive = cacheDirective(exchange.request.headers['cache-control']);
  if (cache === undefined) return new ExchangeContext(exchange, directive);
  return new ExchangeContext(exchange, directiveOf(cache.bypass ?? directive.bypass, cache.refresh ?? directive.refresh));
}

/** The four directives, shared (frozen): a request's context allocates none. */
const NO_DIRECTIVE: Readonly<{ bypass: boolean; refresh: boolean }> = Object.freeze({ bypass: false, refresh: false });
const DIRECTIVES: readonly Readonly<{ bypass: boolean; refresh: boolean }>[] = [
  NO_DIRECTIVE,
  Object.freeze({ bypass: false, refresh: true }),
  Object.freeze({ bypass: true, refresh: false }),
  Object.freeze({ bypass: true, refresh: true }),
];

function directiveOf(bypass: boolean, refresh: boolean): Readonly<{ bypass: boolean; refresh: boolean }> {
  return DIRECTIVES[(bypass ? 2 : 0) + (refresh ? 1 : 0)]!;
}

/** `cache-control: no-store` skips the cache entirely; `no-cache` refreshes the entry. */
function cacheDirective(value: string | undefined): Readonly<{ bypass: boolean; refresh: boolean }> {
  if (value === undefined) return NO_DIRECTIVE;
  const lower = value.toLowerCase();
  return directiveOf(lower.includes('no-store'), lower.includes('no-cache'));
}

/** Time spent in Fortitude so far, excluding the upstream wait, as the header value (ms). */
export function overheadMs(exchange: Exchange): string {
  const upstream = exchange.gateway?.upstreamMs ?? 0;
  return Math.max(0, performance.now() - exchange.startedAt - upstream).toFixed(3);
}

/** Writes a complete response in one go (status, merged headers, body). */
export function sendBody(exchange: Exchange, status: number, contentType: string, body: string | Buffer): void {
  // Already answered (e.g. the timeout sweeper's 504) or the client is gone.
  if (exchange.response.headersSent || exchange.response.destroyed) return;
  const headers = exchange.headers;
  headers['content-type'] = contentType;
  headers['content-length'] = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  if (exchange.family !== 'api') addGatewayHeaders(exchange);
  exchange.response.writeHead(status, headers);
  exchange.response.end(body);
}

export const JSON_TYPE = 'application/json; charset=utf-8';

export function sendJson(exchange: Exchange, status: number, body: string | Buffer): void {
  sendBody(exchange, status, JSON_TYPE, body);
}

/** Every gateway response names the provider, the cache outcome and Fortitude's overhead. */
export function addGatewayHeaders(exchange: Exchange): void {
  const headers = exchange.headers;
  headers['x-fortitude-provider'] = exchange.gateway?.provider ?? 'none';
  headers['x-fortitude-cache'] = exchange.gateway?.cache ?? 'bypass';
  headers['x-fortitude-overhead-ms'] = overheadMs(exchange);
  // Answers written by the built-in simulator say so (no API key was set for that provider).
  if (exchange.gateway?.simulated === true) headers['x-fortitude-simulated'] = 'true';
}
