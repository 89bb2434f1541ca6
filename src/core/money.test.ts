import { describe, expect, it } from 'vitest';
import { roundUsd, roundUsdFields } from './money.js';

describe('roundUsd', () => {
  it('drops floating-point noise and keeps 10 significant digits', () => {
    expect(roundUsd(0.00019860000000000003)).toBe(0.0001986);
    expect(roundUsd(0.00013659999999999999)).toBe(0.0001366);
    expect(roundUsd(0.1 + 0.2)).toBe(0.3);
    expect(String(roundUsd(0.0001 * 3))).toBe('0.0003');
    expect(roundUsd(1234.5678901234)).toBe(1234.56789);
    expect(roundUsd(1.23456789012e-9)).toBe(1.23456789e-9);
  });

  it('keeps zero, whole amounts and non-finite values as they are', () => {
    expect(roundUsd(0)).toBe(0);
    expect(roundUsd(42)).toBe(42);
    expect(roundUsd(Number.NaN)).toBeNaN();
    expect(roundUsd(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('roundUsdFields', () => {
  it('rounds the numbers under keys ending in Usd, at any depth, and leaves the input and everything else alone', () => {
    const input = {
      totals: { costUsd: 0.00019860000000000003, requests: 3, share: 0.30000000000000004 },
      rows: [{ key: 'openai', costPerRequestUsd: 0.1 + 0.2, tokens: 7 }],
      label: 'Usd',
      limitUsd: null,
    };
    const output = roundUsdFields(input);
    expect(output).toEqual({
      totals: { costUsd: 0.0001986, requests: 3, share: 0.30000000000000004 },
      rows: [{ key: 'openai', costPerRequestUsd: 0.3, tokens: 7 }],
      label: 'Usd',
      limitUsd: null,
    });
    expect(input.totals.costUsd).toBe(0.00019860000000000003);
  });
});
