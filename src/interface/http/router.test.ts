import { describe, expect, it } from 'vitest';
import { createRouter } from './router.js';

const routes = [
  { method: 'GET', path: '/api/research', name: 'search' },
  { method: 'POST', path: '/api/research', name: 'run' },
  { method: 'GET', path: '/api/research/:id', name: 'get' },
  { method: 'POST', path: '/v1/chat/completions', name: 'chat' },
];

describe('createRouter', () => {
  const router = createRouter(routes);

  it('finds exact routes per method and answers HEAD with GET', () => {
    expect(router.lookup('POST', '/api/research')).toMatchObject({ kind: 'found', route: { name: 'run' } });
    expect(router.lookup('HEAD', '/api/research')).toMatchObject({ kind: 'found', route: { name: 'search' } });
  });

  it('matches :param segments, never empty ones or deeper paths', () => {
    expect(router.lookup('GET', '/api/research/abc')).toEqual({ kind: 'found', route: routes[2], params: { id: 'abc' } });
    expect(router.lookup('GET', '/api/research/a/b').kind).toBe('not_found');
    expect(router.lookup('GET', '/api/research/').kind).toBe('not_found');
  });

  it('reports 405 with the Allow list, and 404 for unknown paths', () => {
    expect(router.lookup('DELETE', '/api/research')).toEqual({ kind: 'method_not_allowed', allow: 'GET, POST, HEAD, OPTIONS' });
    expect(router.lookup('GET', '/v1/chat/completions')).toEqual({ kind: 'method_not_allowed', allow: 'POST, OPTIONS' });
    expect(router.lookup('GET', '/nope').kind).toBe('not_found');
    expect(router.allowFor('/api/research/x')).toBe('GET, HEAD, OPTIONS');
    expect(router.allowFor('/nope')).toBeUndefined();
  });

  it('refuses duplicate routes at construction', () => {
    expect(() => createRouter([routes[0]!, routes[0]!])).toThrow(/duplicate route GET \/api\/research/);
  });
});
