import { ProviderError } from '../../core/errors.js';

/** The seed's `request_optimization` retry settings, in Fortitude units. */
export interface RetryOptions {
  /** Retries after the first try (default 3). */
  maxRetries: number;
  /** Base delay (default 1000 ms). */
  retryDelayMs: number;
  /** Double the delay ceiling per retry and pick uniformly below it ("full jitter"). */
  exponentialBackoff: boolean;
  /** Ceiling for a computed delay (default 30 s). */
  maxDelayMs?: number;
  /** A `retry-after` longer than this is not waited out: the error goes up to fallback (default 60 s). */
  maxRetryAfterMs?: number;
}

/** Statuses that never get better by repeating the same request. */
const NEVER_RETRY_STATUS = new Set([400, 401, 403, 404, 405, 413, 422]);
/** Connection failures where the host is not there at all: fail over instead of retrying. */
const NOT_THERE = new Set(['refused', 'dns', 'unreachable']);

/**
 * Whether repeating the call may help: 408/429/5xx, resets, timeouts and streams broken before
 * the caller saw a byte. Never a 400/401/403/404, a refused connection, or our own rate limit.
 */
export function isRetryableFailure(error: unknown): boolean {
  if (!(error instanceof ProviderError)) return false;
  if (error.code === 'rate_limited') return false;
  if (error.status !== undefined && NEVER_RETRY_STATUS.has(error.status)) return false;
  switch (error.errorClass) {
    case 'server':
    case 'timeout':
    case 'rate_limit':
    case 'stream_broken':
      return true;
    case 'connection':
      return !NOT_THERE.has(String(error.details?.reason));
    default:
      return false;
  }
}

/**
 * Delay before retry number `retry` (0 for the first retry): full jitter
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/) when exponential,
 * the fixed delay otherwise, and never shorter than the server's `retry-after`.
 */
export function retryDelayMs(options: RetryOptions, retry: number, retryAfterMs: number | undefined, random: () => number): number {
  const cap = options.maxDelayMs ?? 30_000;
  const computed = options.exponentialBackoff
    ? random() * Math.min(cap, options.retryDelayMs * 2 ** retry)
    : Math.min(cap, options.retryDelayMs);
  return retryAfterMs === undefined ? computed : Math.max(computed, retryAfterMs);
}
