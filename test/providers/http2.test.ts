import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createSecureServer } from 'node:http2';
import type { Http2SecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpProvider } from '../../src/providers/http-provider.js';
import { HttpTransport } from '../../src/providers/http-transport.js';
import { completion } from './helpers/test-server.js';

/** A throwaway self-signed certificate for 127.0.0.1, or undefined when openssl is missing. */
function selfSigned(): { key: string; cert: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'fortitude-h2-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const credentials = selfSigned();
let server: Http2SecureServer;
let url: string;
const versions: string[] = [];

beforeAll(async () => {
  if (!credentials) return;
  server = createSecureServer({ ...credentials, allowHTTP1: true }, (request, response) => {
    versions.push(request.httpVersion);
    const body: Buffer[] = [];
    request.on('data', (part: Buffer) => body.push(part));
    request.on('end', () => {
      if (Buffer.concat(body).toString().includes('"stream":true')) {
        // Server-sent events, one DATA frame per event, as a provider streams over HTTP/2.
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        const words = ['over', ' HTTP/', request.httpVersion, ' in', ' parts'];
        const chunk = (delta: Record<string, unknown>, finish: string | null) =>
          `data: ${JSON.stringify({ id: 'chatcmpl-h2', object: 'chat.completion.chunk', created: 1, model: 'test-model', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
        const frames = [chunk({ role: 'assistant', content: '' }, null), ...words.map((word) => chunk({ content: word }, null)), chunk({}, 'stop'), 'data: [DONE]\n\n'];
        const next = (index: number): void => {
          if (index === frames.length) return void response.end();
          response.write(frames[index]!);
          setImmediate(() => next(index + 1));
        };
        next(0);
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(completion(`over HTTP/${request.httpVersion}`)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  if (credentials) await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe.skipIf(!credentials)('HTTP/2', () => {
  it('negotiates HTTP/2 over TLS when the server offers it, and HTTP/1.1 when told not to', async () => {
    const request = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }] };
    for (const allowH2 of [true, false]) {
      const transport = new HttpTransport();
      const provider = createHttpProvider(
        { name: 'tls', kind: 'openai_compatible', baseUrl: url, connection: { ca: credentials!.cert, allowH2 } },
        { transport },
      );
      const result = await provider.chat(request);
      await transport.close();
      expect(result.text).toBe(allowH2 ? 'over HTTP/2.0' : 'over HTTP/1.1');
    }
    expect(versions).toEqual(['2.0', '1.1']);
  });

  it('streams over HTTP/2 as over HTTP/1.1: every part, in order, to the finish', async () => {
    const request = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }] };
    versions.length = 0;
    for (const allowH2 of [true, false]) {
      const transport = new HttpTransport();
      const provider = createHttpProvider(
        { name: 'tls', kind: 'openai_compatible', baseUrl: url, connection: { ca: credentials!.cert, allowH2 } },
        { transport },
      );
      // A consumer that stops after the first text cancels only its own stream (an HTTP/2 reset, not the session)…
      for await (const part of provider.stream(request)) if (part.type === 'text' && part.text !== '') break;
      // …and the next stream on the same connection pool reads to the end.
      let text = '';
      let finished = false;
      for await (const part of provider.stream(request)) {
        if (part.type === 'text') text += part.text;
        if (part.type === 'finish') finished = true;
      }
      await transport.close();
      expect(text).toBe(allowH2 ? 'over HTTP/2.0 in parts' : 'over HTTP/1.1 in parts');
      expect(finished).toBe(true);
    }
    expect(versions).toEqual(['2.0', '2.0', '1.1', '1.1']);
  });
});
