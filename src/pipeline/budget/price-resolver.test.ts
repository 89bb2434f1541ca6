import { describe, expect, it } from 'vitest';
import { createPriceResolver, type UnlistedModel } from './price-resolver.js';

describe('price resolver: a model of a known kind is never free because it is unlisted', () => {
  const usage = { inputTokens: 1_000_000, outputTokens: 1_000_000 };

  it('charges an unlisted model at its provider kind\'s ceiling, flags it once, and leaves listed models alone', () => {
    const flagged: UnlistedModel[] = [];
    const prices = createPriceResolver({
      providerKinds: { claude: 'anthropic', openai: 'openai' },
      onUnlistedModel: (unlisted) => flagged.push(unlisted),
    });
    expect(prices.quote('claude-5-experimental', 'claude')).toEqual({ price: { input_per_million: 15, output_per_million: 75 }, basis: 'kind_ceiling' });
    expect(prices.costOf('claude-5-experimental', usage, 'claude')).toBeCloseTo(90, 10);
    expect(prices.costOf('claude-5-experimental', usage, 'claude')).toBeCloseTo(90, 10);
    expect(prices.quote('claude-3-5-haiku-20241022', 'claude')).toEqual({ price: { input_per_million: 0.8, output_per_million: 4 }, basis: 'listed' });
    expect(prices.quote('gpt-4o-mini', 'openai')?.basis).toBe('listed');
    expect(flagged).toEqual([{ provider: 'claude', model: 'claude-5-experimental', kind: 'anthropic', chargedAt: { input_per_million: 15, output_per_million: 75 } }]);
  });

  it('lets configured prices win over the ceiling', () => {
    const prices = createPriceResolver({
      providerKinds: { claude: 'anthropic' },
      perProvider: { claude: { 'claude-5-experimental': { input_per_million: 1, output_per_million: 2 } } },
    });
    expect(prices.quote('claude-5-experimental', 'claude')).toEqual({ price: { input_per_million: 1, output_per_million: 2 }, basis: 'listed' });
    expect(prices.costOf('claude-5-experimental', usage, 'claude')).toBeCloseTo(3, 10);
  });

  it('leaves a model unpriced when its provider\'s kind is unknown', () => {
    const prices = createPriceResolver({ providerKinds: { claude: 'anthropic' } });
    expect(prices.quote('claude-5-experimental')).toBeUndefined();
    expect(prices.quote('claude-5-experimental', 'not-configured')).toBeUndefined();
    expect(prices.costOf('claude-5-experimental', usage, 'not-configured')).toBe(0);
  });
});
