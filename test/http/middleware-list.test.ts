import { describe, expect, it } from 'vitest';
import { FortitudeError } from '../../src/core/errors.js';
import type { Middleware } from '../../src/interface/http/middleware.js';
import { AUTH, startTestServer } from './start-test-server.js';

/** Issue 15.4: a new cross-cutting concern is one more entry in the server's middleware list. */
describe('the middleware list', () => {
  it('is the documented order, and a new entry after auth sees the caller and can refuse in either error shape', async () => {
    let names: string[] = [];
    const quota: Middleware = {
      name: 'tenant-quota',
      handle(exchange, next) {
        exchange.headers['x-tenant'] = exchange.identity?.name ?? 'anonymous';
        if (exchange.identity?.name === 'gatewayer') throw new FortitudeError('rate_limited', 'tenant quota used up');
        return next(exchange);
      },
    };
    const app = await startTestServer({
      middleware: (defaults) => {
        names = defaults.map((entry) => entry.name);
        const afterAuth = names.indexOf('auth') + 1;
        return [...defaults.slice(0, afterAuth), quota, ...defaults.slice(afterAuth)];
      },
    });
    try {
      expect(names).toEqual(['request-id', 'security-headers', 'request-timeout', 'host-check', 'cors', 'route', 'auth', 'key-rate-limit']);
      const allowed = await fetch(`${app.url}/api/cache/stats`, { headers: AUTH.research });
      expect(allowed.status).toBe(200);
      expect(allowed.headers.get('x-tenant')).toBe('researcher');
      const refused = await fetch(`${app.url}/v1/models`, { headers: AUTH.gateway });
      expect(refused.status).toBe(429);
      expect(refused.headers.get('x-request-id')).toBeTruthy();
      expect(await refused.json()).toMatchObject({ error: { type: 'rate_limit_error', message: 'tenant quota used up' } });
    } finally {
      await app.close();
    }
  });
});
