import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../core/errors.js';
import { isRetryableFailure, retryDelayMs } from './retry-policy.js';

const failure = (errorClass: ProviderError['errorClass'], extra: { status?: number; reason?: string; code?: 'rate_limited' } = {}) =>
  new ProviderError('x', {
    provider: 'p',
    errorClass,
    status: extra.status,
    code: extra.code,
    details: extra.reason ? { reason: extra.reason } : undefined,
  });

describe('isRetryableFailure', () => {
  it('retries 408, 429, 5xx, resets, timeouts and broken streams', () => {
    expect(isRetryableFailure(failure('timeout', { status: 408 }))).toBe(true);
    expect(isRetryableFailure(failure('rate_limit', { status: 429 }))).toBe(true);
    expect(isRetryableFailure(failure('server', { status: 500 }))).toBe(true);
    expect(isRetryableFailure(failure('server', { status: 503 }))).toBe(true);
    expect(isRetryableFailure(failure('connection', { reason: 'reset' }))).toBe(true);
    expect(isRetryableFailure(failure('timeout', { reason: 'headers_timeout' }))).toBe(true);
    expect(isRetryableFailure(failure('stream_broken'))).toBe(true);
  });

  it('never retries 400/401/403/404, refused connections, local rate limits or non-provider errors', () => {
    expect(isRetryableFailure(failure('bad_request', { status: 400 }))).toBe(false);
    expect(isRetryableFailure(failure('auth', { status: 401 }))).toBe(false);
    expect(isRetryableFailure(failure('auth', { status: 403 }))).toBe(false);
    expect(isRetryableFailure(failure('bad_request', { status: 404 }))).toBe(false);
    expect(isRetryableFailure(failure('server', { status: 404 }))).toBe(false);
    expect(isRetryableFailure(failure('connection', { reason: 'refused' }))).toBe(false);
    expect(isRetryableFailure(failure('rate_limit', { code: 'rate_limited' }))).toBe(false);
    expect(isRetryableFailure(failure('circuit_open'))).toBe(false);
    expect(isRetryableFailure(new Error('boom'))).toBe(false);
  });
});

describe('retryDelayMs', () => {
  const options = { maxRetries: 5, retryDelayMs: 100, exponentialBackoff: true, maxDelayMs: 1_000 };

  it('uses full jitter under a doubling ceiling', () => {
    expect(retryDelayMs(options, 0, undefined, () => 0.5)).toBe(50);
    expect(retryDelayMs(options, 2, undefined, () => 0.5)).toBe(200);
    expect(retryDelayMs(options, 10, undefined, () => 0.999)).toBeCloseTo(999);
    expect(retryDelayMs(options, 3, undefined, () => 0)).toBe(0);
  });

  it('is fixed without exponential backoff and never shorter than retry-after', () => {
    expect(retryDelayMs({ ...options, exponentialBackoff: false }, 4, undefined, () => 0.1)).toBe(100);
    expect(retryDelayMs(options, 0, 2_000, () => 0.5)).toBe(2_000);
  });
});
