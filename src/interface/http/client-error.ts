import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { SECURITY_HEADER_LINES } from './security-headers.js';

/**
 * Requests Node's parser rejects (bad request line, bad headers, oversized headers, timeouts)
 * never reach a route; they get a JSON answer in the `/api` shape and the socket is closed.
 */
export function handleClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status =
    error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const code = status === 431 ? 'headers_too_large' : status === 408 ? 'timeout' : 'bad_request';
  const message = status === 431 ? 'request headers too large' : status === 408 ? 'request not received in time' : 'malformed HTTP request';
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n${SECURITY_HEADER_LINES}\r\n${body}`,
  );
}
