import { randomUuid } from '../../core/random-id.js';
import type { Middleware } from './middleware.js';

/** A client-supplied id is kept only when it is short and plain, so it is safe in logs. */
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(header: string | string[] | undefined): string {
  if (typeof header === 'string' && ACCEPTABLE.test(header)) return header;
  return randomUuid();
}

/** `x-request-id`: the client's when well-formed, else a new UUID; echoed on every response. First in the list. */
export const requestIdMiddleware: Middleware = {
  name: 'request-id',
  handle(exchange, next) {
    const requestId = requestIdFrom(exchange.request.headers['x-request-id']);
    exchange.requestId = requestId;
    exchange.headers['x-request-id'] = requestId;
    return next(exchange);
  },
};
