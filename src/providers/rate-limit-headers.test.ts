import { describe, expect, it } from 'vitest';
import { parseRateLimitHeaders, parseResetDuration, parseRetryAfter, retryDelayFromInfo } from './rate-limit-headers.js';

const NOW = Date.parse('2025-01-01T00:00:00Z');

describe('parseResetDuration', () => {
  it('reads Go-style durations, bare seconds and RFC 3339 dates', () => {
    expect(parseResetDuration('6m0s', NOW)).toBe(360_000);
    expect(parseResetDuration('1.5s', NOW)).toBe(1_500);
    expect(parseResetDuration('20ms', NOW)).toBe(20);
    expect(parseResetDuration('1h2m3s', NOW)).toBe(3_723_000);
    expect(parseResetDuration('2', NOW)).toBe(2_000);
    expect(parseResetDuration('2025-01-01T00:00:07Z', NOW)).toBe(7_000);
    expect(parseResetDuration('soon', NOW)).toBeUndefined();
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('3', NOW)).toBe(3_000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:10 GMT', NOW)).toBe(10_000);
    expect(parseRetryAfter('later', NOW)).toBeUndefined();
  });
});

describe('parseRateLimitHeaders', () => {
  it('returns undefined when a response has no hints', () => {
    expect(parseRateLimitHeaders({ 'content-type': 'application/json' }, NOW)).toBeUndefined();
  });

  it('reads OpenAI headers, preferring retry-after-ms', () => {
    const info = parseRateLimitHeaders(
      {
        'retry-after': '5',
        'retry-after-ms': '1200',
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-remaining-tokens': '1500',
        'x-ratelimit-reset-requests': '2s',
        'x-ratelimit-reset-tokens': '150ms',
      },
      NOW,
    );
    expect(info).toEqual({ retryAfterMs: 1200, remainingRequests: 0, remainingTokens: 1500, resetRequestsMs: 2000, resetTokensMs: 150 });
  });

  it('reads Anthropic headers', () => {
    const info = parseRateLimitHeaders(
      {
        'anthropic-ratelimit-requests-remaining': '4',
        'anthropic-ratelimit-tokens-remaining': '0',
        'anthropic-ratelimit-tokens-reset': '2025-01-01T00:00:03Z',
      },
      NOW,
    );
    expect(info).toEqual({ remainingRequests: 4, remainingTokens: 0, resetTokensMs: 3000 });
  });
});

describe('retryDelayFromInfo', () => {
  it('prefers retry-after, then the exhausted budget reset, then the shortest reset', () => {
    expect(retryDelayFromInfo({ retryAfterMs: 700, resetTokensMs: 5 })).toBe(700);
    expect(retryDelayFromInfo({ remainingRequests: 3, remainingTokens: 0, resetRequestsMs: 100, resetTokensMs: 900 })).toBe(900);
    expect(retryDelayFromInfo({ resetRequestsMs: 400, resetTokensMs: 300 })).toBe(300);
    expect(retryDelayFromInfo({ remainingRequests: 2 })).toBeUndefined();
    expect(retryDelayFromInfo(undefined)).toBeUndefined();
  });
});
