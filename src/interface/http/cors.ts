import type { OutgoingHttpHeaders } from 'node:http';
import { FortitudeError } from '../../core/errors.js';
import type { Route } from './exchange.js';
import type { Middleware } from './middleware.js';
import type { Router } from './router.js';

export interface CorsOptions {
  /** Allowed origins (`https://app.example.com`); `*` allows any. Empty disables CORS. */
  origins: readonly string[];
}

export interface Cors {
  /** Adds the CORS response headers when `origin` is allowed; returns whether it is. */
  apply(origin: string | undefined, headers: OutgoingHttpHeaders): boolean;
  /** Headers for a preflight answer (204), given the route's allowed methods. */
  preflight(origin: string | undefined, requestHeaders: string | undefined, allow: string, headers: OutgoingHttpHeaders): void;
}

const EXPOSED = [
  'x-request-id',
  'x-fortitude-provider',
  'x-fortitude-cache',
  'x-fortitude-overhead-ms',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'retry-after',
].join(', ');
const DEFAULT_ALLOWED_HEADERS = 'authorization, content-type, x-api-key, x-request-id, cache-control';
/** Browsers cache a preflight answer this long (seconds). */
const PREFLIGHT_MAX_AGE = '600';
/** Request headers are echoed back only when they look like a header list. */
const HEADER_LIST = /^[A-Za-z0-9\-_, ]{1,2000}$/;

export function createCors(options: CorsOptions): Cors {
  const any = options.origins.includes('*');
  const allowed = new Set(options.origins);
  const isAllowed = (origin: string | undefined): origin is string =>
    origin !== undefined && (any || allowed.has(origin));
  const apply = (origin: string | undefined, headers: OutgoingHttpHeaders): boolean => {
    if (allowed.size === 0 || !isAllowed(origin)) return false;
    headers['access-control-allow-origin'] = any ? '*' : origin;
    if (!any) headers.vary = 'origin';
    headers['access-control-expose-headers'] = EXPOSED;
    return true;
  };
  return {
    apply,
    preflight(origin, requestHeaders, allow, headers) {
      if (!apply(origin, headers)) return;
      headers['access-control-allow-methods'] = allow;
      // The OpenAI SDK in a browser sends `x-stainless-*` headers: echo what was asked.
      headers['access-control-allow-headers'] =
        requestHeaders !== undefined && HEADER_LIST.test(requestHeaders) ? requestHeaders : DEFAULT_ALLOWED_HEADERS;
      headers['access-control-max-age'] = PREFLIGHT_MAX_AGE;
    },
  };
}

const MAX_PATH_IN_MESSAGE = 200;

/**
 * CORS headers on responses to allowed origins, and the answer to preflights (`OPTIONS`, 204 with
 * the route's methods; 404 for a path no route has). After the Host/Origin check.
 */
export function corsMiddleware(cors: Cors, router: Router<Route>): Middleware {
  return {
    name: 'cors',
    handle(exchange, next) {
      const requestHeaders = exchange.request.headers;
      if (exchange.request.method !== 'OPTIONS') {
        if (requestHeaders.origin !== undefined) cors.apply(requestHeaders.origin, exchange.headers);
        return next(exchange);
      }
      const allow = router.allowFor(exchange.path);
      if (allow === undefined) throw new FortitudeError('not_found', `no route for OPTIONS ${exchange.path.slice(0, MAX_PATH_IN_MESSAGE)}`);
      const headers = exchange.headers;
      cors.preflight(requestHeaders.origin, requestHeaders['access-control-request-headers'], allow, headers);
      headers.allow = allow;
      headers['content-length'] = 0;
      exchange.response.writeHead(204, headers);
      exchange.response.end();
    },
  };
}
