/**
 * The baseline: a bare node:http server forwarding every request to the upstream through an
 * undici Pool and piping the answer back — what any Node gateway does at minimum.
 * `proxy-child.ts UPSTREAM [PREFIX]`: the upstream path is PREFIX + the request's path (default
 * `/openai`, the simulator's OpenAI prefix; `''` for the Anthropic arm).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { exitWhenParentLeaves } from './child-lifecycle.js';

const upstream = process.argv[2]!;
const prefix = process.argv[3] ?? '/openai';
const headers =
  prefix === '/openai'
    ? { 'content-type': 'application/json', authorization: 'Bearer sk-bench' }
    : { 'content-type': 'application/json', 'x-api-key': 'sk-bench', 'anthropic-version': '2023-06-01' };
const pool = new Pool(upstream, { connections: 128, keepAliveTimeout: 90_000 });

const server = createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    pool
      .request({
        method: 'POST',
        path: `${prefix}${request.url ?? '/'}`,
        headers,
        body: Buffer.concat(chunks),
      })
      .then(
        (upstreamResponse) => {
          const length = upstreamResponse.headers['content-length'] as string | undefined;
          response.writeHead(upstreamResponse.statusCode, {
            'content-type': (upstreamResponse.headers['content-type'] as string | undefined) ?? 'application/json',
            ...(length === undefined ? {} : { 'content-length': length }),
          });
          upstreamResponse.body.pipe(response);
        },
        () => {
          response.writeHead(502);
          response.end();
        },
      );
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`READY http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
exitWhenParentLeaves(async () => {
  server.closeAllConnections();
  server.close();
  await pool.close();
});
