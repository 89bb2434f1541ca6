import { gunzipSync, gzipSync, brotliCompressSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/core/errors.js';
import { createHttpProvider } from '../../src/providers/http-provider.js';
import { HttpTransport } from '../../src/providers/http-transport.js';
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
