/** The outcome of one request against a key's bucket, with what the `X-RateLimit-*` headers say. */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  /** Whole requests left right now. */
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** Seconds until one request is allowed (0 when allowed). */
  retryAfterSeconds: number;
}

/**
 * Per-key limiter. The built-in one is in-process (per worker with `--workers N`); a shared
 * store (Redis) can implement the same port asynchronously.
 */
export interface RateLimiter {
  take(key: string, limitPerMinute: number): RateDecision | Promise<RateDecision>;
}
