import type { OutgoingHttpHeaders } from 'node:http';

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
