import { describe, expect, it } from 'vitest';
import type { StreamPart } from '../../core/chat.js';
import { createCostTracker } from './cost-tracker.js';
import { createPriceResolver } from './price-resolver.js';
import { meterStream } from './stream-cost.js';

describe('price resolver', () => {
  it('layers provider pricing over cost_management.pricing over the built-in table', () => {
    const prices = createPriceResolver({
      global: { 'gpt-4o-mini': { input_per_million: 1, output_per_million: 2 } },
      perProvider: { azure: { 'gpt-4o-mini': { input_per_million: 5, output_per_million: 5 } } },
    });
    expect(prices.priceOf('gpt-4o-mini-2024-07-18')).toEqual({ input_per_million: 1, output_per_million: 2 });
    expect(prices.priceOf('gpt-4o-mini', 'azure')).toEqual({ input_per_million: 5, output_per_million: 5 });
    expect(prices.priceOf('gpt-4o', 'azure')).toEqual({ input_per_million: 2.5, output_per_million: 10 });
    expect(prices.costOf('gpt-4o-mini', { inputTokens: 1_000_000, outputTokens: 500_000 })).toBeCloseTo(2, 12);
    expect(prices.costOf('llama3.1', { inputTokens: 1_000, outputTokens: 1_000 })).toBe(0);
  });
});

describe('cost tracker', () => {
  it('sums cost per provider, model, user and research type from reported usage', () => {
    const tracker = createCostTracker({ prices: createPriceResolver() }, { now: () => 5 });
    const a = tracker.record({ provider: 'openai', model: 'gpt-4o', usage: { inputTokens: 1_000, outputTokens: 1_000 }, user: 'alice', researchType: 'decision' });
    expect(a).toBeCloseTo(0.0125, 12);
    tracker.record({ provider: 'openai', model: 'gpt-4o-mini', usage: { inputTokens: 2_000, outputTokens: 0 }, user: 'bob', researchType: 'decision' });
    tracker.record({ provider: 'local', model: 'llama3.1', usage: { inputTokens: 10, outputTokens: 10 }, user: 'alice' });
    tracker.record({ provider: 'claude', model: 'x', usage: { inputTokens: 1, outputTokens: 1 }, costUsd: 0.5, researchType: 'learning' });
    const snapshot = tracker.snapshot();
    expect(snapshot.since).toBe(5);
    expect(snapshot.total.requests).toBe(4);
    expect(snapshot.total.costUsd).toBeCloseTo(0.0125 + 0.0003 + 0.5, 12);
    expect(snapshot.total.unpricedRequests).toBe(1);
    expect(snapshot.byProvider.openai).toMatchObject({ requests: 2, inputTokens: 3_000, outputTokens: 1_000 });
    expect(snapshot.byModel['llama3.1']).toMatchObject({ costUsd: 0, unpricedRequests: 1 });
    expect(snapshot.byUser.alice!.requests).toBe(2);
    expect(snapshot.byUser['(none)']!.costUsd).toBe(0.5);
    expect(snapshot.byResearchType.decision!.costUsd).toBeCloseTo(0.0128, 12);
    tracker.reset();
    expect(tracker.snapshot().total.requests).toBe(0);
  });

  it('folds users beyond the limit into (other)', () => {
    const tracker = createCostTracker({ prices: createPriceResolver(), maxUsers: 2 });
    for (const user of ['a', 'b', 'c', 'd', 'a']) tracker.record({ provider: 'p', model: 'gpt-4o', usage: { inputTokens: 1, outputTokens: 0 }, user });
    expect(Object.keys(tracker.snapshot().byUser).sort()).toEqual(['(other)', 'a', 'b']);
    expect(tracker.snapshot().byUser['(other)']!.requests).toBe(2);
  });

  it('prices a stream from the usage of its finish part, passing parts through', async () => {
    async function* parts(): AsyncGenerator<StreamPart> {
      yield { type: 'text', text: 'Hello' };
      yield { type: 'text', text: ' world' };
      yield { type: 'finish', id: 'r1', model: 'gpt-4o', finishReason: 'stop', usage: { inputTokens: 1_000, outputTokens: 1_000 } };
    }
    const tracker = createCostTracker({ prices: createPriceResolver() });
    const seen: string[] = [];
    for await (const part of meterStream(parts(), (usage, model) => tracker.record({ provider: 'openai', model, usage }))) seen.push(part.type);
    expect(seen).toEqual(['text', 'text', 'finish']);
    expect(tracker.snapshot().total.costUsd).toBeCloseTo(0.0125, 12);
  });
});
