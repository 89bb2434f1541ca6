import { describe, expect, it } from 'vitest';
import { redactSecrets } from './redact.js';

describe('redactSecrets', () => {
  it('removes a known secret wherever it appears', () => {
    const key = 'my-local-secret-123';
    expect(redactSecrets(`bad key ${key} (again: ${key})`, [key])).toBe('bad key [redacted] (again: [redacted])');
  });

  it('removes well-known key shapes even when the key is unknown', () => {
    expect(redactSecrets('Incorrect API key provided: sk-proj-abcdefghijklmnop.')).toBe('Incorrect API key provided: [redacted].');
    expect(redactSecrets('key sk-ant-api03-AAAAAAAAAAAA')).toBe('key [redacted]');
    expect(redactSecrets('AIzaSyA1234567890abcdefghijklmnop')).toBe('[redacted]');
    expect(redactSecrets('GET /v1beta/models?key=abc123&alt=sse')).toBe('GET /v1beta/models?key=[redacted]&alt=sse');
    expect(redactSecrets('Authorization: Bearer abcdefgh12345678')).toBe('Authorization: Bearer [redacted]');
  });

  it('leaves ordinary text alone', () => {
    expect(redactSecrets('HTTP 503: overloaded, try again')).toBe('HTTP 503: overloaded, try again');
  });
});
