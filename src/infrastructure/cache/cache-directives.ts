/**
 * What a client asked of the cache for one request. `refresh` skips the read but stores the
 * fresh answer; `bypass` neither reads nor writes.
 *
 * HTTP: `Cache-Control: no-cache` (or `max-age=0`, or `Pragma: no-cache`) refreshes and
 * `Cache-Control: no-store` bypasses, as RFC 9111 defines them for a shared cache.
 * JSON API: `{ "cache": { "refresh": true } }` or `{ "cache": { "bypass": true } }`.
 */
export interface CacheDirectives {
  /** Consult the cache before computing. */
  read: boolean;
  /** Store the computed answer. */
  write: boolean;
  mode: 'normal' | 'refresh' | 'bypass';
}

export const NORMAL_DIRECTIVES: CacheDirectives = Object.freeze({ read: true, write: true, mode: 'normal' });
export const REFRESH_DIRECTIVES: CacheDirectives = Object.freeze({ read: false, write: true, mode: 'refresh' });
export const BYPASS_DIRECTIVES: CacheDirectives = Object.freeze({ read: false, write: false, mode: 'bypass' });

export interface CacheDirectiveSources {
  /** The `Cache-Control` request header (a string, or the array Node gives for repeats). */
  cacheControl?: string | readonly string[] | undefined;
  pragma?: string | readonly string[] | undefined;
  /** The JSON body's `cache` field (`ResearchRequest.cache`). */
  body?: { refresh?: boolean | undefined; bypass?: boolean | undefined } | undefined;
}

function headerTokens(header: string | readonly string[] | undefined): string[] {
  if (header === undefined) return [];
  const text = typeof header === 'string' ? header : header.join(',');
  return text
    .split(',')
    .map((token) => token.trim().toLowerCase().replace(/\s*=\s*/, '='))
    .filter((token) => token !== '');
}

/** Combines header and body; the strictest wins (bypass over refresh over normal). */
export function parseCacheDirectives(sources: CacheDirectiveSources): CacheDirectives {
  const cacheControl = headerTokens(sources.cacheControl);
  const bypass = sources.body?.bypass === true || cacheControl.includes('no-store');
  if (bypass) return BYPASS_DIRECTIVES;
  const refresh =
    sources.body?.refresh === true ||
    cacheControl.includes('no-cache') ||
    cacheControl.some((token) => token === 'max-age=0' || token === 'max-age="0"') ||
    (cacheControl.length === 0 && headerTokens(sources.pragma).includes('no-cache'));
  return refresh ? REFRESH_DIRECTIVES : NORMAL_DIRECTIVES;
}
