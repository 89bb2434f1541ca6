import { FortitudeError } from '../../core/errors.js';
import type { Exchange } from './exchange.js';
import type { RateDecision, RateLimiter } from '../../infrastructure/key-rate-limit/key-rate-limiter.js';
import type { Middleware, Next } from './middleware.js';

export type { RateDecision, RateLimiter };

interface Bucket {
  tokens: number;
  updatedAt: number;
  limit: number;
}

/** Bucket count above which full (idle) buckets are forgotten. */
const PRUNE_ABOVE = 10_000;

/**
 * Token bucket per key: capacity = the per-minute limit, refilled continuously at limit/60 per
 * second, so bursts up to the limit pass and the sustained rate is the limit. `now` is injectable
 * for tests (milliseconds).
 */
/** The built-in limiter answers synchronously. */
export interface TokenBucketLimiter extends RateLimiter {
  take(key: string, limitPerMinute: number): RateDecision;
}

export function createRateLimiter(now: () => number = Date.now): TokenBucketLimiter {
  const buckets = new Map<string, Bucket>();
  return {
    take(key, limitPerMinute) {
      const time = now();
      const ratePerMs = limitPerMinute / 60_000;
      let bucket = buckets.get(key);
      if (bucket === undefined || bucket.limit !== limitPerMinute) {
        if (buckets.size >= PRUNE_ABOVE) prune(buckets, time);
        bucket = { tokens: limitPerMinute, updatedAt: time, limit: limitPerMinute };
        buckets.set(key, bucket);
      } else {
        bucket.tokens = Math.min(limitPerMinute, bucket.tokens + (time - bucket.updatedAt) * ratePerMs);
        bucket.updatedAt = time;
      }
      const allowed = bucket.tokens >= 1;
      if (allowed) bucket.tokens -= 1;
      return {
        allowed,
        limit: limitPerMinute,
        remaining: Math.floor(bucket.tokens),
        resetSeconds: Math.ceil((limitPerMinute - bucket.tokens) / ratePerMs / 1000),
        retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerMs / 1000)),
      };
    },
  };
}

function prune(buckets: Map<string, Bucket>, time: number): void {
  for (const [key, bucket] of buckets) {
    if (bucket.tokens + (time - bucket.updatedAt) * (bucket.limit / 60_000) >= bucket.limit) buckets.delete(key);
  }
}

/**
 * Per-key limits: one token from the key's bucket per request, `X-RateLimit-*` on the answer,
 * 429 with `Retry-After` when empty. After `auth`; requests without a key (auth off) pass.
 */
export function keyRateLimitMiddleware(limiter: RateLimiter, defaultPerMinute: number): Middleware {
  const limitAsync = async (exchange: Exchange, decided: Promise<RateDecision>, next: Next): Promise<void> => {
    applyDecision(exchange, await decided);
    await next(exchange);
  };
  return {
    name: 'key-rate-limit',
    handle(exchange, next) {
      const identity = exchange.identity;
      if (identity === undefined) return next(exchange);
      const decided = limiter.take(identity.name, identity.rateLimitPerMinute ?? defaultPerMinute);
      if (decided instanceof Promise) return limitAsync(exchange, decided, next);
      applyDecision(exchange, decided);
      return next(exchange);
    },
  };
}

function applyDecision(exchange: Exchange, decision: RateDecision): void {
  const headers = exchange.headers;
  headers['x-ratelimit-limit'] = decision.limit;
  headers['x-ratelimit-remaining'] = decision.remaining;
  headers['x-ratelimit-reset'] = decision.resetSeconds;
  if (decision.allowed) return;
  headers['retry-after'] = String(decision.retryAfterSeconds);
  throw new FortitudeError('rate_limited', `rate limit of ${decision.limit} requests per minute exceeded; retry in ${decision.retryAfterSeconds} s`, {
    retryable: true,
  });
}
