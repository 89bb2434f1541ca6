import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './rate-limiter.js';

describe('createRateLimiter', () => {
  it('allows a burst up to the limit, then refills at limit/60 per second', () => {
    let now = 0;
    const limiter = createRateLimiter(() => now);
    const decisions = Array.from({ length: 7 }, () => limiter.take('k', 6));
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, true, true, true, false]);
    expect(decisions[0]).toEqual({ allowed: true, limit: 6, remaining: 5, resetSeconds: 10, retryAfterSeconds: 0 });
    // 6/min = one token every 10 s.
    expect(decisions[6]).toMatchObject({ remaining: 0, retryAfterSeconds: 10, resetSeconds: 60 });
    now += 9_999;
    expect(limiter.take('k', 6).allowed).toBe(false);
    now += 1;
    expect(limiter.take('k', 6).allowed).toBe(true);
  });

  it('keeps one bucket per key and resets it when the key limit changes', () => {
    const limiter = createRateLimiter(() => 0);
    limiter.take('a', 1);
    expect(limiter.take('a', 1).allowed).toBe(false);
    expect(limiter.take('b', 1).allowed).toBe(true);
    expect(limiter.take('a', 5)).toMatchObject({ allowed: true, remaining: 4 });
  });

  it('never holds more than the limit after a long idle time', () => {
    let now = 0;
    const limiter = createRateLimiter(() => now);
    limiter.take('k', 2);
    now += 3_600_000;
    expect(limiter.take('k', 2).remaining).toBe(1);
  });
});
