import { performance } from 'node:perf_hooks';
import { FortitudeError } from '../../core/errors.js';
import { abortExchange, type Exchange } from './exchange.js';
import type { HttpLogger } from './http-logger.js';
import type { InFlightRegistry } from './in-flight.js';
import type { Middleware } from './middleware.js';
import { sendError } from './send-error.js';

export interface RequestTimeoutOptions {
  /** Bound on receiving a request and waiting for its answer before the first response byte; config `server.request_timeout`. */
  timeoutMs: number;
  /** How often waiting requests are checked (default 1 s): a 504 comes up to this much late. */
  sweepIntervalMs?: number;
}

const SWEEP_INTERVAL_MS = 1_000;

/**
 * Requests still waiting for their first response byte past `timeoutMs` get a 504 and their
 * work is aborted. Per request it only stamps a deadline (no timer per request); one interval
 * sweeps the server's in-flight registry. Started streams are not cut.
 */
export function createRequestTimeout(options: RequestTimeoutOptions, deps: { inFlight: InFlightRegistry<Exchange>; logger: HttpLogger }): Middleware {
  const { timeoutMs } = options;
  const sweeper = setInterval(() => {
    const now = performance.now();
    for (const exchange of deps.inFlight.snapshot()) {
      if (exchange.deadline > now || exchange.response.headersSent) continue;
      abortExchange(exchange);
      sendError(exchange, new FortitudeError('timeout', `no answer within ${timeoutMs} ms`), deps.logger);
    }
  }, options.sweepIntervalMs ?? SWEEP_INTERVAL_MS);
  sweeper.unref();
  return {
    name: 'request-timeout',
    handle(exchange, next) {
      exchange.deadline = exchange.startedAt + timeoutMs;
      return next(exchange);
    },
    close() {
      clearInterval(sweeper);
    },
  };
}
