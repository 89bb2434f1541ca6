import type { IncomingHttpHeaders } from 'node:http';
import type { ApiKeyIdentity, Scope } from './http-services.js';

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
