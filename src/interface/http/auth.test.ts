import { describe, expect, it } from 'vitest';
import { extractApiKey, hasScope, isAuthRequired, isLoopbackHost } from './auth.js';

describe('auth helpers', () => {
  it('extracts Bearer or x-api-key keys', () => {
    expect(extractApiKey({ authorization: 'Bearer abc' })).toBe('abc');
    expect(extractApiKey({ authorization: 'BEARER  abc ' })).toBe('abc');
    expect(extractApiKey({ 'x-api-key': 'xyz' })).toBe('xyz');
    expect(extractApiKey({ authorization: 'Basic abc' })).toBeUndefined();
    expect(extractApiKey({ authorization: 'Bearer ' })).toBeUndefined();
    expect(extractApiKey({ 'x-api-key': 'a'.repeat(513) })).toBeUndefined();
  });

  it('auto mode requires keys beyond loopback', () => {
    expect(isAuthRequired('auto', '127.0.0.1')).toBe(false);
    expect(isAuthRequired('auto', 'localhost')).toBe(false);
    expect(isAuthRequired('auto', '::1')).toBe(false);
    expect(isAuthRequired('auto', '0.0.0.0')).toBe(true);
    expect(isAuthRequired('auto', '10.0.0.5')).toBe(true);
    expect(isAuthRequired('required', '127.0.0.1')).toBe(true);
    expect(isAuthRequired('disabled', '0.0.0.0')).toBe(false);
    expect(isLoopbackHost('[::1]')).toBe(true);
  });

  it('admin implies every scope', () => {
    expect(hasScope({ name: 'a', scopes: ['admin'] }, 'gateway')).toBe(true);
    expect(hasScope({ name: 'r', scopes: ['research'] }, 'gateway')).toBe(false);
  });
});
