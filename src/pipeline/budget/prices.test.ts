import { describe, expect, it } from 'vitest';
import { PROVIDER_DEFINITIONS } from '../../providers/provider-kinds.js';
import { BUILT_IN_PRICES, KIND_CEILING_PRICES, costOf, findPrice } from './prices.js';

describe('prices', () => {
  it('matches dated model versions by the longest prefix', () => {
    expect(findPrice('gpt-4o-mini-2024-07-18', BUILT_IN_PRICES)).toEqual(BUILT_IN_PRICES['gpt-4o-mini']);
    expect(findPrice('gpt-4o-2024-08-06', BUILT_IN_PRICES)).toEqual(BUILT_IN_PRICES['gpt-4o']);
    expect(findPrice('claude-3-haiku-20240307', BUILT_IN_PRICES)).toEqual(BUILT_IN_PRICES['claude-3-haiku']);
    expect(findPrice('my-local-model', BUILT_IN_PRICES)).toBeUndefined();
  });

  it('computes cost from reported usage, with overrides winning', () => {
    expect(costOf('gpt-4', { inputTokens: 1000, outputTokens: 500 }, BUILT_IN_PRICES)).toBeCloseTo(0.06, 10);
    const table = { ...BUILT_IN_PRICES, 'gpt-4': { input_per_million: 1, output_per_million: 2 } };
    expect(costOf('gpt-4', { inputTokens: 1_000_000, outputTokens: 1_000_000 }, table)).toBeCloseTo(3, 10);
    expect(costOf('my-local-model', { inputTokens: 10, outputTokens: 10 }, table)).toBe(0);
  });

  it('lists every kind\'s prices, each model under one kind only', () => {
    const seen = new Map<string, string>();
    for (const definition of PROVIDER_DEFINITIONS) {
      for (const [model, price] of Object.entries(definition.prices)) {
        expect(seen.get(model), `${model} is priced by ${seen.get(model)} and ${definition.kind}`).toBeUndefined();
        seen.set(model, definition.kind);
        expect(BUILT_IN_PRICES[model]).toEqual(price);
      }
    }
    expect(Object.keys(BUILT_IN_PRICES)).toHaveLength(seen.size);
  });

  it('takes the highest listed input and output price as a kind\'s ceiling', () => {
    expect(KIND_CEILING_PRICES.openai).toEqual({ input_per_million: 30, output_per_million: 60 });
    expect(KIND_CEILING_PRICES.anthropic).toEqual({ input_per_million: 15, output_per_million: 75 });
    // Gemini's dearest input and dearest output both belong to 2.5 Pro here; 1.5 Pro ties on input.
    expect(KIND_CEILING_PRICES.gemini).toEqual({ input_per_million: 1.25, output_per_million: 10 });
  });
});
