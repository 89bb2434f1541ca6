/**
 * Issue 14.5: a PostgreSQL outage under the real HTTP server (PostgreSQL behind a TCP proxy that
 * is cut and restored). Once the API-key cache has expired, requests whose answer needs no
 * database — a research answer in the cache, a gateway call — keep working for keys verified
 * before the outage; requests that need the database get a retryable 503 `storage_error` naming
 * what is unavailable, never a 500; a key not verified before the outage gets 503, not 401.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startAppOverHttp, type AppOverHttp } from '../reliability/app-over-http.js';
import { createScratchDatabase, type ScratchDatabase } from './replica-harness.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

/** The key cache is short here so that it has expired when the outage starts. */
const KEY_CACHE_MS = 200;

let database: ScratchDatabase;
let proxy: TcpProxy;
let server: AppOverHttp;
let alice: string;
let newcomer: string;
const QUESTION = 'How do I add a readiness probe to a Kubernetes deployment?';

beforeAll(async () => {
  database = await createScratchDatabase();
  proxy = await startTcpProxy({ port: 5432 });
  server = await startAppOverHttp({
    databaseUrl: database.url.replace(':5432/', `:${proxy.port}/`),
    env: { FORTITUDE_SERVER__AUTH__KEY_CACHE: `${KEY_CACHE_MS}ms` },
  });
  alice = await server.key('alice', ['research', 'gateway']);
  newcomer = await server.key('newcomer', ['research', 'gateway']);
}, 60_000);

afterAll(async () => {
  proxy?.restore();
  await server?.close();
  await proxy?.close();
  await database?.drop();
});

const chat = (key: string) =>
  call(server.url, key, 'POST', '/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Explain idempotency keys' }] });

async function waitPastKeyCache(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, KEY_CACHE_MS * 2));
}

describe('a PostgreSQL outage through the HTTP server', () => {
  it('keeps answering what needs no database, refuses what does with a retryable 503, and recovers', async () => {
    const first = await call(server.url, alice, 'POST', '/api/research', { query: QUESTION });
    expect(first.status).toBe(200);
    expect((await chat(alice)).status).toBe(200);

    proxy.cut();
    await waitPastKeyCache();

    // Needs no database: the cached answer and a gateway call, for a key verified before the outage.
    const cached = await call(server.url, alice, 'POST', '/api/research', { query: QUESTION });
    expect(cached.status).toBe(200);
    expect(cached.body.id).toBe(first.body.id);
    expect(cached.body.cache.kind).not.toBe('miss');
    expect((await chat(alice)).status).toBe(200);

    // Needs the database: a new question (the library is the store), the library, feedback.
    const fresh = await call(server.url, alice, 'POST', '/api/research', { query: 'What is a B-tree index?' });
    expect(fresh.status).toBe(503);
    expect(fresh.body.error.code).toBe('storage_error');
    expect(fresh.body.error.message).toMatch(/database is unreachable/);
    const listed = await call(server.url, alice, 'GET', '/api/research');
    expect(listed.status).toBe(503);
    expect(listed.body.error).toMatchObject({ code: 'storage_error' });
    const rated = await call(server.url, alice, 'POST', '/api/feedback', { result_id: first.body.id, rating: 5 });
    expect(rated.status).toBe(503);
    expect(rated.body.error).toMatchObject({ code: 'storage_error' });

    // A key never verified before the outage cannot be checked: 503 with Retry-After, not 401.
    const response = await fetch(`${server.url}/api/research`, { headers: { authorization: `Bearer ${newcomer}` } });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).not.toBeNull();
    expect(((await response.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'storage_error',
      message: expect.stringMatching(/cannot verify this API key/),
    });
    expect((await chat('ftd_not-a-key-at-all-0000000000')).status).toBe(503);

    proxy.restore();
    // Clients retry a 503; the first tries may meet pooled connections the outage broke.
    let recovered: { status: number } | undefined;
    for (let attempt = 0; attempt < 20 && recovered?.status !== 200; attempt++) {
      recovered = await call(server.url, newcomer, 'POST', '/api/research', { query: 'What is a B-tree index?' });
      if (recovered.status !== 200) {
        expect(recovered.status).toBe(503);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    expect(recovered?.status).toBe(200);
    expect((await call(server.url, alice, 'POST', '/api/feedback', { result_id: first.body.id, rating: 5 })).status).toBe(201);
    expect((await chat('ftd_not-a-key-at-all-0000000000')).status).toBe(401);
  });
});
