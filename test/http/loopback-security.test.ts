import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, startTestServer, type TestServer } from './start-test-server.js';

/**
 * Issue 14.4: the loopback server (no API keys by default) must not answer DNS-rebound pages or
 * cross-site requests, and profiles/heap snapshots need an admin key even there. Issue 14.6:
 * invalid keys are throttled per client address.
 */

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** node:http, so `Host` can be anything (a rebound page sends its own name with our port). */
function send(url: string, options: { method?: string; path: string; headers?: Record<string, string> }): Promise<Answer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: hostname, port: Number(port), method: options.method ?? 'GET', path: options.path, headers: options.headers ?? {}, agent: false }, (incoming) => {
      let body = '';
      incoming.setEncoding('utf8');
      incoming.on('data', (chunk: string) => (body += chunk));
      incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

const errorOf = (answer: Answer) => (JSON.parse(answer.body) as { error: { code: string; message: string; field?: string } }).error;

let app: TestServer;
let port: string;
let clock = 1_000_000;
beforeAll(async () => {
  // As `fortitude serve` runs by default: loopback, auth `auto` (so no key is asked for).
  app = await startTestServer({ auth: { mode: 'auto', defaultRateLimitPerMinute: 60, maxFailedKeysPerMinute: 5 }, now: () => clock });
  port = new URL(app.url).port;
});
afterAll(async () => {
  await app.close();
});

describe('Host allow-list on loopback (DNS rebinding)', () => {
  it('answers the loopback names with the listening port', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
      expect((await send(app.url, { path: '/api/cache/stats', headers: { host } })).status, host).toBe(200);
    }
  });

  it('refuses another name, or a loopback name with another port, with a 403 that says how to allow it', async () => {
    for (const host of [`rebind.attacker.example:${port}`, `127.0.0.1:1`, 'localhost', `127.0.0.1.nip.io:${port}`]) {
      const answer = await send(app.url, { method: 'POST', path: '/api/research', headers: { host, 'content-type': 'application/json' } });
      expect(answer.status, host).toBe(403);
      const error = errorOf(answer);
      expect(error).toMatchObject({ code: 'forbidden', field: 'host' });
      expect(error.message).toContain(JSON.stringify(host));
      expect(error.message).toContain('server.allowed_hosts');
      expect(answer.headers['x-request-id']).toBeDefined();
    }
    expect(app.services.researchRequests).toHaveLength(0);
  });

  it('configured hosts replace the derived ones', async () => {
    const proxied = await startTestServer({ allowedHosts: ['fortitude.internal', 'fortitude.internal:8443'] });
    try {
      expect((await send(proxied.url, { path: '/api/health', headers: { host: 'fortitude.internal' } })).status).toBe(200);
      expect((await send(proxied.url, { path: '/api/health', headers: { host: 'fortitude.internal:8443' } })).status).toBe(200);
      expect((await send(proxied.url, { path: '/api/health', headers: { host: new URL(proxied.url).host } })).status).toBe(403);
    } finally {
      await proxied.close();
    }
  });
});

describe('Origin check (cross-site requests)', () => {
  it('refuses a cross-site POST before it reaches the route', async () => {
    const answer = await send(app.url, { method: 'POST', path: '/api/admin/profile/cpu?duration_ms=1000', headers: { host: `127.0.0.1:${port}`, origin: 'https://evil.example' } });
    expect(answer.status).toBe(403);
    expect(errorOf(answer)).toMatchObject({ code: 'forbidden', field: 'origin' });
    expect(errorOf(answer).message).toContain('server.allowed_origins');
  });

  it('accepts the server’s own origin, the CORS origins and configured origins', async () => {
    const host = `127.0.0.1:${port}`;
    expect((await send(app.url, { path: '/api/cache/stats', headers: { host, origin: `http://${host}` } })).status).toBe(200);
    expect((await send(app.url, { path: '/api/cache/stats', headers: { host, origin: 'https://app.example.com' } })).status).toBe(200);
    expect((await send(app.url, { path: '/api/cache/stats', headers: { host, origin: `http://localhost:${port}` } })).status).toBe(403);
    const configured = await startTestServer({ allowedOrigins: ['http://localhost:5173'] });
    try {
      const configuredHost = new URL(configured.url).host;
      expect((await send(configured.url, { path: '/api/health', headers: { host: configuredHost, origin: 'http://localhost:5173' } })).status).toBe(200);
      expect((await send(configured.url, { path: '/api/health', headers: { host: configuredHost, origin: 'http://localhost:5174' } })).status).toBe(403);
    } finally {
      await configured.close();
    }
  });
});

describe('profiles and heap snapshots need the admin scope even on loopback', () => {
  it('without a key: 401 saying how to create an admin key; the rest of the API stays open', async () => {
    for (const path of ['/api/admin/profile/cpu?duration_ms=1000', '/api/admin/profile/heap-snapshot']) {
      const answer = await send(app.url, { method: 'POST', path, headers: { host: `127.0.0.1:${port}` } });
      expect(answer.status, path).toBe(401);
      expect(errorOf(answer).message).toContain('fortitude keys create --name ops --scopes admin');
    }
    expect((await send(app.url, { path: '/api/cache/stats', headers: { host: `127.0.0.1:${port}` } })).status).toBe(200);
  });

  it('a key without admin: 403; an admin key passes (501 here: the test double has no profiler)', async () => {
    const research = await send(app.url, { method: 'POST', path: '/api/admin/profile/cpu?duration_ms=1000', headers: { host: `127.0.0.1:${port}`, ...AUTH.research } });
    expect(research.status).toBe(403);
    expect(errorOf(research).message).toContain('--scopes admin');
    const admin = await send(app.url, { method: 'POST', path: '/api/admin/profile/cpu?duration_ms=1000', headers: { host: `127.0.0.1:${port}`, ...AUTH.admin } });
    expect(admin.status).toBe(501);
  });
});

describe('invalid keys are throttled per client address', () => {
  it('401 for the first N per minute, then 429 with Retry-After; valid keys keep working; the bucket refills', async () => {
    const guarded = await startTestServer({ auth: { mode: 'required', defaultRateLimitPerMinute: 60, maxFailedKeysPerMinute: 5 }, now: () => clock });
    try {
      await throttled(guarded.url);
    } finally {
      await guarded.close();
    }
  });
});

async function throttled(url: string): Promise<void> {
  const host = new URL(url).host;
  const statuses: number[] = [];
  let last: Answer | undefined;
  for (let attempt = 0; attempt < 7; attempt++) {
    last = await send(url, { path: '/api/cache/stats', headers: { host, authorization: `Bearer guess-${attempt}` } });
    statuses.push(last.status);
  }
  expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
  // 5 per minute: one more every 12 s.
  expect(last!.headers['retry-after']).toBe('12');
  expect(errorOf(last!)).toMatchObject({ code: 'rate_limited' });
  expect((await send(url, { path: '/api/cache/stats', headers: { host, ...AUTH.research } })).status).toBe(200);
  clock += 12_000;
  expect((await send(url, { path: '/api/cache/stats', headers: { host, authorization: 'Bearer guess-again' } })).status).toBe(401);
  expect((await send(url, { path: '/api/cache/stats', headers: { host, authorization: 'Bearer guess-again' } })).status).toBe(429);
}
