import { describe, expect, it } from 'vitest';
import { FortitudeError, ProviderError } from '../../core/errors.js';
import { describeError, HttpError } from './error-status.js';

describe('describeError', () => {
  it('maps codes through the one table', () => {
    expect(describeError(new FortitudeError('not_found', 'gone'))).toMatchObject({ status: 404, code: 'not_found', message: 'gone' });
    expect(describeError(new FortitudeError('budget_exceeded', 'spent'))).toMatchObject({ status: 402 });
    expect(describeError(new HttpError('payload_too_large', 'big'))).toMatchObject({ status: 413 });
    expect(describeError(new FortitudeError('bad_request', 'x', { details: { field: 'query' } })).field).toBe('query');
  });

  it('hides unknown errors behind a bare 500', () => {
    expect(describeError(new TypeError('secret at /srv/app.js:1'))).toEqual({ status: 500, code: 'internal', message: 'internal error', unexpected: true });
  });

  it('keeps the meaning of upstream failures', () => {
    const refusal = new ProviderError('too long', { provider: 'p', errorClass: 'bad_request', status: 400 });
    expect(describeError(refusal)).toMatchObject({ status: 400, code: 'bad_request' });
    const limited = new ProviderError('slow down', { provider: 'p', errorClass: 'rate_limit', retryAfterMs: 1200 });
    expect(describeError(limited)).toMatchObject({ status: 429, headers: { 'retry-after': '2' } });
    const broken = new ProviderError('gone', { provider: 'p', errorClass: 'server', status: 500 });
    expect(describeError(broken)).toMatchObject({ status: 502, code: 'provider_error', unexpected: false });
    const open = new ProviderError('breaker', { provider: 'p', errorClass: 'circuit_open' });
    expect(describeError(open)).toMatchObject({ status: 503, code: 'provider_unavailable' });
  });
});
