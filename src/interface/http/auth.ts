import type { IncomingHttpHeaders } from 'node:http';
import { FortitudeError } from '../../core/errors.js';
import type { Exchange, Route } from './exchange.js';
import type { FailedKeyThrottle } from './failed-key-throttle.js';
import type { ApiKeyIdentity, HttpServices, Scope } from './http-services.js';
import type { Middleware, Next } from './middleware.js';

export type AuthMode = 'auto' | 'required' | 'disabled';

/** Longer keys are refused without asking the key store. */
const MAX_KEY_LENGTH = 512;

/** `Authorization: Bearer <key>` (scheme case-insensitive) or `x-api-key: <key>`. */
export function extractApiKey(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  let key: string | undefined;
  if (authorization !== undefined && authorization.length > 7 && authorization.slice(0, 7).toLowerCase() === 'bearer ') {
    key = authorization.slice(7).trim();
  } else {
    const header = headers['x-api-key'];
    key = typeof header === 'string' ? header.trim() : undefined;
  }
  if (key === undefined || key === '' || key.length > MAX_KEY_LENGTH) return undefined;
  return key;
}

/** `auto` means required unless the server only listens on loopback. */
export function isAuthRequired(mode: AuthMode, host: string): boolean {
  if (mode === 'required') return true;
  if (mode === 'disabled') return false;
  return !isLoopbackHost(host);
}

export function isLoopbackHost(host: string): boolean {
  const normalised = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    normalised === 'localhost' ||
    normalised === '::1' ||
    normalised.startsWith('127.') ||
    normalised.startsWith('::ffff:127.')
  );
}

/** `admin` implies every scope. */
export function hasScope(identity: ApiKeyIdentity, scope: Scope): boolean {
  return identity.scopes.includes(scope) || identity.scopes.includes('admin');
}

export interface AuthMiddlewareOptions {
  /** From `isAuthRequired`: false leaves every route open except those with `keyAlwaysRequired`. */
  required: boolean;
  verifyApiKey: HttpServices['verifyApiKey'];
  /** Invalid keys per client address; absent: every invalid key is a 401. */
  failedKeys?: FailedKeyThrottle;
}

const CREATE_ADMIN_KEY =
  'create one with "fortitude keys create --name ops --scopes admin" and send it as "Authorization: Bearer <key>" (fortitude profile: --api-key or FORTITUDE_API_KEY)';

/** The API key for the matched route's scope → `exchange.identity`; 401 / 403 / 429 (invalid keys) otherwise. After `route`. */
export function authMiddleware(options: AuthMiddlewareOptions): Middleware {
  const authenticate = async (exchange: Exchange, route: Route, scope: Scope, next: Next): Promise<void> => {
    const raw = extractApiKey(exchange.request.headers);
    if (raw === undefined) {
      throw new FortitudeError(
        'unauthorized',
        options.required
          ? 'missing API key: send "Authorization: Bearer <key>" or "x-api-key: <key>"'
          : `missing API key: ${route.path} needs a key with the "${scope}" scope even on loopback; ${CREATE_ADMIN_KEY}`,
      );
    }
    const verified = options.verifyApiKey(raw);
    const identity = verified instanceof Promise ? await verified : verified;
    if (identity === undefined) {
      throw options.failedKeys?.fail(exchange.request.socket.remoteAddress) ?? new FortitudeError('unauthorized', 'invalid API key');
    }
    if (!hasScope(identity, scope)) {
      throw new FortitudeError('forbidden', `this API key lacks the "${scope}" scope${route.keyAlwaysRequired === true && scope === 'admin' ? `; ${CREATE_ADMIN_KEY}` : ''}`);
    }
    exchange.identity = identity;
    await next(exchange);
  };
  return {
    name: 'auth',
    handle(exchange, next) {
      const route = exchange.route!;
      const scope = route.scope;
      if (scope === 'public' || (!options.required && route.keyAlwaysRequired !== true)) return next(exchange);
      return authenticate(exchange, route, scope, next);
    },
  };
}
