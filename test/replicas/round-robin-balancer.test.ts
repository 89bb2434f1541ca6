import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKEND_HEADER, RoundRobinBalancer } from '../support/round-robin-balancer.js';
import { freePort } from './replica-harness.js';

interface Backend {
  url: string;
  server: Server;
  seen: string[];
  sockets: Set<Socket>;
  /** Destroys every connection at once, like a process killed mid-request. */
  crash(): void;
}

const opened: Array<{ close(): Promise<void> | void }> = [];
afterEach(async () => {
  for (const item of opened.splice(0).reverse()) await item.close();
});

async function backend(name: string, handler?: (request: IncomingMessage, response: ServerResponse, body: string) => void): Promise<Backend> {
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      seen.push(`${request.method} ${request.url} ${body}`);
      if (handler) return handler(request, response, body);
      response.writeHead(200, { 'content-type': 'application/json', connection: 'keep-alive' });
      response.end(JSON.stringify({ backend: name, body }));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const crash = () => {
    server.close();
    for (const socket of sockets) socket.destroy();
  };
  opened.push({ close: crash });
  return { url, server, seen, sockets, crash };
}

async function balancer(backends: string[], options: { ejectMs?: number; bodyLimitBytes?: number } = {}) {
  const lb = new RoundRobinBalancer({ backends, ...options });
  const { url } = await lb.listen();
  opened.push(lb);
  return { lb, url };
}

const post = (url: string, body: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('RoundRobinBalancer', () => {
  it('sends requests to each backend in turn, relaying method, path, body, status and headers', async () => {
    const a = await backend('a');
    const b = await backend('b', (_request, response, body) => {
      response.writeHead(201, { 'x-custom': 'yes' });
      response.end(`b:${body}`);
    });
    const { lb, url } = await balancer([a.url, b.url]);
    const first = await post(`${url}/api/research?x=1`, '{"q":1}');
    const second = await post(`${url}/api/research?x=2`, '{"q":2}');
    const third = await post(`${url}/api/research?x=3`, '{"q":3}');
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ backend: 'a', body: '{"q":1}' });
    expect(second.status).toBe(201);
    expect(second.headers.get('x-custom')).toBe('yes');
    expect(second.headers.get(BACKEND_HEADER)).toBe(b.url);
    expect(await second.text()).toBe('b:{"q":2}');
    expect(third.headers.get(BACKEND_HEADER)).toBe(a.url);
    await third.text();
    expect(a.seen).toEqual(['POST /api/research?x=1 {"q":1}', 'POST /api/research?x=3 {"q":3}']);
    expect(lb.stats()).toMatchObject({ requests: 3, byBackend: { [a.url]: 2, [b.url]: 1 }, upstreamFailures: 0 });
  });

  it('moves a request whose backend refuses the connection to the next one, and skips the refuser a while', async () => {
    const alive = await backend('alive');
    const deadUrl = `http://127.0.0.1:${await freePort()}`;
    const { lb, url } = await balancer([deadUrl, alive.url], { ejectMs: 60_000 });
    for (let index = 0; index < 4; index++) {
      const response = await post(`${url}/x`, String(index));
      expect(response.status).toBe(200);
      await response.text();
    }
    expect(alive.seen).toHaveLength(4);
    expect(lb.stats()).toMatchObject({ retriedConnects: 1, upstreamFailures: 0 });
  });

  it('answers 503 when no backend accepts the connection', async () => {
    const { lb, url } = await balancer([`http://127.0.0.1:${await freePort()}`, `http://127.0.0.1:${await freePort()}`]);
    const response = await post(`${url}/x`, '{}');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { code: 'no_backend' } });
    expect(lb.stats().noBackend).toBe(1);
  });

  it('fails a request in flight on a backend that dies with a clean 502, without replaying it, and ejects the backend', async () => {
    let crash: () => void = () => undefined;
    const dying = await backend('dying', () => crash()); // dies while handling
    crash = dying.crash;
    const healthy = await backend('healthy');
    const { lb, url } = await balancer([dying.url, healthy.url], { ejectMs: 60_000 });
    const failed = await post(`${url}/charge`, '{"amount":1}');
    expect(failed.status).toBe(502);
    expect(await failed.json()).toMatchObject({ error: { code: 'upstream_failed' } });
    expect(healthy.seen).toEqual([]); // not replayed: the dead backend may have acted on it
    for (let index = 0; index < 3; index++) {
      const response = await post(`${url}/next`, '{}');
      expect(response.headers.get(BACKEND_HEADER)).toBe(healthy.url);
      await response.text();
    }
    expect(lb.stats()).toMatchObject({ upstreamFailures: 1, byBackend: { [healthy.url]: 3 } });
  });

  it('cuts the client connection when a backend dies mid-response', async () => {
    let crash: () => void = () => undefined;
    const dying = await backend('dying', (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: first\n\n');
      setTimeout(() => crash(), 20);
    });
    crash = dying.crash;
    const { lb, url } = await balancer([dying.url]);
    const response = await post(`${url}/stream`, '{}');
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lb.stats().truncated).toBe(1);
  });

  it('refuses bodies over the limit with 413 before contacting a backend', async () => {
    const a = await backend('a');
    const { url } = await balancer([a.url], { bodyLimitBytes: 16 });
    const response = await post(`${url}/x`, 'x'.repeat(1_000));
    expect(response.status).toBe(413);
    // Without a length up front (chunked), the body is counted as it arrives.
    const chunked = await fetch(`${url}/x`, {
      method: 'POST',
      body: new ReadableStream({ start: (controller) => (controller.enqueue(new TextEncoder().encode('y'.repeat(1_000))), controller.close()) }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(a.seen).toEqual([]);
  });
});
