import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpError } from './error-status.js';
import type { Exchange } from './exchange.js';
import { readJsonBody } from './read-body.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

/** Starts a server whose handler reads one body; resolves with what `readJsonBody` settled to, and the exchange's headers. */
function serveOne(limitBytes: number): Promise<{ port: number; settled: Promise<{ value?: unknown; error?: unknown; headers: Exchange['headers'] }> }> {
  return new Promise((ready) => {
    let settle!: (outcome: { value?: unknown; error?: unknown; headers: Exchange['headers'] }) => void;
    const settled = new Promise<{ value?: unknown; error?: unknown; headers: Exchange['headers'] }>((resolve) => (settle = resolve));
    server = createServer((request: IncomingMessage, response) => {
      const exchange = { request, response, headers: {} } as unknown as Exchange;
      readJsonBody(exchange, limitBytes).then(
        (value) => {
          settle({ value, headers: exchange.headers });
          response.end('{}');
        },
        (error: unknown) => {
          settle({ error, headers: exchange.headers });
          response.destroy();
        },
      );
    });
    server.listen(0, '127.0.0.1', () => ready({ port: (server!.address() as AddressInfo).port, settled }));
  });
}

function send(port: number, raw: string, thenDestroy: boolean): void {
  const socket = connect(port, '127.0.0.1', () => {
    socket.write(raw);
    if (thenDestroy) setTimeout(() => socket.destroy(), 30);
  });
  socket.on('error', () => {});
  socket.on('data', () => socket.destroy());
}

const head = (length: number) => `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n`;

describe('readJsonBody over a socket', () => {
  it('parses a body sent in several chunks', async () => {
    const { port, settled } = await serveOne(1024);
    const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(300) }] });
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(head(Buffer.byteLength(body)) + body.slice(0, 100));
      setTimeout(() => socket.end(body.slice(100)), 20);
    });
    socket.on('data', () => socket.destroy());
    expect((await settled).value).toEqual(JSON.parse(body));
  });

  it('rejects with bad_request when the client goes away mid-body', async () => {
    const { port, settled } = await serveOne(1024);
    send(port, `${head(100)}{"model":`, true);
    const { error } = await settled;
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).code).toBe('bad_request');
  });

  it('rejects with payload_too_large past the limit while streaming and marks the connection to close', async () => {
    const { port, settled } = await serveOne(64);
    const socket = connect(port, '127.0.0.1', () => {
      socket.write('POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n');
      socket.write(`80\r\n${'x'.repeat(128)}\r\n`);
    });
    socket.on('error', () => {});
    const { error, headers } = await settled;
    socket.destroy();
    expect((error as HttpError).code).toBe('payload_too_large');
    expect(headers.connection).toBe('close');
  });

  it('rejects malformed JSON with invalid_json', async () => {
    const { port, settled } = await serveOne(1024);
    send(port, `${head(5)}{"a":`, false);
    expect(((await settled).error as HttpError).code).toBe('invalid_json');
  });
});
