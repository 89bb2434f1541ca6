/**
 * Issue 14.5: the reference library belongs to the API key that asked (it was shared: any research
 * key listed, read and rated every other key's questions and answers). Two keys over the real
 * HTTP server, on SQLite and PostgreSQL: each sees only its own results in the list, the search,
 * by id, slug or id prefix, and can rate only those; another key's result is a 404, as if it did
 * not exist; the library cache tier never answers one key with another's result. An admin key
 * sees everything, and `research.library_visibility: shared` shares on purpose.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult, ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractApiKey } from '../../src/interface/http/auth.js';
import { runMcpHttp } from '../../src/interface/mcp/mcp-http.js';
import { createScratchDatabase, type ScratchDatabase } from '../replicas/replica-harness.js';
import { call, startAppOverHttp, type AppOverHttp, type Json } from './app-over-http.js';

const ALICE_QUESTION = 'How does PostgreSQL vacuum reclaim dead tuples?';
const BOB_QUESTION = 'How do Rust lifetimes prevent dangling references?';

describe.each(['sqlite', 'postgres'] as const)('the reference library per API key (%s)', (engine) => {
  let database: ScratchDatabase | undefined;
  let server: AppOverHttp;
  let alice: string;
  let bob: string;
  let admin: string;
  let alices: Json;
  let bobs: Json;

  beforeAll(async () => {
    database = engine === 'postgres' ? await createScratchDatabase() : undefined;
    server = await startAppOverHttp(database ? { databaseUrl: database.url } : {});
    alice = await server.key('alice', ['research']);
    bob = await server.key('bob', ['research']);
    admin = await server.key('operator', ['admin']);
    alices = (await call(server.url, alice, 'POST', '/api/research', { query: ALICE_QUESTION })).body;
    bobs = (await call(server.url, bob, 'POST', '/api/research', { query: BOB_QUESTION })).body;
    expect(alices.id).toBeDefined();
    expect(bobs.id).toBeDefined();
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  it('lists and searches only the caller’s own results', async () => {
    const listed = await call(server.url, bob, 'GET', '/api/research');
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((item: Json) => item.id)).toEqual([bobs.id]);
    expect(listed.body.total).toBe(1);
    const searched = await call(server.url, bob, 'GET', '/api/research?q=postgresql%20vacuum%20tuples');
    expect(searched.status).toBe(200);
    expect(searched.body.items).toEqual([]);
    const own = await call(server.url, alice, 'GET', '/api/research?q=postgresql%20vacuum%20tuples');
    expect(own.body.items.map((item: Json) => item.id)).toEqual([alices.id]);
  });

  it('another key’s result is not found by id, slug or id prefix; its own is', async () => {
    for (const handle of [alices.id, alices.slug, alices.id.slice(0, 8)]) {
      const response = await call(server.url, bob, 'GET', `/api/research/${encodeURIComponent(handle)}`);
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('not_found');
      expect((await call(server.url, alice, 'GET', `/api/research/${encodeURIComponent(handle)}`)).status).toBe(200);
    }
  });

  it('rates only its own results', async () => {
    const foreign = await call(server.url, bob, 'POST', '/api/feedback', { result_id: alices.id, rating: 1 });
    expect(foreign.status).toBe(404);
    const own = await call(server.url, alice, 'POST', '/api/feedback', { result_id: alices.id, rating: 5 });
    expect(own.status).toBe(201);
  });

  it('the cache tiers never answer one key with another key’s result', async () => {
    const asked = await call(server.url, bob, 'POST', '/api/research', { query: ALICE_QUESTION });
    expect(asked.status).toBe(200);
    expect(asked.body.id).not.toBe(alices.id);
    expect(asked.body.cache.kind).toBe('miss');
  });

  it('an admin key sees every key’s results', async () => {
    const listed = await call(server.url, admin, 'GET', '/api/research?limit=100');
    const ids = listed.body.items.map((item: Json) => item.id);
    expect(ids).toEqual(expect.arrayContaining([alices.id, bobs.id]));
    expect((await call(server.url, admin, 'GET', `/api/research/${alices.id}`)).status).toBe(200);
  });
});

describe('research.library_visibility: shared', () => {
  let server: AppOverHttp;
  afterAll(async () => server?.close());

  it('shows every research key every result, on purpose', async () => {
    server = await startAppOverHttp({ yaml: 'research: { library_visibility: shared }\n' });
    const alice = await server.key('alice', ['research']);
    const bob = await server.key('bob', ['research']);
    const stored = (await call(server.url, alice, 'POST', '/api/research', { query: ALICE_QUESTION })).body;
    expect((await call(server.url, bob, 'GET', `/api/research/${stored.id}`)).status).toBe(200);
    expect((await call(server.url, bob, 'GET', '/api/research')).body.items.map((item: Json) => item.id)).toEqual([stored.id]);
    expect((await call(server.url, bob, 'POST', '/api/feedback', { result_id: stored.id, rating: 4 })).status).toBe(201);
  });
});

describe('the library per API key over MCP (streamable HTTP, keys verified)', () => {
  let server: AppOverHttp;
  let mcp: Awaited<ReturnType<typeof runMcpHttp>>;
  afterAll(async () => {
    await mcp?.close();
    await server?.close();
  });

  const connect = async (key: string) => {
    const client = new Client({ name: 'tenancy-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(mcp.url), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
    return client;
  };

  it('search_library, get_result, feedback and the library resources answer for the caller only', async () => {
    server = await startAppOverHttp();
    const fortitude = server.app.fortitude;
    mcp = await runMcpHttp(fortitude, {
      name: 'fortitude',
      version: '0.0.0-test',
      host: '127.0.0.1',
      port: 0,
      jsonResponse: true,
      authenticate: async (request) => {
        const raw = extractApiKey(request.headers);
        const identity = raw === undefined ? undefined : await fortitude.verifyApiKey(raw);
        return identity && { user: identity.name, scopes: identity.scopes };
      },
    });
    const alice = await server.key('alice', ['research']);
    const bob = await server.key('bob', ['research']);
    const stored = (await call(server.url, alice, 'POST', '/api/research', { query: ALICE_QUESTION })).body;

    const asBob = await connect(bob);
    const asAlice = await connect(alice);
    try {
      const bobSearch = (await asBob.callTool({ name: 'search_library', arguments: {} })) as CallToolResult;
      expect((bobSearch.structuredContent as { total: number }).total).toBe(0);
      const aliceSearch = (await asAlice.callTool({ name: 'search_library', arguments: {} })) as CallToolResult;
      expect((aliceSearch.structuredContent as { total: number }).total).toBe(1);

      const bobGet = (await asBob.callTool({ name: 'get_result', arguments: { id: stored.id } })) as CallToolResult;
      expect(bobGet.isError).toBe(true);
      const bobRating = (await asBob.callTool({ name: 'feedback', arguments: { result_id: stored.id, rating: 1 } })) as CallToolResult;
      expect(bobRating.isError).toBe(true);
      expect(((await asAlice.callTool({ name: 'get_result', arguments: { id: stored.id } })) as CallToolResult).isError).toBeFalsy();

      const results = async (client: Client) =>
        (await client.listResources()).resources.map((resource) => resource.uri).filter((uri) => uri.startsWith('fortitude://library/'));
      expect(await results(asBob)).toEqual([]);
      expect(await results(asAlice)).toEqual([`fortitude://library/${stored.id}`]);
      await expect(asBob.readResource({ uri: `fortitude://library/${stored.id}` })).rejects.toThrow(/not found/i);
      const index = (await asBob.readResource({ uri: 'fortitude://library' })) as ReadResourceResult;
      expect(JSON.stringify(index.contents)).not.toContain(stored.id);
    } finally {
      await asBob.close();
      await asAlice.close();
    }
  });
});
