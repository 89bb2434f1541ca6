import { describe, expect, it } from 'vitest';
import { parseDuration, serverOptionsOf } from './server-client.js';

describe('server client options', () => {
  it('reads durations with or without a unit', () => {
    expect(parseDuration('3600', '--duration')).toBe(3_600_000);
    expect(parseDuration('90s', '--duration')).toBe(90_000);
    expect(parseDuration('5m', '--duration')).toBe(300_000);
    expect(parseDuration('24h', '--time-range', 'h')).toBe(86_400_000);
    expect(parseDuration('24', '--time-range', 'h')).toBe(86_400_000);
    expect(parseDuration('100ms', '--min-duration', 'ms')).toBe(100);
    expect(parseDuration('1.5s', '--duration')).toBe(1_500);
    expect(() => parseDuration('soon', '--duration')).toThrow(/--duration: expected a duration/);
  });

  it('normalises the URL and refuses what is not one', () => {
    expect(serverOptionsOf({ url: 'http://127.0.0.1:8080/' })).toEqual({ url: 'http://127.0.0.1:8080' });
    expect(serverOptionsOf({ apiKey: 'k' })).toEqual({ url: 'http://127.0.0.1:8080', apiKey: 'k' });
    expect(() => serverOptionsOf({ url: 'localhost:8080' })).toThrow(/--url/);
  });
});
