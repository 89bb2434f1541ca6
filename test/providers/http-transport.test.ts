import type { IncomingMessage, ServerResponse } from 'node:http';
import { brotliCompressSync, deflateSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { StreamPart } from '../../src/core/chat.js';
import { ProviderError } from '../../src/core/errors.js';
import { createHttpProvider } from '../../src/providers/http-provider.js';
import type { CancelSignal } from '../../src/providers/cancel-signal.js';
import { HttpTransport } from '../../src/providers/http-transport.js';
import type { TransportRequest } from '../../src/providers/http-transport.js';
import type { RateLimitInfo } from '../../src/providers/rate-limit-headers.js';
import type { StreamDecoder } from '../../src/wire/wire-format.js';
import { drain } from './helpers/simulated.js';
import { completion, readBody, refusedUrl, startTestServer } from './helpers/test-server.js';
import type { TestServer } from './helpers/test-server.js';

const request = { model: 'test-model', messages: [{ role: 'user' as const, content: 'hello' }] };
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function server(handler: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const started = await startTestServer(handler);
  cleanup.push(() => started.close());
  return started;
}

function provider(baseUrl: string, extra: Partial<Parameters<typeof createHttpProvider>[0]> = {}, transport = new HttpTransport()) {
  cleanup.push(() => transport.close());
  return createHttpProvider({ name: 'local', kind: 'openai_compatible', baseUrl: `${baseUrl}/v1`, totalTimeoutMs: 2_000, readTimeoutMs: 1_000, ...extra }, { transport });
}

describe('HttpTransport', () => {
  it('decodes gzip and br responses', async () => {
    const target = await server((incoming, response) => {
      const body = Buffer.from(JSON.stringify(completion(`encoded:${incoming.headers['accept-encoding']}`)));
      const useBr = incoming.url?.includes('br') ?? false;
      response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': useBr ? 'br' : 'gzip' });
      response.end(useBr ? brotliCompressSync(body) : gzipSync(body));
    });
    const gz = await provider(target.url).chat(request);
    expect(gz.text).toBe('encoded:gzip, br');
    const br = await provider(`${target.url}/br`).chat(request);
    expect(br.text).toBe('encoded:gzip, br');
  });

  it('gzips request bodies of 1 KiB or more when compression is enabled', async () => {
    const seen: { encoding?: string; content?: string }[] = [];
    const target = await server(async (incoming, response) => {
      const raw = await readBody(incoming);
      const encoding = incoming.headers['content-encoding'];
      const body = encoding === 'gzip' ? gunzipSync(raw) : raw;
      const parsed = JSON.parse(body.toString()) as { messages: { content: string }[] };
      seen.push({ encoding, content: parsed.messages[0]?.content.slice(0, 5) });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(completion('ok')));
    });
    const compressing = provider(target.url, { compressRequests: true });
    await compressing.chat(request);
    await compressing.chat({ ...request, messages: [{ role: 'user', content: 'x'.repeat(4_000) }] });
    expect(seen).toEqual([
      { encoding: undefined, content: 'hello' },
      { encoding: 'gzip', content: 'xxxxx' },
    ]);
  });

  it('reuses keep-alive connections and trims idle ones above max_idle_connections', async () => {
    const target = await server((_incoming, response) => {
      setTimeout(() => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(completion('ok')));
      }, 20);
    });
    const transport = new HttpTransport();
    const pooled = provider(target.url, { connection: { maxConnections: 6, maxIdleConnections: 2, idleTimeoutMs: 60_000 } }, transport);
    await Promise.all(Array.from({ length: 6 }, () => pooled.chat(request)));
    expect(target.accepted()).toBe(6);
    // The sweep runs every second; wait for it (bounded) rather than for a fixed time.
    for (let waited = 0; target.openSockets() > 2 && waited < 10_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(target.openSockets()).toBe(2);
    expect(transport.stats()[0]).toMatchObject({ connected: 2, idle: 2, running: 0 });
    await Promise.all(Array.from({ length: 2 }, () => pooled.chat(request)));
    expect(target.accepted()).toBe(6); // the two kept sockets served these
  });

  it('closes each connection when keep_alive is off', async () => {
    const target = await server((_incoming, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(completion('ok')));
    });
    const once = provider(target.url, { connection: { keepAlive: false } });
    await once.chat(request);
    await once.chat(request);
    expect(target.accepted()).toBe(2);
  });

  it('maps a refused connection to a non-retryable-locally connection error naming only the origin', async () => {
    const url = await refusedUrl();
    const error = await provider(url).chat(request).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ errorClass: 'connection', details: { reason: 'refused' }, retryable: true });
    expect((error as Error).message).toBe(`local: request failed: connection refused (${url})`);
  });

  it('times out on read_timeout and on timeout_seconds', async () => {
    const target = await server((incoming, response) => {
      if (incoming.url?.includes('slow-body')) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{"id":');
        // …and never finishes.
      }
    });
    const readTimeout = await provider(target.url, { readTimeoutMs: 100, totalTimeoutMs: 5_000 }).chat(request).catch((caught: unknown) => caught);
    expect(readTimeout).toMatchObject({ errorClass: 'timeout', details: { reason: 'headers_timeout' } });
    const bodyTimeout = await provider(`${target.url}/slow-body`, { readTimeoutMs: 100, totalTimeoutMs: 5_000 })
      .chat(request)
      .catch((caught: unknown) => caught);
    expect(bodyTimeout).toMatchObject({ errorClass: 'timeout', details: { reason: 'body_timeout' } });
    const total = await provider(target.url, { readTimeoutMs: 5_000, totalTimeoutMs: 100 }).chat(request).catch((caught: unknown) => caught);
    expect(total).toMatchObject({ errorClass: 'timeout', details: { reason: 'total_timeout' } });
  });

  it('fails a call that waits for a free connection as soon as it is aborted or times out, and never sends it', async () => {
    // One connection, held by a first call until the test lets it answer.
    let release: () => void = () => undefined;
    const paths: string[] = [];
    const target = await server((incoming, response) => {
      paths.push(incoming.url ?? '');
      release = () => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(completion('first')));
      };
    });
    const shared = new HttpTransport(); // closed by provider()'s cleanup
    const local = provider(target.url, { connection: { maxConnections: 1 } }, shared);
    const first = local.chat(request);
    while (paths.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));

    const controller = new AbortController();
    const aborted = local.chat(request, { signal: controller.signal });
    const streamController = new AbortController();
    const abortedStream = drain(local.stream(request, { signal: streamController.signal }));
    const timedOut = provider(target.url, { connection: { maxConnections: 1 }, totalTimeoutMs: 100 }, shared).chat(request);
    controller.abort(new Error('client went away'));
    streamController.abort(new Error('stream client went away'));
    // All three fail while the first call still holds the only connection.
    await expect(aborted).rejects.toThrow('client went away');
    expect(String((await abortedStream).error)).toContain('stream client went away');
    await expect(timedOut).rejects.toMatchObject({ errorClass: 'timeout', details: { reason: 'total_timeout' } });
    let firstSettled = false;
    void first.finally(() => (firstSettled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(firstSettled).toBe(false);

    release();
    await expect(first).resolves.toMatchObject({ text: 'first' });
    // The aborted calls were dropped when the connection freed up, not sent.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(paths).toHaveLength(1);
  });

  it('passes a caller abort through untouched', async () => {
    const target = await server(() => {
      /* never answers */
    });
    const controller = new AbortController();
    const pending = provider(target.url).chat(request, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('client went away')), 20);
    await expect(pending).rejects.toThrow('client went away');
  });
});

/** A request straight to the transport (no wire format): JSON in, JSON out, error bodies as their text. */
function transportRequest(baseUrl: string, extra: Partial<TransportRequest> = {}): TransportRequest {
  return {
    provider: 'local',
    baseUrl,
    spec: { method: 'POST', path: '/chat', headers: { 'content-type': 'application/json' }, body: '{}' },
    totalTimeoutMs: 2_000,
    readTimeoutMs: 1_000,
    parseError: (status, body) => ({ errorClass: status === 429 ? 'rate_limit' : 'server', message: body.length > 100 ? `${body.length} chars` : body }),
    ...extra,
  };
}

function transport(): HttpTransport {
  const created = new HttpTransport();
  cleanup.push(() => created.close());
  return created;
}

/** Writes a body a few bytes at a time, each write on its own turn of the event loop. */
async function writeInChunks(response: ServerResponse, body: Buffer, size: number): Promise<void> {
  for (let offset = 0; offset < body.length; offset += size) {
    response.write(body.subarray(offset, offset + size));
    await new Promise((resolve) => setImmediate(resolve));
  }
  response.end();
}

/** Settles when the socket of the request it is given closes (the test times out if it never does). */
function closeOfSocket(): { watch(incoming: IncomingMessage): void; closed: Promise<void> } {
  let markClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  return { watch: (incoming) => incoming.socket.once('close', markClosed), closed };
}

/** A server that sends headers and the start of a body, then nothing; `started` once it has. */
async function stalledBody(): Promise<{ target: TestServer; started: Promise<void>; closed: Promise<void> }> {
  let markStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const socket = closeOfSocket();
  const target = await server((incoming, response) => {
    socket.watch(incoming);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.write('{"choices":[', () => setTimeout(markStarted, 20));
  });
  return { target, started, closed: socket.closed };
}

describe('HttpTransport.json', () => {
  it('reads a body split across many chunks, multi-byte characters and a byte order mark included', async () => {
    const value = 'héllo wörld ✓ 日本語 '.repeat(200);
    const target = await server((_incoming, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      void writeInChunks(response, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ value }))]), 7);
    });
    const response = await transport().json(transportRequest(target.url));
    expect(response).toEqual({ status: 200, body: { value } });
  });

  it('decodes gzip, x-gzip, br and deflate bodies that arrive in many chunks', async () => {
    const payload = { value: 'compressed '.repeat(500) };
    const encoders = { gzip: gzipSync, 'x-gzip': gzipSync, br: brotliCompressSync, deflate: deflateSync };
    const target = await server((incoming, response) => {
      const coding = incoming.url!.slice('/chat/'.length) as keyof typeof encoders;
      response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': coding });
      void writeInChunks(response, encoders[coding](Buffer.from(JSON.stringify(payload))), 16);
    });
    const client = transport();
    for (const coding of Object.keys(encoders)) {
      const response = await client.json(transportRequest(`${target.url}/chat`, { spec: { method: 'POST', path: `/${coding}`, headers: {}, body: '{}' } }));
      expect(response.body).toEqual(payload);
    }
  });

  it('skips 1xx informational responses', async () => {
    const target = await server((_incoming, response) => {
      response.writeProcessing();
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"ok":true}');
    });
    expect(await transport().json(transportRequest(target.url))).toEqual({ status: 200, body: { ok: true } });
  });

  it('reads an empty body as undefined', async () => {
    const target = await server((_incoming, response) => {
      response.writeHead(200);
      response.end();
    });
    expect(await transport().json(transportRequest(target.url))).toEqual({ status: 200, body: undefined });
  });

  it('passes a caller abort mid-body through untouched and drops the connection', async () => {
    const { target, started, closed } = await stalledBody();
    const controller = new AbortController();
    const pending = transport().json(transportRequest(target.url, { signal: controller.signal }));
    await started;
    controller.abort(new Error('client went away'));
    await expect(pending).rejects.toThrow('client went away');
    await closed;
  });

  it('fails with total_timeout when timeout_seconds passes mid-body, and drops the connection', async () => {
    const { target, closed } = await stalledBody();
    const error = await transport()
      .json(transportRequest(target.url, { totalTimeoutMs: 200, readTimeoutMs: 5_000 }))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ errorClass: 'timeout', details: { reason: 'total_timeout' } });
    await closed;
  });

  it('stops listening to the caller signal when the call ends, answered or failed', async () => {
    const target = await server((incoming, response) => {
      response.writeHead(incoming.url === '/fail/chat' ? 500 : 200, { 'content-type': 'application/json' });
      response.end('{}');
    });
    let listening = 0;
    const signal: CancelSignal = {
      aborted: false,
      reason: undefined,
      addEventListener: () => (listening += 1),
      removeEventListener: () => (listening -= 1),
    };
    const client = transport();
    await client.json(transportRequest(target.url, { signal }));
    await client.json(transportRequest(`${target.url}/fail`, { signal })).catch(() => undefined);
    expect(listening).toBe(0);
  });

  it('turns a status of 300 or more into a ProviderError from its body, compressed or not', async () => {
    const target = await server((incoming, response) => {
      if (incoming.url === '/gzip/chat') {
        response.writeHead(429, { 'content-encoding': 'gzip' });
        response.end(gzipSync('slow down'));
        return;
      }
      response.writeHead(503, { 'retry-after': '3' });
      void writeInChunks(response, Buffer.from('overloaded, try later'), 3);
    });
    const client = transport();
    const plain = await client.json(transportRequest(target.url)).catch((caught: unknown) => caught);
    expect(plain).toBeInstanceOf(ProviderError);
    expect(plain).toMatchObject({ status: 503, errorClass: 'server', retryAfterMs: 3_000, message: 'local: HTTP 503: overloaded, try later' });
    const gzipped = await client.json(transportRequest(`${target.url}/gzip`)).catch((caught: unknown) => caught);
    expect(gzipped).toMatchObject({ status: 429, errorClass: 'rate_limit', message: 'local: HTTP 429: slow down' });
  });

  it('reads an error body only up to its limit and drops the rest with the connection', async () => {
    const size = 1024 * 1024;
    const socket = closeOfSocket();
    const target = await server((incoming, response) => {
      socket.watch(incoming);
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.on('error', () => undefined);
      response.end('x'.repeat(size));
    });
    const error = await transport()
      .json(transportRequest(target.url))
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 500, errorClass: 'server' });
    const read = Number(/(\d+) chars/.exec((error as Error).message)?.[1]);
    expect(read).toBeGreaterThanOrEqual(64 * 1024);
    expect(read).toBeLessThan(size);
    await socket.closed;
  });

  it('reads rate-limit headers from the raw list, in any case, first value first', async () => {
    const target = await server((_incoming, response) => {
      response.writeHead(200, {
        'content-type': 'application/json',
        // Same length as x-ratelimit-remaining-requests, another name.
        'X-RateLimit-Remaining-Requestz': '1',
        'X-RateLimit-Remaining-Requests': '7',
        'X-RATELIMIT-RESET-REQUESTS': '6m0s',
        'x-ratelimit-remaining-tokens': ['10', '20'],
        'Anthropic-Ratelimit-Tokens-Reset': '20ms',
        'Retry-After-Ms': '1500',
      });
      response.end('{}');
    });
    const seen: { info: RateLimitInfo; status: number }[] = [];
    await transport().json(transportRequest(target.url, { onRateLimitInfo: (info, status) => seen.push({ info, status }) }));
    expect(seen).toEqual([
      { info: { retryAfterMs: 1_500, remainingRequests: 7, remainingTokens: 10, resetRequestsMs: 360_000, resetTokensMs: 20 }, status: 200 },
    ]);
  });

  it('fails with invalid_response on a body that is not JSON or not valid gzip, and truncated on a cut gzip body', async () => {
    const whole = gzipSync(JSON.stringify(completion('x'.repeat(2_000))));
    const target = await server((incoming, response) => {
      if (incoming.url === '/json/chat') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"id":');
      } else if (incoming.url === '/gzip/chat') {
        response.writeHead(200, { 'content-encoding': 'gzip' });
        response.end('not gzip at all');
      } else {
        response.writeHead(200, { 'content-encoding': 'gzip' });
        response.end(whole.subarray(0, whole.length >> 1));
      }
    });
    const client = transport();
    for (const [path, reason, errorClass] of [
      ['/json', 'invalid_response', 'server'],
      ['/gzip', 'invalid_response', 'server'],
      ['/cut', 'truncated', 'connection'],
    ] as const) {
      const error = await client.json(transportRequest(`${target.url}${path}`)).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ errorClass, details: { reason } });
    }
  });
});

/**
 * A wire decoder for the transport alone: each event's data is a text part, `[DONE]` completes
 * the stream, and an end without it is `stream_broken`. `pushed` counts the events it was given.
 */
function textDecoder(): StreamDecoder & { pushed: number } {
  let done = false;
  return {
    pushed: 0,
    push(event) {
      this.pushed += 1;
      if (event.data === '[DONE]') {
        done = true;
        return [];
      }
      return [{ type: 'text', text: event.data }];
    },
    end() {
      if (!done) throw new ProviderError('local: stream ended before [DONE]', { provider: 'local', errorClass: 'stream_broken' });
      return [{ type: 'finish', id: 'done', model: 'test-model', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 } }];
    },
  };
}

function sse(texts: readonly string[]): Buffer {
  return Buffer.from(`${texts.map((text) => `data: ${text}\n\n`).join('')}data: [DONE]\n\n`);
}

/** Writes a body in pieces of the given sizes in turn, each on its own turn of the event loop. */
async function writeInPieces(response: ServerResponse, body: Buffer, sizes: readonly number[]): Promise<void> {
  for (let offset = 0, index = 0; offset < body.length; index += 1) {
    const size = sizes[index % sizes.length]!;
    response.write(body.subarray(offset, offset + size));
    offset += size;
    await new Promise((resolve) => setImmediate(resolve));
  }
  response.end();
}

function texts(parts: readonly StreamPart[]): string[] {
  return parts.flatMap((part) => (part.type === 'text' ? [part.text] : []));
}

describe('HttpTransport.stream', () => {
  it('yields the same parts for events split at any byte, inside multi-byte characters and the byte order mark too, plain or compressed', async () => {
    const expected = Array.from({ length: 40 }, (_, index) => `${index}: héllo wörld ✓ 日本語 😀`);
    // A byte order mark first: the SSE framing drops it.
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), sse(expected)]);
    const encoders = { identity: (raw: Buffer) => raw, gzip: gzipSync, br: brotliCompressSync, deflate: deflateSync };
    const target = await server((incoming, response) => {
      const coding = incoming.url!.slice('/chat/'.length) as keyof typeof encoders;
      response.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': coding });
      // Pieces of 1, 2, 3, 5… bytes: every character boundary and non-boundary gets cut somewhere.
      void writeInPieces(response, encoders[coding](body), [1, 2, 3, 5, 8, 13, 21]);
    });
    const client = transport();
    for (const coding of Object.keys(encoders)) {
      const spec = { method: 'POST' as const, path: `/${coding}`, headers: {}, body: '{}' };
      const { parts, error } = await drain(client.stream(transportRequest(`${target.url}/chat`, { spec }), textDecoder()));
      expect(error).toBeUndefined();
      expect(texts(parts)).toEqual(expected);
      expect(parts.at(-1)).toMatchObject({ type: 'finish' });
    }
  });

  it('pauses undici while the consumer is behind, and yields every part in order', async () => {
    const count = 16_000;
    const padding = 'x'.repeat(1_000);
    const target = await server(async (_incoming, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let index = 0; index < count; index += 1) {
        if (!response.write(`data: ${index} ${padding}\n\n`)) await new Promise((resolve) => response.once('drain', resolve));
      }
      response.end('data: [DONE]\n\n');
    });
    const decoder = textDecoder();
    const stream = transport().stream(transportRequest(target.url), decoder);
    const seen: string[] = [];
    for (let index = 0; index < 10; index += 1) {
      const next = await stream.next();
      seen.push((next.value as { text: string }).text);
    }
    // Holds until the decoder has stopped getting events (the server writes far more than socket buffers hold).
    let last = -1;
    for (let stable = 0; stable < 5 && decoder.pushed < count; ) {
      stable = decoder.pushed === last ? stable + 1 : 0;
      last = decoder.pushed;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Parts decoded ahead of the consumer: the queue's bound plus what one read of the socket holds.
    expect(decoder.pushed - seen.length).toBeLessThan(400);
    for await (const part of stream) {
      if (part.type === 'text') seen.push(part.text);
      if (seen.length % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(seen).toHaveLength(count);
    expect(seen.every((text, index) => text === `${index} ${padding}`)).toBe(true);
  });

  it('drops the connection when the consumer stops reading before the end', async () => {
    const socket = closeOfSocket();
    const target = await server((incoming, response) => {
      socket.watch(incoming);
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.on('error', () => undefined);
      // Endless: an event on every turn of the event loop until the socket goes.
      let index = 0;
      const write = () => {
        if (response.destroyed) return;
        response.write(`data: ${index++}\n\n`);
        setImmediate(write);
      };
      write();
    });
    const client = transport();
    const seen: string[] = [];
    for await (const part of client.stream(transportRequest(target.url), textDecoder())) {
      if (part.type === 'text') seen.push(part.text);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual(['0', '1', '2']);
    await socket.closed;
    expect(client.stats()[0]).toMatchObject({ running: 0, pending: 0 });
  });

  it('passes a caller abort mid-stream through untouched and drops the connection', async () => {
    const socket = closeOfSocket();
    const target = await server((incoming, response) => {
      socket.watch(incoming);
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: first\n\n');
    });
    const controller = new AbortController();
    const stream = transport().stream(transportRequest(target.url, { signal: controller.signal }), textDecoder());
    expect((await stream.next()).value).toEqual({ type: 'text', text: 'first' });
    const next = stream.next();
    controller.abort(new Error('client went away'));
    await expect(next).rejects.toThrow('client went away');
    await socket.closed;
  });

  it('turns a status of 300 or more into the same ProviderError as a call, its body read and its rate-limit headers passed on', async () => {
    const target = await server((incoming, response) => {
      if (incoming.url === '/gzip/chat') {
        response.writeHead(429, { 'content-encoding': 'gzip', 'retry-after': '2', 'x-ratelimit-remaining-requests': '0' });
        response.end(gzipSync('slow down'));
        return;
      }
      response.writeHead(503, { 'retry-after': '3' });
      void writeInChunks(response, Buffer.from('overloaded, try later'), 3);
    });
    const client = transport();
    const seen: { info: RateLimitInfo; status: number }[] = [];
    const onRateLimitInfo = (info: RateLimitInfo, status: number) => seen.push({ info, status });
    for (const path of ['', '/gzip']) {
      const streamed = await drain(client.stream(transportRequest(`${target.url}${path}`, { onRateLimitInfo }), textDecoder()));
      const called = await client.json(transportRequest(`${target.url}${path}`)).catch((caught: unknown) => caught);
      expect(streamed.parts).toEqual([]);
      expect(streamed.error).toBeInstanceOf(ProviderError);
      expect(streamed.error).toEqual(called);
      expect(streamed.error).toMatchObject({ status: called instanceof ProviderError ? called.status : 0, retryAfterMs: path === '' ? 3_000 : 2_000 });
      expect((streamed.error as Error).message).toBe(path === '' ? 'local: HTTP 503: overloaded, try later' : 'local: HTTP 429: slow down');
    }
    expect(seen.map(({ status }) => status)).toEqual([503, 429]);
    expect(seen[1]!.info).toMatchObject({ retryAfterMs: 2_000, remainingRequests: 0 });
  });

  it('throws stream_broken when the body ends before the decoder saw completion, and fails on a broken gzip body', async () => {
    const whole = gzipSync(sse(['a', 'b']));
    const target = await server((incoming, response) => {
      if (incoming.url === '/cut/chat') {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.end('data: a\n\ndata: b');
        return;
      }
      response.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
      response.end(whole.subarray(0, whole.length - 8));
    });
    const client = transport();
    const cut = await drain(client.stream(transportRequest(`${target.url}/cut`), textDecoder()));
    expect(texts(cut.parts)).toEqual(['a', 'b']);
    expect(cut.error).toMatchObject({ errorClass: 'stream_broken', message: 'local: stream ended before [DONE]' });
    const gzipped = await drain(client.stream(transportRequest(`${target.url}/gzip`), textDecoder()));
    expect(gzipped.error).toBeInstanceOf(ProviderError);
  });
});
