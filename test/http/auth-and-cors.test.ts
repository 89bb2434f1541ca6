import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeServices } from './fake-services.js';
import { AUTH, startTestServer, type TestServer } from './start-test-server.js';

let app: TestServer;
let clock = 1_000_000;
beforeAll(async () => {
  app = await startTestServer({ now: () => clock });
});
afterAll(async () => {
  await app.close();
});

const chat = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });

describe('API keys', () => {
  it('a missing key → 401 with WWW-Authenticate, in the route family shape', async () => {
    const api = await fetch(`${app.url}/api/providers/status`);
    expect(api.status).toBe(401);
    expect(api.headers.get('www-authenticate')).toBe('Bearer');
    expect(await api.json()).toMatchObject({ error: { code: 'unauthorized' } });
    const gateway = await fetch(`${app.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chat });
    expect(gateway.status).toBe(401);
    expect(await gateway.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'unauthorized' } });
  });

  it('an unknown key → 401; a malformed Authorization header counts as missing', async () => {
    expect((await fetch(`${app.url}/api/cache/stats`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    expect((await fetch(`${app.url}/api/cache/stats`, { headers: { authorization: 'Basic a2V5LWFkbWlu' } })).status).toBe(401);
    expect((await fetch(`${app.url}/api/cache/stats`, { headers: { 'x-api-key': 'k'.repeat(600) } })).status).toBe(401);
  });

  it('Bearer (any case) and x-api-key both work', async () => {
    expect((await fetch(`${app.url}/api/cache/stats`, { headers: { authorization: 'bearer key-research' } })).status).toBe(200);
    expect((await fetch(`${app.url}/api/cache/stats`, { headers: { 'x-api-key': 'key-research' } })).status).toBe(200);
  });

  it('the wrong scope → 403; admin implies every scope', async () => {
    const research = await fetch(`${app.url}/v1/models`, { headers: AUTH.research });
    expect(research.status).toBe(403);
    expect(await research.json()).toMatchObject({ error: { type: 'permission_error', code: 'forbidden' } });
    expect((await fetch(`${app.url}/api/cache/stats`, { headers: AUTH.gateway })).status).toBe(403);
    expect((await fetch(`${app.url}/metrics`, { headers: AUTH.research })).status).toBe(403);
    expect((await fetch(`${app.url}/v1/models`, { headers: AUTH.admin })).status).toBe(200);
    expect((await fetch(`${app.url}/api/cache/stats`, { headers: AUTH.admin })).status).toBe(200);
  });

  it('health endpoints need no key', async () => {
    expect((await fetch(`${app.url}/api/health`)).status).toBe(200);
    expect((await fetch(`${app.url}/api/health/ready`)).status).toBe(200);
  });

  it('per-key token bucket: 429 with Retry-After and X-RateLimit-*, refilled over time', async () => {
    const headers = { 'x-api-key': 'key-limited' };
    const seen: { status: number; remaining: string | null }[] = [];
    for (let index = 0; index < 4; index++) {
      const response = await fetch(`${app.url}/api/cache/stats`, { headers });
      seen.push({ status: response.status, remaining: response.headers.get('x-ratelimit-remaining') });
      expect(response.headers.get('x-ratelimit-limit')).toBe('3');
      if (response.status === 429) {
        // 3 per minute = one token per 20 s.
        expect(response.headers.get('retry-after')).toBe('20');
        expect(Number(response.headers.get('x-ratelimit-reset'))).toBe(60);
        expect(await response.json()).toMatchObject({ error: { code: 'rate_limited' } });
      }
    }
    expect(seen).toEqual([
      { status: 200, remaining: '2' },
      { status: 200, remaining: '1' },
      { status: 200, remaining: '0' },
      { status: 429, remaining: '0' },
    ]);
    // Another key has its own bucket.
    expect((await fetch(`${app.url}/api/cache/stats`, { headers: AUTH.research })).status).toBe(200);
    clock += 20_000;
    expect((await fetch(`${app.url}/api/cache/stats`, { headers })).status).toBe(200);
    expect((await fetch(`${app.url}/api/cache/stats`, { headers })).status).toBe(429);
  });

  it('gateway 429s use the OpenAI error shape', async () => {
    const headers = { 'x-api-key': 'key-limited', 'content-type': 'application/json' };
    clock += 120_000;
    let last: Response | undefined;
    for (let index = 0; index < 4; index++) last = await fetch(`${app.url}/v1/chat/completions`, { method: 'POST', headers, body: chat });
    expect(last?.status).toBe(429);
    expect(await last?.json()).toMatchObject({ error: { type: 'rate_limit_error', code: 'rate_limited' } });
    expect(last?.headers.get('x-fortitude-provider')).toBe('none');
  });
});

describe('auth modes', () => {
  it('auto on loopback needs no key; the context has no user', async () => {
    const open = await startTestServer({ auth: { mode: 'auto', defaultRateLimitPerMinute: 60 } });
    try {
      const response = await fetch(`${open.url}/api/research`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'anonymous' }),
      });
      expect(response.status).toBe(200);
      expect(open.services.contexts.at(-1)?.user).toBeUndefined();
      expect(response.headers.get('x-ratelimit-limit')).toBeNull();
    } finally {
      await open.close();
    }
  });

  it('auto on a wildcard host requires a key', async () => {
    const exposed = await startTestServer({ host: '0.0.0.0', auth: { mode: 'auto', defaultRateLimitPerMinute: 60 } });
    try {
      expect((await fetch(`${exposed.url}/api/cache/stats`)).status).toBe(401);
      expect((await fetch(`${exposed.url}/api/health`)).status).toBe(200);
    } finally {
      await exposed.close();
    }
  });

  it('an asynchronous key store works the same', async () => {
    const services = createFakeServices();
    const verify = services.verifyApiKey.bind(services);
    services.verifyApiKey = async (raw) => verify(raw);
    const app = await startTestServer({}, services);
    try {
      expect((await fetch(`${app.url}/api/cache/stats`, { headers: AUTH.research })).status).toBe(200);
      expect((await fetch(`${app.url}/api/cache/stats`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    } finally {
      await app.close();
    }
  });

  it('disabled never asks', async () => {
    const open = await startTestServer({ host: '0.0.0.0', auth: { mode: 'disabled', defaultRateLimitPerMinute: 60 } });
    try {
      expect((await fetch(`${open.url}/metrics`)).status).toBe(200);
    } finally {
      await open.close();
    }
  });
});

describe('CORS', () => {
  it('allowed origins get CORS headers on responses; others do not', async () => {
    const allowed = await fetch(`${app.url}/api/health`, { headers: { origin: 'https://app.example.com' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(allowed.headers.get('vary')).toBe('origin');
    expect(allowed.headers.get('access-control-expose-headers')).toContain('x-fortitude-overhead-ms');
    const other = await fetch(`${app.url}/api/health`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('preflight answers 204 with methods and the requested headers, without a key', async () => {
    const response = await fetch(`${app.url}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, x-stainless-os',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(response.headers.get('access-control-allow-methods')).toBe('POST, OPTIONS');
    expect(response.headers.get('access-control-allow-headers')).toBe('authorization, content-type, x-stainless-os');
    expect(response.headers.get('access-control-max-age')).toBe('600');
  });

  it('preflight for an unknown path → 404; from a foreign origin → 403 without CORS headers', async () => {
    expect((await fetch(`${app.url}/nope`, { method: 'OPTIONS' })).status).toBe(404);
    const foreign = await fetch(`${app.url}/api/health`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('a `*` origin list allows any origin without Vary', async () => {
    const open = await startTestServer({ cors: { origins: ['*'] } });
    try {
      const response = await fetch(`${open.url}/api/health`, { headers: { origin: 'https://anything.example' } });
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(response.headers.get('vary')).toBeNull();
    } finally {
      await open.close();
    }
  });
});
