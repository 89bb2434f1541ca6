import { authMiddleware, isAuthRequired, type AuthMode } from './auth.js';
import { corsMiddleware, createCors } from './cors.js';
import type { Exchange, Route } from './exchange.js';
import { createFailedKeyThrottle } from './failed-key-throttle.js';
import { hostCheckMiddleware } from './host-allow-list.js';
import type { HttpLogger } from './http-logger.js';
import type { HttpServices } from './http-services.js';
import type { InFlightRegistry } from './in-flight.js';
import type { Middleware } from './middleware.js';
import { createRateLimiter, keyRateLimitMiddleware, type RateLimiter } from './rate-limiter.js';
import { requestIdMiddleware } from './request-id.js';
import { createRequestTimeout } from './request-timeout.js';
import { routeMiddleware } from './route-middleware.js';
import type { Router } from './router.js';
import { securityHeadersMiddleware } from './security-headers.js';

/** What the server's middleware list is built from (the `HttpServerOptions` that concern it). */
export interface ServerMiddlewareOptions {
  host: string;
  requestTimeoutMs: number;
  cors: { origins: readonly string[] };
  /** See `HostAllowListOptions`; empty `allowedHosts` derives them from the listen address. */
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
  auth: { mode: AuthMode; defaultRateLimitPerMinute: number; maxFailedKeysPerMinute?: number };
  now?: () => number;
  rateLimiter?: RateLimiter;
}

export interface ServerMiddlewareDeps {
  router: Router<Route>;
  services: Pick<HttpServices, 'verifyApiKey'>;
  logger: HttpLogger;
  inFlight: InFlightRegistry<Exchange>;
}

/** Invalid keys one address may send per minute when the server is not told otherwise. */
export const DEFAULT_MAX_FAILED_KEYS_PER_MINUTE = 20;

/**
 * The ordered list every request passes before its route's handler. Order matters: the request
 * id first (every answer, errors included, carries it), the timeout before anything that may
 * wait, the Host/Origin check before anything that reads the request, CORS before route matching
 * (it answers preflights), route matching before auth (auth needs the route's scope).
 */
export function serverMiddleware(options: ServerMiddlewareOptions, deps: ServerMiddlewareDeps): Middleware[] {
  const maxFailedKeys = options.auth.maxFailedKeysPerMinute ?? DEFAULT_MAX_FAILED_KEYS_PER_MINUTE;
  return [
    requestIdMiddleware,
    securityHeadersMiddleware,
    createRequestTimeout({ timeoutMs: options.requestTimeoutMs }, deps),
    hostCheckMiddleware({ allowedHosts: options.allowedHosts, allowedOrigins: [...options.allowedOrigins, ...options.cors.origins] }),
    corsMiddleware(createCors({ origins: options.cors.origins }), deps.router),
    routeMiddleware(deps.router),
    authMiddleware({
      required: isAuthRequired(options.auth.mode, options.host),
      verifyApiKey: (raw) => deps.services.verifyApiKey(raw),
      ...(maxFailedKeys > 0 ? { failedKeys: createFailedKeyThrottle({ maxPerMinute: maxFailedKeys, ...(options.now ? { now: options.now } : {}) }) } : {}),
    }),
    keyRateLimitMiddleware(options.rateLimiter ?? createRateLimiter(options.now), options.auth.defaultRateLimitPerMinute),
  ];
}
