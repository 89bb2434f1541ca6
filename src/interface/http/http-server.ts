import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FortitudeError } from '../../core/errors.js';
import { extractApiKey, hasScope, isAuthRequired, type AuthMode } from './auth.js';
import { handleClientError } from './client-error.js';
import { createCors } from './cors.js';
import { HttpError } from './error-status.js';
import { abortExchange, familyOf, type Exchange, type Route } from './exchange.js';
import type { HttpLogger } from './http-logger.js';
import type { HttpServices, Scope } from './http-services.js';
import { createRateLimiter, type RateLimiter } from './rate-limiter.js';
import { requestIdFrom } from './request-id.js';
import { createRouter } from './router.js';
import { anthropicRoutes } from './routes/anthropic-routes.js';
import { gatewayRoutes } from './routes/gateway-routes.js';
import { responsesRoutes } from './routes/responses-routes.js';
import { observabilityRoutes } from './routes/observability-routes.js';
import { operationsRoutes } from './routes/operations-routes.js';
import { researchRoutes } from './routes/research-routes.js';
import { sendError } from './send-error.js';
import { InFlightRegistry } from './in-flight.js';
import { SECURITY_HEADERS } from './security-headers.js';

export interface HttpServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Largest accepted request body (413 above it); config `server.body_limit_kb` × 1024. */
  bodyLimitBytes: number;
  /**
   * Bound on receiving a request and on waiting for its answer before the first response byte
   * (504 then); config `server.request_timeout`. Started streams are not cut by it.
   */
  requestTimeoutMs: number;
  /** How long `close()` lets in-flight requests finish before cutting them; `server.shutdown_timeout`. */
  shutdownTimeoutMs: number;
  /** Idle keep-alive connections are kept this long (above typical load balancers' 60 s). */
  keepAliveTimeoutMs?: number;
  cors: { origins: readonly string[] };
  auth: { mode: AuthMode; defaultRateLimitPerMinute: number };
  /** Fraction of requests access-logged at debug (the logger's own sampling applies on top). */
  accessLogSampleRate?: number;
  /** SSE keep-alive comment interval; 0 disables. */
  sseHeartbeatMs?: number;
  /** Clock for the built-in rate limiter (ms), injectable for tests. */
  now?: () => number;
  /** Replaces the built-in per-process token buckets (e.g. with a Redis-backed limiter). */
  rateLimiter?: RateLimiter;
  /** Observability hooks: a request arrived; a request ended (route template, never the raw path). */
  onRequestStart?(): void;
  onRequestEnd?(observation: { route: string; method: string; status: number; durationMs: number }): void;
}

export interface HttpServer {
  listen(): Promise<{ url: string }>;
  /** Stops accepting, lets in-flight requests finish within `shutdownTimeoutMs`, then closes. */
  close(): Promise<void>;
  /** Requests being served right now. */
  inFlight(): number;
}

const DEFAULT_KEEP_ALIVE_MS = 65_000; // 65 s
const DEFAULT_HEARTBEAT_MS = 15_000; // 15 s
const SWEEP_INTERVAL_MS = 1_000;
const MAX_PATH_IN_MESSAGE = 200;
const EXCHANGE = Symbol('fortitude.exchange');
const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});
type ExchangeResponse = ServerResponse & { [EXCHANGE]?: Exchange };

/**
 * Fortitude's HTTP server: plain `node:http` with a static route table (measured against a bare
 * undici proxy in bench/gateway), the `/api` routes, the OpenAI-compatible `/v1` gateway, auth
 * with scopes and per-key rate limits, CORS, security headers, request ids and graceful close.
 */
export function createHttpServer(options: HttpServerOptions, services: HttpServices, logger: HttpLogger): HttpServer {
  const deps = {
    services,
    logger,
    bodyLimitBytes: options.bodyLimitBytes,
    sseHeartbeatMs: options.sseHeartbeatMs ?? DEFAULT_HEARTBEAT_MS,
  };
  const router = createRouter<Route>([...operationsRoutes(deps), ...researchRoutes(deps), ...gatewayRoutes(deps), ...anthropicRoutes(deps), ...responsesRoutes(deps), ...observabilityRoutes(deps)]);
  const cors = createCors({ origins: options.cors.origins });
  const limiter = options.rateLimiter ?? createRateLimiter(options.now);
  const authRequired = isAuthRequired(options.auth.mode, options.host);
  const sampleEvery = sampleInterval(options.accessLogSampleRate ?? 1);
  const inFlight = new InFlightRegistry<Exchange>();
  let accessCounter = 0;
  let shuttingDown = false;
  let onIdle: (() => void) | undefined;

  const server = createServer({
    keepAlive: true,
    noDelay: true,
    requestTimeout: options.requestTimeoutMs,
    headersTimeout: Math.min(60_000, options.requestTimeoutMs),
  });
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_MS;
  server.on('clientError', handleClientError);

  const authenticate = async (exchange: Exchange, scope: Scope): Promise<void> => {
    const raw = extractApiKey(exchange.request.headers);
    if (raw === undefined) {
      throw new FortitudeError('unauthorized', 'missing API key: send "Authorization: Bearer <key>" or "x-api-key: <key>"');
    }
    const verified = services.verifyApiKey(raw);
    const identity = verified instanceof Promise ? await verified : verified;
    if (identity === undefined) throw new FortitudeError('unauthorized', 'invalid API key');
    if (!hasScope(identity, scope)) throw new FortitudeError('forbidden', `this API key lacks the "${scope}" scope`);
    const decided = limiter.take(identity.name, identity.rateLimitPerMinute ?? options.auth.defaultRateLimitPerMinute);
    const decision = decided instanceof Promise ? await decided : decided;
    const headers = exchange.headers;
    headers['x-ratelimit-limit'] = decision.limit;
    headers['x-ratelimit-remaining'] = decision.remaining;
    headers['x-ratelimit-reset'] = decision.resetSeconds;
    if (!decision.allowed) {
      headers['retry-after'] = String(decision.retryAfterSeconds);
      throw new FortitudeError(
        'rate_limited',
        `rate limit of ${decision.limit} requests per minute exceeded; retry in ${decision.retryAfterSeconds} s`,
        { retryable: true },
      );
    }
    exchange.identity = identity;
  };

  /** The route for this request; undefined when answered here (preflight). Throws 404/405. */
  const resolveRoute = (exchange: Exchange, method: string): Route | undefined => {
    if (method === 'OPTIONS') {
      preflight(exchange);
      return undefined;
    }
    const lookup = router.lookup(method, exchange.path);
    if (lookup.kind === 'not_found') {
      throw new FortitudeError('not_found', `no route for ${method} ${exchange.path.slice(0, MAX_PATH_IN_MESSAGE)}`);
    }
    if (lookup.kind === 'method_not_allowed') {
      throw new HttpError('method_not_allowed', `${method} is not allowed here; allowed: ${lookup.allow}`, {
        headers: { allow: lookup.allow },
      });
    }
    exchange.family = lookup.route.family;
    exchange.params = lookup.params;
    exchange.routePath = lookup.route.path;
    return lookup.route;
  };

  const preflight = (exchange: Exchange): void => {
    const allow = router.allowFor(exchange.path);
    if (allow === undefined) throw new FortitudeError('not_found', `no route for OPTIONS ${exchange.path.slice(0, MAX_PATH_IN_MESSAGE)}`);
    const headers = exchange.headers;
    const requestHeaders = exchange.request.headers['access-control-request-headers'];
    cors.preflight(exchange.request.headers.origin, requestHeaders, allow, headers);
    headers.allow = allow;
    headers['content-length'] = 0;
    exchange.response.writeHead(204, headers);
    exchange.response.end();
  };

  // A `this`-based listener, so serving a request registers no per-request closure.
  function finish(this: ServerResponse): void {
    const exchange = (this as ExchangeResponse)[EXCHANGE]!;
    inFlight.delete(exchange);
    const response = exchange.response;
    if (!response.writableFinished) abortExchange(exchange);
    options.onRequestEnd?.({
      route: exchange.routePath ?? 'unmatched',
      method: exchange.request.method ?? 'GET',
      status: response.writableFinished ? response.statusCode : 499,
      durationMs: performance.now() - exchange.startedAt,
    });
    if (sampleEvery > 0 && ++accessCounter % sampleEvery === 0 && logger.isLevelEnabled('debug')) {
      logger.debug(
        {
          requestId: exchange.requestId,
          method: exchange.request.method,
          path: exchange.path.slice(0, MAX_PATH_IN_MESSAGE),
          status: response.statusCode,
          ms: Math.round((performance.now() - exchange.startedAt) * 1000) / 1000,
          key: exchange.identity?.name,
          aborted: !response.writableFinished,
        },
        'http request',
      );
    }
    if (inFlight.size === 0) onIdle?.();
  }

  const serve = async (exchange: Exchange): Promise<void> => {
    try {
      const route = resolveRoute(exchange, exchange.request.method ?? 'GET');
      if (route === undefined) return;
      if (authRequired && route.scope !== 'public') await authenticate(exchange, route.scope);
      await route.handle(exchange);
    } catch (error) {
      try {
        sendError(exchange, error, logger);
      } catch (renderFailure) {
        logger.error({ err: renderFailure, requestId: exchange.requestId }, 'could not send error response');
        exchange.response.destroy();
      }
    }
  };

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const startedAt = performance.now();
    const url = request.url ?? '/';
    const queryStart = url.indexOf('?');
    let path = queryStart === -1 ? url : url.slice(0, queryStart);
    if (path.length > 1 && path.charCodeAt(path.length - 1) === 47 /* / */) path = path.slice(0, -1);
    const requestId = requestIdFrom(request.headers['x-request-id']);
    const headers: OutgoingHttpHeaders = { ...SECURITY_HEADERS, 'x-request-id': requestId };
    if (shuttingDown) headers.connection = 'close';
    const origin = request.headers.origin;
    if (origin !== undefined) cors.apply(origin, headers);
    const exchange: Exchange = {
      request,
      response,
      requestId,
      startedAt,
      path,
      query: queryStart === -1 ? '' : url.slice(queryStart + 1),
      family: familyOf(path),
      params: NO_PARAMS,
      identity: undefined,
      headers,
      controller: undefined,
      abortListeners: undefined,
      aborted: false,
      gateway: undefined,
      routePath: undefined,
      inFlightSlot: -1,
    };
    options.onRequestStart?.();
    inFlight.add(exchange);
    (response as ExchangeResponse)[EXCHANGE] = exchange;
    response.on('close', finish);
    void serve(exchange);
  });

  // Requests still waiting for their first response byte past the bound get a 504.
  const sweeper = setInterval(() => {
    const deadline = performance.now() - options.requestTimeoutMs;
    for (const exchange of inFlight.snapshot()) {
      if (exchange.startedAt > deadline || exchange.response.headersSent) continue;
      abortExchange(exchange);
      sendError(exchange, new FortitudeError('timeout', `no answer within ${options.requestTimeoutMs} ms`), logger);
    }
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();

  let closing: Promise<void> | undefined;
  return {
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host, () => {
          server.off('error', reject);
          resolve({ url: urlOf(server.address() as AddressInfo) });
        });
      }),
    close() {
      closing ??= (async () => {
        shuttingDown = true;
        clearInterval(sweeper);
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        for (const exchange of inFlight.snapshot()) if (!exchange.response.headersSent) exchange.headers.connection = 'close';
        if (inFlight.size > 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, options.shutdownTimeoutMs);
            onIdle = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
        for (const exchange of inFlight.snapshot()) abortExchange(exchange);
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
    inFlight: () => inFlight.size,
  };
}

function sampleInterval(rate: number): number {
  if (rate <= 0) return 0;
  return Math.max(1, Math.round(1 / Math.min(1, rate)));
}

function urlOf(address: AddressInfo): string {
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  const host = wildcard ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
