import { FortitudeError } from '../../core/errors.js';
import { createRateLimiter, type TokenBucketLimiter } from './rate-limiter.js';

export interface FailedKeyThrottleOptions {
  /** Invalid keys one client address may present per minute before getting 429 instead of 401. */
  maxPerMinute: number;
  /** Clock (ms), injectable for tests. */
  now?: () => number;
}

/**
 * Invalid API keys per client address: a token bucket of `maxPerMinute` refilled over a minute,
 * drawn from only by failures. Past it, an invalid key gets 429 with `Retry-After`; valid keys
 * from the same address are never refused by it, so an attacker behind the same NAT or proxy
 * cannot lock real users out. The address is the socket's peer: behind a reverse proxy every
 * client shares the proxy's bucket (its keys still work).
 */
export interface FailedKeyThrottle {
  /** Records one invalid key from `address`; returns the error to answer with (401 or 429). */
  fail(address: string | undefined): FortitudeError;
}

export function createFailedKeyThrottle(options: FailedKeyThrottleOptions): FailedKeyThrottle {
  const buckets: TokenBucketLimiter = createRateLimiter(options.now);
  return {
    fail(address) {
      const decision = buckets.take(address ?? 'unknown', options.maxPerMinute);
      if (decision.allowed) return new FortitudeError('unauthorized', 'invalid API key');
      return new FortitudeError(
        'rate_limited',
        `too many invalid API keys from this address (more than ${options.maxPerMinute} per minute); retry in ${decision.retryAfterSeconds} s with a valid key`,
        { retryable: true, details: { retryAfterMs: decision.retryAfterSeconds * 1000 } },
      );
    },
  };
}
