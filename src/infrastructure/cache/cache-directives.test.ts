import { describe, expect, it } from 'vitest';
import { parseCacheDirectives } from './cache-directives.js';

describe('parseCacheDirectives', () => {
  it('reads and writes by default', () => {
    expect(parseCacheDirectives({})).toEqual({ read: true, write: true, mode: 'normal' });
    expect(parseCacheDirectives({ cacheControl: 'max-age=60' }).mode).toBe('normal');
  });

  it('refreshes on no-cache, max-age=0, Pragma: no-cache or {cache:{refresh}}', () => {
    for (const sources of [
      { cacheControl: 'no-cache' },
      { cacheControl: 'No-Cache, max-stale' },
      { cacheControl: 'max-age = 0' },
      { cacheControl: ['private', 'no-cache'] },
      { pragma: 'no-cache' },
      { body: { refresh: true } },
    ]) {
      expect(parseCacheDirectives(sources)).toEqual({ read: false, write: true, mode: 'refresh' });
    }
  });

  it('bypasses on no-store or {cache:{bypass}}, which wins over refresh', () => {
    expect(parseCacheDirectives({ cacheControl: 'no-store' })).toEqual({ read: false, write: false, mode: 'bypass' });
    expect(parseCacheDirectives({ cacheControl: 'no-cache, no-store' }).mode).toBe('bypass');
    expect(parseCacheDirectives({ cacheControl: 'no-cache', body: { bypass: true } }).mode).toBe('bypass');
    expect(parseCacheDirectives({ body: { refresh: false, bypass: false } }).mode).toBe('normal');
  });

  it('ignores Pragma when Cache-Control is present, as RFC 9111 says', () => {
    expect(parseCacheDirectives({ cacheControl: 'max-age=60', pragma: 'no-cache' }).mode).toBe('normal');
  });
});
