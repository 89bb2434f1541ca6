import type { Exchange } from './exchange.js';

/**
 * Cross-cutting concerns around the `node:http` core, as an ordered list (Hono's `compose`,
 * undici's interceptors): request id, security headers, timeout, Host/Origin check, CORS, route
 * match, auth, per-key limits. A new concern is a new entry in `server-middleware.ts`, not an edit
 * of the server.
 *
 * Hot path: the chain is built once, at startup. Each `next` is a fixed function bound to its
 * position, so a request allocates no closure per middleware; a middleware that does not wait
 * returns `next(exchange)` directly and adds no promise either. Only one that must await (auth
 * against an asynchronous key store) is an `async` function.
 */

/** The rest of the chain after a middleware (ending with the route's handler). */
export type Next = (exchange: Exchange) => void | Promise<void>;

export interface Middleware {
  /** For errors and debugging (`request-id`, `auth`, …). */
  readonly name: string;
  /**
   * Does its part, then calls `next(exchange)` once to go on — or answers itself (a preflight) or
   * throws (`FortitudeError` / `HttpError`: the server renders it in the route family's shape)
   * without calling it. Must return what `next` returned, so the server can await the request.
   */
  handle(exchange: Exchange, next: Next): void | Promise<void>;
  /** The server listens at this address (port resolved when 0 was asked); before any request. */
  listening?(address: { host: string; port: number }): void;
  /** The server is closing: stop timers and background work. */
  close?(): void;
}

/** One function running `middleware` in order, then `terminal`. Built once per server. */
export function compose(middleware: readonly Middleware[], terminal: Next): Next {
  let next = terminal;
  for (let index = middleware.length - 1; index >= 0; index--) {
    const current = middleware[index]!;
    const rest = next;
    next = (exchange) => current.handle(exchange, rest);
  }
  return next;
}
