import { performance } from 'node:perf_hooks';
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthMode } from './auth.js';
import { asBindError } from './bind-errors.js';
import { handleClientError } from './client-error.js';
import { abortExchange, familyOf, type Exchange, type Route } from './exchange.js';
import type { DashboardLayout } from '../dashboard/dashboard-layout.js';
import type { HttpLogger } from './http-logger.js';
import type { HttpServices } from './http-services.js';
import { InFlightRegistry } from './in-flight.js';
import { compose, type Middleware } from './middleware.js';
import type { RateLimiter } from './rate-limiter.js';
import { createRouter } from './router.js';
import { anthropicRoutes } from './routes/anthropic-routes.js';
import { gatewayRoutes } from './routes/gateway-routes.js';
import { responsesRoutes } from './routes/responses-routes.js';
import { observabilityRoutes } from './routes/observability-routes.js';
import { operationsRoutes } from './routes/operations-routes.js';
import { liveRoutes } from './routes/live-routes.js';
import { researchRoutes } from './routes/research-routes.js';
import { sendError } from './send-error.js';
import { serverMiddleware } from './server-middleware.js';

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
  /**
   * `Host` values answered (`name:port`; `*` any); empty or absent: the listen address with its
   * port, plus `localhost`/`127.0.0.1`/`[::1]` on loopback, any on a wildcard bind. Config
   * `server.allowed_hosts`. Others get 403 (DNS rebinding).
   */
  allowedHosts?: readonly string[];
  /** `Origin` values answered besides the server's own and `cors.origins`; config `server.allowed_origins`. */
  allowedOrigins?: readonly string[];
  /**
   * `maxFailedKeysPerMinute`: invalid keys per client address before 429 (config
   * `server.auth.max_failed_keys_per_minute`, default 20; 0 turns the throttle off).
   */
  auth: { mode: AuthMode; defaultRateLimitPerMinute: number; maxFailedKeysPerMinute?: number };
  /** Fraction of requests access-logged at debug (the logger's own sampling applies on top). */
  accessLogSampleRate?: number;
  /** SSE keep-alive comment interval; 0 disables. */
  sseHeartbeatMs?: number;
  /** `monitoring.dashboards`: groups and panels of `/dashboard`. */
  dashboards?: readonly DashboardLayout[];
  /** Clock for the built-in rate limiters (ms), injectable for tests. */
  now?: () => number;
  /** Replaces the built-in per-process token buckets (e.g. with a Redis-backed limiter). */
  rateLimiter?: RateLimiter;
  /** Replaces the default middleware list (`server-middleware.ts`); tests and benchmarks. */
  middleware?: (defaults: Middleware[]) => Middleware[];
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
const MAX_PATH_IN_MESSAGE = 200;
const EXCHANGE = Symbol('fortitude.exchange');
const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});
type ExchangeResponse = ServerResponse & { [EXCHANGE]?: Exchange };

/**
 * Fortitude's HTTP server: plain `node:http` with a static route table (measured against a bare
 * undici proxy in bench/gateway), the `/api` routes, the OpenAI-compatible `/v1` gateway, and an
 * ordered middleware list around them (`server-middleware.ts`: request id, security headers,
 * timeout, Host/Origin check, CORS, route match, auth, per-key limits). This file is the core:
 * the exchange, the in-flight registry, error rendering, graceful close.
 */
export function createHttpServer(options: HttpServerOptions, services: HttpServices, logger: HttpLogger): HttpServer {
  const deps = {
    services,
    logger,
    bodyLimitBytes: options.bodyLimitBytes,
    sseHeartbeatMs: options.sseHeartbeatMs ?? DEFAULT_HEARTBEAT_MS,
    dashboards: options.dashboards,
  };
  const router = createRouter<Route>([...operationsRoutes(deps), ...researchRoutes(deps), ...gatewayRoutes(deps), ...anthropicRoutes(deps), ...responsesRoutes(deps), ...observabilityRoutes(deps), ...liveRoutes(deps)]);
  const sampleEvery = sampleInterval(options.accessLogSampleRate ?? 1);
  const inFlight = new InFlightRegistry<Exchange>();
  const defaults = serverMiddleware(
    { ...options, allowedHosts: options.allowedHosts ?? [], allowedOrigins: options.allowedOrigins ?? [] },
    { router, services, logger, inFlight },
  );
  const middleware = options.middleware ? options.middleware(defaults) : defaults;
  const chain = compose(middleware, handleRoute);
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

  // A `this`-based listener, so serving a request registers no per-request closure.
  function finish(this: ServerResponse): void {
    const exchange = (this as ExchangeResponse)[EXCHANGE]!;
    inFlight.delete(exchange);
    const response = exchange.response;
    if (!response.writableFinished) {
      abortExchange(exchange);
      // Status 499 below feeds fortitude_api_client_aborts_total.
      if (logger.isLevelEnabled('debug')) logger.debug({ requestId: exchange.requestId, path: exchange.path.slice(0, MAX_PATH_IN_MESSAGE) }, 'client closed the request before the answer');
    }
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

  const fail = (exchange: Exchange, error: unknown): void => {
    try {
      sendError(exchange, error, logger);
    } catch (renderFailure) {
      logger.error({ err: renderFailure, requestId: exchange.requestId }, 'could not send error response');
      exchange.response.destroy();
    }
  };
  /**
   * Runs the chain; a middleware that throws before waiting fails here at once, a rejected
   * promise through one `then` — no async frame and no extra promise per request around it.
   */
  const serve = (exchange: Exchange): void => {
    let pending: void | Promise<void>;
    try {
      pending = chain(exchange);
    } catch (error) {
      fail(exchange, error);
      return;
    }
    if (pending !== undefined) pending.then(undefined, (error: unknown) => fail(exchange, error));
  };

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const startedAt = performance.now();
    const url = request.url ?? '/';
    const queryStart = url.indexOf('?');
    let path = queryStart === -1 ? url : url.slice(0, queryStart);
    if (path.length > 1 && path.charCodeAt(path.length - 1) === 47 /* / */) path = path.slice(0, -1);
    const headers: OutgoingHttpHeaders = {};
    if (shuttingDown) headers.connection = 'close';
    const exchange: Exchange = {
      request,
      response,
      requestId: '',
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
      route: undefined,
      routePath: undefined,
      deadline: Infinity,
      inFlightSlot: -1,
    };
    options.onRequestStart?.();
    inFlight.add(exchange);
    (response as ExchangeResponse)[EXCHANGE] = exchange;
    response.on('close', finish);
    serve(exchange);
  });

  let closing: Promise<void> | undefined;
  return {
    listen: () =>
      new Promise((resolve, reject) => {
        const failed = (error: Error) => reject(asBindError(error, options.host, options.port));
        server.once('error', failed);
        server.listen(options.port, options.host, () => {
          server.off('error', failed);
          const address = server.address() as AddressInfo;
          for (const layer of middleware) layer.listening?.({ host: options.host, port: address.port });
          resolve({ url: urlOf(address) });
        });
      }),
    close() {
      closing ??= (async () => {
        shuttingDown = true;
        for (const layer of middleware) layer.close?.();
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

/** The end of the middleware chain: the matched route's handler. */
function handleRoute(exchange: Exchange): void | Promise<void> {
  return exchange.route!.handle(exchange);
}
