import type { ServerResponse } from 'node:http';
import { addGatewayHeaders, type Exchange } from './exchange.js';

/** Starts an SSE response with the exchange's headers (and the gateway headers on `/v1`). */
export function startSse(exchange: Exchange): void {
  const headers = exchange.headers;
  headers['content-type'] = 'text/event-stream; charset=utf-8';
  headers['cache-control'] = 'no-cache, no-store';
  // Tells nginx-style proxies not to buffer the stream.
  headers['x-accel-buffering'] = 'no';
  if (exchange.family !== 'api') addGatewayHeaders(exchange);
  exchange.response.writeHead(200, headers);
}

/**
 * Writes one frame, waiting for `drain` when the socket buffer is full so a slow reader pauses
 * the upstream instead of growing memory. Resolves false when the client has gone.
 */
export async function writeFrame(response: ServerResponse, frame: string): Promise<boolean> {
  if (response.destroyed || response.writableEnded) return false;
  if (response.write(frame)) return true;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
  return !response.destroyed;
}

/** A comment line every `intervalMs` keeps idle proxies from closing a quiet stream. */
export function startHeartbeat(response: ServerResponse, intervalMs: number): () => void {
  if (intervalMs <= 0) return () => undefined;
  const timer = setInterval(() => {
    if (!response.destroyed && !response.writableEnded) response.write(': keep-alive\n\n');
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** `event: <name>\ndata: <json>\n\n` — data is single-line JSON, so no line splitting needed. */
export function namedEvent(name: string, json: string): string {
  return `event: ${name}\ndata: ${json}\n\n`;
}
