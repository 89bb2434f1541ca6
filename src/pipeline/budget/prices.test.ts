import { describe, expect, it } from 'vitest';
import { BUILT_IN_PRICES, costOf, findPrice } from './prices.js';

describe('prices', () => {
  it('matches dated model versions by the longest prefix', () => {
    expect(findPrice('gpt-4o-mini-2024-07-18', BUILT_IN_PRICES)).toEqual(BUILT_IN_PRICES['gpt-4o-mini']);
    expect(findPrice('gpt-4o-2024-08-06', BUILT_IN_PRICES)).toEqual(BUILT_IN_PRICES['gpt-4o']);
    expect(findPrice('claude-3-haiku-20240307', BUILT_IN_PRICES)).toEqual(BUILT_IN_PRICES['claude-3-haiku']);
    expect(findPrice('llama3.1', BUILT_IN_PRICES)).toBeUndefined();
  });

  it('computes cost from reported usage, with overrides winning', () => {
    expect(costOf('gpt-4', { inputTokens: 1000, outputTokens: 500 }, BUILT_IN_PRICES)).toBeCloseTo(0.06, 10);
    const table = { ...BUILT_IN_PRICES, 'gpt-4': { input_per_million: 1, output_per_million: 2 } };
    expect(costOf('gpt-4', { inputTokens: 1_000_000, outputTokens: 1_000_000 }, table)).toBeCloseTo(3, 10);
    expect(costOf('my-local-model', { inputTokens: 10, outputTokens: 10 }, table)).toBe(0);
  });
});
