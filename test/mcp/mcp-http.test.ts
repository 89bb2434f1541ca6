import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FortitudeError } from '../../src/core/errors.js';
import { createMcpHttpHandler, runMcpHttp, type McpHttpServer } from '../../src/interface/mcp/mcp-http.js';
import { textOf } from './connect-client.js';
import { createFakeMcpServices, type FakeMcpServices } from './fake-mcp-services.js';

/** The SDK's client over real streamable HTTP on a loopback port. */

const INFO = { name: 'fortitude', version: '0.0.0-test' };

async function connectHttp(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'http-test-client', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

/** A raw request, for what the SDK client never sends (wrong method, foreign Host). */
function rawRequest(url: string, options: { method: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: options.method, headers: options.headers ?? {} }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

describe('runMcpHttp on loopback (stateless streamable HTTP)', () => {
  let services: FakeMcpServices;
  let server: McpHttpServer;
  let client: Client;

  beforeAll(async () => {
    services = createFakeMcpServices();
    server = await runMcpHttp(services, { ...INFO, host: '127.0.0.1', port: 0 });
    client = await connectHttp(server.url);
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });

  it('serves at /mcp and lists the seven tools', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(client.getServerVersion()).toEqual(INFO);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['research', 'classify', 'search_library', 'get_result', 'feedback', 'provider_status', 'cache_stats']);
  });

  it('calls research, with progress streamed over SSE', async () => {
    const stages: string[] = [];
    const result = (await client.callTool({ name: 'research', arguments: { query: 'How do I pool connections?' } }, undefined, {
      onprogress: (update) => stages.push(update.message ?? ''),
    })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toContain('Use tokio::spawn for "How do I pool connections?"');
    expect(stages).toEqual(['classify', 'cache', 'provider', 'evaluate', 'store']);
    expect(services.calls.research.at(-1)?.request.user).toBeUndefined();
  });

  it('a bad argument is a tool error naming the field', async () => {
    const result = (await client.callTool({ name: 'feedback', arguments: { result_id: 'r-async', rating: 9 } })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('rating must be a whole number from 1 to 5 (got 9)');
  });

  it('a services error is a tool error', async () => {
    services.failNext(new FortitudeError('budget_exceeded', 'The daily budget of $5.00 is spent.'));
    const result = (await client.callTool({ name: 'research', arguments: { query: 'q' } })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('The daily budget of $5.00 is spent.\nThe spending budget is exhausted');
  });

  it('reads resources and the template list', async () => {
    const { resources } = await client.listResources();
    expect(resources.map((resource) => resource.uri)).toContain('fortitude://library/r-leak');
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((template) => template.uriTemplate)).toEqual(['fortitude://library/{id}']);
    const { contents } = await client.readResource({ uri: 'fortitude://library/r-async' });
    expect((contents[0] as { text: string }).text).toContain('# How do I spawn async tasks in tokio?');
  });

  it('GET and DELETE are 405 (no sessions); other paths are 404', async () => {
    const get = await rawRequest(server.url, { method: 'GET', headers: { accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect(JSON.parse(get.body)).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 }, id: null });
    expect((await rawRequest(server.url, { method: 'DELETE' })).status).toBe(405);
    const other = await rawRequest(server.url.replace('/mcp', '/other'), { method: 'POST', headers: MCP_HEADERS, body: INITIALIZE });
    expect(other.status).toBe(404);
    expect(other.body).toContain('the MCP endpoint is /mcp');
  });

  it('a foreign Host or Origin is refused, port included (DNS-rebinding protection on loopback)', async () => {
    const foreignHost = await rawRequest(server.url, { method: 'POST', headers: { ...MCP_HEADERS, host: 'attacker.example:80' }, body: INITIALIZE });
    expect(foreignHost.status).toBe(403);
    expect(foreignHost.body).toContain('Host \\"attacker.example:80\\" is not allowed');
    const foreignOrigin = await rawRequest(server.url, { method: 'POST', headers: { ...MCP_HEADERS, origin: 'https://attacker.example' }, body: INITIALIZE });
    expect(foreignOrigin.status).toBe(403);
    const port = new URL(server.url).port;
    const localhost = await rawRequest(server.url, { method: 'POST', headers: { ...MCP_HEADERS, host: `localhost:${port}` }, body: INITIALIZE });
    expect(localhost.status).toBe(200);
    // Another service on this machine (another port) is another origin.
    const otherPort = await rawRequest(server.url, { method: 'POST', headers: { ...MCP_HEADERS, host: 'localhost:1234' }, body: INITIALIZE });
    expect(otherPort.status).toBe(403);
    expect(otherPort.body).toContain('server.allowed_hosts');
    const otherOrigin = await rawRequest(server.url, { method: 'POST', headers: { ...MCP_HEADERS, origin: 'http://localhost:1234' }, body: INITIALIZE });
    expect(otherOrigin.status).toBe(403);
    const ownOrigin = await rawRequest(server.url, { method: 'POST', headers: { ...MCP_HEADERS, origin: `http://127.0.0.1:${port}` }, body: INITIALIZE });
    expect(ownOrigin.status).toBe(200);
  });

  it('configured hosts and origins are accepted', async () => {
    const configured = await runMcpHttp(createFakeMcpServices(), { ...INFO, host: '127.0.0.1', port: 0, allowedHosts: ['mcp.internal:9000'], allowedOrigins: ['http://localhost:5173'] });
    try {
      const headers = { ...MCP_HEADERS, host: 'mcp.internal:9000', origin: 'http://localhost:5173' };
      expect((await rawRequest(configured.url, { method: 'POST', headers, body: INITIALIZE })).status).toBe(200);
      expect((await rawRequest(configured.url, { method: 'POST', headers: MCP_HEADERS, body: INITIALIZE })).status).toBe(403);
    } finally {
      await configured.close();
    }
  });

  it('a client that goes away mid-call aborts the pipeline', async () => {
    const local = createFakeMcpServices();
    const localServer = await runMcpHttp(local, { ...INFO, host: '127.0.0.1', port: 0 });
    try {
      local.blockResearch();
      const localClient = await connectHttp(localServer.url);
      const pending = localClient.callTool({ name: 'research', arguments: { query: 'slow' } });
      await vi.waitFor(() => expect(local.calls.research).toHaveLength(1));
      // Stateless: a notifications/cancelled POST reaches a different server instance, so what
      // cancels is the dropped connection (client.close() aborts its in-flight fetch).
      await localClient.close();
      await expect(pending).rejects.toThrow();
      await vi.waitFor(() => expect(local.calls.research[0]!.options!.signal!.aborted).toBe(true));
    } finally {
      await localServer.close();
    }
  });

  it('malformed JSON is a JSON-RPC parse error, not a crash', async () => {
    const response = await rawRequest(server.url, { method: 'POST', headers: MCP_HEADERS, body: '{"jsonrpc":' });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: -32700 } });
    expect((await client.listTools()).tools).toHaveLength(7);
  });
});

describe('authentication, limits and mounting', () => {
  it('authenticate: 401 without a key; the key name is recorded as the user', async () => {
    const services = createFakeMcpServices();
    const server = await runMcpHttp(services, {
      ...INFO,
      host: '127.0.0.1',
      port: 0,
      authenticate: (request) => (request.headers.authorization === 'Bearer key-alice' ? { user: 'alice', scopes: ['research'] } : undefined),
    });
    try {
      const anonymous = await rawRequest(server.url, { method: 'POST', headers: MCP_HEADERS, body: INITIALIZE });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers['www-authenticate']).toBe('Bearer');
      await expect(connectHttp(server.url)).rejects.toThrow();

      const client = await connectHttp(server.url, { authorization: 'Bearer key-alice' });
      await client.callTool({ name: 'research', arguments: { query: 'q' } });
      await client.callTool({ name: 'feedback', arguments: { result_id: 'r-db', rating: 2 } });
      await client.close();
      expect(services.calls.research[0]?.request.user).toBe('alice');
      expect(services.calls.feedback[0]?.user).toBe('alice');
    } finally {
      await server.close();
    }
  });

  it('close() stops accepting, lets the call in flight finish, then resolves', async () => {
    const services = createFakeMcpServices();
    const server = await runMcpHttp(services, { ...INFO, host: '127.0.0.1', port: 0 });
    const client = await connectHttp(server.url);
    const release = services.gateResearch();
    const pending = client.callTool({ name: 'research', arguments: { query: 'in flight' } }) as Promise<CallToolResult>;
    await vi.waitFor(() => expect(services.calls.research).toHaveLength(1));
    let closed = false;
    const closing = server.close().then(() => (closed = true));
    await expect(rawRequest(server.url, { method: 'POST', headers: MCP_HEADERS, body: INITIALIZE })).rejects.toThrow(/ECONNREFUSED/);
    expect(closed).toBe(false);
    release();
    expect(textOf(await pending)).toContain('in flight');
    await closing;
    await client.close();
  });

  it('authenticate may refuse with forbidden, rate_limited or storage_error', async () => {
    const server = await runMcpHttp(createFakeMcpServices(), {
      ...INFO,
      host: '127.0.0.1',
      port: 0,
      authenticate: (request) => {
        if (request.headers['x-api-key'] === 'gateway-only') throw new FortitudeError('forbidden', 'This key lacks the research scope.');
        if (request.headers['x-api-key'] === 'during-outage')
          throw new FortitudeError('storage_error', 'cannot verify this API key: the database is unreachable; retry later', { retryable: true, details: { retryAfterMs: 5_000 } });
        throw new FortitudeError('rate_limited', 'Rate limit of 60 requests per minute reached.', { details: { retryAfterMs: 2_500 } });
      },
    });
    try {
      const forbidden = await rawRequest(server.url, { method: 'POST', headers: { ...MCP_HEADERS, 'x-api-key': 'gateway-only' }, body: INITIALIZE });
      expect(forbidden.status).toBe(403);
      expect(JSON.parse(forbidden.body)).toMatchObject({ error: { message: 'This key lacks the research scope.' } });
      const limited = await rawRequest(server.url, { method: 'POST', headers: MCP_HEADERS, body: INITIALIZE });
      expect(limited.status).toBe(429);
      expect(limited.headers['retry-after']).toBe('3');
      // The key store unreachable (a database outage): retry later, not "internal error".
      const outage = await rawRequest(server.url, { method: 'POST', headers: { ...MCP_HEADERS, 'x-api-key': 'during-outage' }, body: INITIALIZE });
      expect(outage.status).toBe(503);
      expect(outage.headers['retry-after']).toBe('5');
    } finally {
      await server.close();
    }
  });

  it('refuses to listen beyond loopback without authentication', async () => {
    const attempt = runMcpHttp(createFakeMcpServices(), { ...INFO, host: '0.0.0.0', port: 0 });
    await expect(attempt).rejects.toMatchObject({ code: 'config_invalid', message: expect.stringContaining('without authentication') });
  });

  it('a body over maxBodyBytes is 413', async () => {
    const server = await runMcpHttp(createFakeMcpServices(), { ...INFO, host: '127.0.0.1', port: 0, maxBodyBytes: 2_048 });
    try {
      const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'research', arguments: { query: 'x'.repeat(5_000) } } });
      expect((await rawRequest(server.url, { method: 'POST', headers: MCP_HEADERS, body: big })).status).toBe(413);
      expect((await rawRequest(server.url, { method: 'POST', headers: MCP_HEADERS, body: INITIALIZE })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('the handler mounts on any node:http server, with a body the host already parsed, answering JSON', async () => {
    const services = createFakeMcpServices();
    const handler = createMcpHttpHandler(services, { ...INFO, jsonResponse: true });
    const host: Server = createServer((request, response) => {
      if (request.url !== '/custom/mcp') {
        response.writeHead(404).end();
        return;
      }
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        void handler(request, response, text === '' ? undefined : (JSON.parse(text) as unknown));
      });
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(host.address() as AddressInfo).port}/custom/mcp`;
    try {
      const raw = await rawRequest(url, { method: 'POST', headers: MCP_HEADERS, body: INITIALIZE });
      expect(raw.headers['content-type']).toContain('application/json');
      expect(JSON.parse(raw.body)).toMatchObject({ id: 1, result: { serverInfo: INFO } });

      const client = await connectHttp(url);
      const result = (await client.callTool({ name: 'classify', arguments: { query: 'TypeError in prod' } })) as CallToolResult;
      expect(result.structuredContent).toMatchObject({ researchType: { value: 'troubleshooting' } });
      await client.close();
    } finally {
      await new Promise<void>((resolve) => host.close(() => resolve()));
    }
  });
});
