import { describe, expect, it, vi } from 'vitest';
import type { ChatRequest } from '../core/chat.js';
import { createProviderChain } from '../providers/fallback/provider-chain.js';
import type { Provider } from '../providers/provider.js';
import { RateLimiter } from '../providers/rate-limit/rate-limiter.js';
import { estimateChatTokens, loadTokenizer, roughChatTokens } from '../providers/rate-limit/token-estimator.js';
import { withRateLimit } from '../providers/rate-limit/with-rate-limit.js';
import { withTokenOptimization } from '../providers/token-optimization.js';
import { scriptedProvider, type Step } from '../../test/support/fake-provider.js';
import type { BudgetGuard, ReserveInput } from './budget/budget-guard.js';
import { createPriceResolver } from './budget/price-resolver.js';
import type { ProviderCatalog } from './ports.js';
import { createProviderCaller } from './provider-call.js';

const request: ChatRequest = {
  model: '',
  messages: [
    { role: 'system', content: 'You are a concise research assistant.' },
    { role: 'user', content: 'What is the difference between a mutex and a semaphore?' },
  ],
};

interface MemberSetup {
  script?: Step[];
  tokensPerMinute?: number;
  wrap?: (provider: Provider) => Provider;
}

/**
 * A provider caller over real rate-limit layers and the real chain, with an estimator spy
 * shared by the budget and every layer (as `composition.ts` wires `estimateChatTokens`).
 */
function setup(members: Record<string, MemberSetup>, options: { inputPrice?: number; nearLimits?: boolean } = {}) {
  // Near the limits (the default here): every token limit was last seen below half full, and the
  // budget (a stand-in for the guard near a threshold) asks for the exact count.
  const nearLimits = options.nearLimits ?? true;
  const estimate = vi.fn(estimateChatTokens);
  const limiters = new Map<string, RateLimiter>();
  const acquired: Record<string, number[]> = {};
  const stacks = new Map<string, Provider>();
  for (const [name, member] of Object.entries(members)) {
    const limiter = new RateLimiter(name, member.tokensPerMinute === undefined ? {} : { tokensPerMinute: member.tokensPerMinute });
    // The rate-limit layer asks `tryAcquire` first, every time (then `acquire` only when it must wait).
    const tryAcquire = limiter.tryAcquire.bind(limiter);
    acquired[name] = [];
    limiter.tryAcquire = (tokens, signal) => {
      acquired[name]!.push(tokens);
      return tryAcquire(tokens, signal);
    };
    if (nearLimits && member.tokensPerMinute !== undefined) limiter.observe({ remainingTokens: member.tokensPerMinute * 0.4 }, 200);
    limiters.set(name, limiter);
    const base = scriptedProvider(name, member.script ?? []);
    const limited = withRateLimit(limiter, { estimateTokens: estimate })(base);
    stacks.set(name, member.wrap ? member.wrap(limited) : limited);
  }
  const names = [...stacks.keys()];
  const catalog: ProviderCatalog = {
    names,
    has: (name) => stacks.has(name),
    modelOf: () => 'm-1',
    modelFor: (_name, requested) => requested,
    providerFor: () => undefined,
    models: () => [],
    embedders: () => [],
    chain: createProviderChain(stacks),
  };
  const reserved: ReserveInput[] = [];
  const budget: Pick<BudgetGuard, 'reserve'> = {
    reserve: async (input) => {
      reserved.push(nearLimits && input.exactInputTokens ? { ...input, inputTokens: input.exactInputTokens() } : input);
      return { id: 'r', reservedUsd: 0, reconcile: async () => ({ overrunUsd: 0 }), release: async () => undefined };
    },
  };
  const caller = createProviderCaller({
    providers: catalog,
    router: { plan: () => ({ order: names, models: {} }) as never, record: () => undefined, recordQuality: () => undefined },
    budget,
    prices: createPriceResolver({ builtIn: { 'm-1': { input_per_million: options.inputPrice ?? 1, output_per_million: 2 } } }),
    estimateTokens: estimate,
  });
  return { caller, estimate, reserved, acquired, names, close: () => Promise.all([...limiters.values()].map((limiter) => limiter.close())) };
}

describe('provider call: prompt tokens far from every limit', () => {
  it('takes the rough estimate for the budget and the token limits, and counts nothing exactly', async () => {
    const { caller, estimate, reserved, acquired, names, close } = setup(
      { first: { script: [{ fail: 'server' }], tokensPerMinute: 1_000_000 }, second: { tokensPerMinute: 1_000_000 } },
      { nearLimits: false },
    );
    try {
      const answer = await caller.call(names, request, {});
      expect(answer.provider).toBe('second');
      expect(estimate).not.toHaveBeenCalled();
      const rough = roughChatTokens(request);
      expect(rough).toBeGreaterThan(0);
      expect(reserved.map((input) => input.inputTokens)).toEqual([rough]);
      // The exact count stays on offer for a guard near a threshold.
      expect(typeof reserved[0]?.exactInputTokens).toBe('function');
      expect(acquired).toEqual({ first: [rough], second: [rough] });
    } finally {
      await close();
    }
  });

  it('offers no exact count to the budget when the input is free', async () => {
    const { caller, reserved, names, close } = setup({ only: { tokensPerMinute: 1_000_000 } }, { inputPrice: 0, nearLimits: false });
    try {
      await caller.call(names, request, {});
      expect(reserved[0]?.inputTokens).toBe(0);
      expect(reserved[0]?.exactInputTokens).toBeUndefined();
    } finally {
      await close();
    }
  });
});

describe('provider call: prompt tokens near the limits', () => {
  it('counts a call once: the budget reserves with it and every token limit of the chain reuses it', async () => {
    await loadTokenizer();
    const expected = estimateChatTokens(request);
    const { caller, estimate, reserved, acquired, names, close } = setup({
      first: { script: [{ fail: 'server' }], tokensPerMinute: 1_000_000 },
      second: { tokensPerMinute: 1_000_000 },
    });
    try {
      const answer = await caller.call(names, request, {});
      expect(answer.provider).toBe('second');
      expect(estimate).toHaveBeenCalledTimes(1);
      expect(reserved.map((input) => input.inputTokens)).toEqual([expected]);
      expect(acquired).toEqual({ first: [expected], second: [expected] });
    } finally {
      await close();
    }
  });

  it('counts a stream once too', async () => {
    await loadTokenizer();
    const { caller, estimate, reserved, acquired, names, close } = setup({ only: { tokensPerMinute: 1_000_000 } });
    try {
      const opened = await caller.stream(names, request, {});
      for await (const part of opened.parts) void part;
      expect(estimate).toHaveBeenCalledTimes(1);
      expect(reserved[0]?.inputTokens).toBe(estimateChatTokens(request));
      expect(acquired.only).toEqual([estimateChatTokens(request)]);
    } finally {
      await close();
    }
  });

  it('counts for the token limit alone when the input is free, and nothing when no one needs it', async () => {
    await loadTokenizer();
    const limited = setup({ only: { tokensPerMinute: 1_000_000 } }, { inputPrice: 0 });
    const unlimited = setup({ only: {} }, { inputPrice: 0 });
    try {
      await limited.caller.call(limited.names, request, {});
      expect(limited.estimate).toHaveBeenCalledTimes(1);
      expect(limited.acquired.only).toEqual([estimateChatTokens(request)]);
      // A free input adds nothing to the worst case, counted or not.
      expect(limited.reserved[0]?.inputTokens).toBe(0);

      await unlimited.caller.call(unlimited.names, request, {});
      expect(unlimited.estimate).not.toHaveBeenCalled();
      expect(unlimited.acquired.only).toEqual([0]);
    } finally {
      await Promise.all([limited.close(), unlimited.close()]);
    }
  });

  it('counts the prompt again below a layer that rewrites the messages', async () => {
    await loadTokenizer();
    const long = { ...request, messages: [{ role: 'user' as const, content: `start ${'padding words here '.repeat(200)} end` }] };
    // Token optimization above the limit: the limiter sees (and counts) the shortened prompt.
    const { caller, estimate, reserved, acquired, names, close } = setup({
      only: { tokensPerMinute: 1_000_000, wrap: (provider) => withTokenOptimization({ maxInputTokens: 100 })(provider) },
    });
    try {
      await caller.call(names, long, {});
      expect(estimate).toHaveBeenCalledTimes(2);
      expect(reserved[0]?.inputTokens).toBe(estimateChatTokens(long));
      expect(acquired.only![0]).toBeLessThan(estimateChatTokens(long) / 2);
    } finally {
      await close();
    }
  });
});

describe('provider call: the budget reservation', () => {
  it('prices each candidate at the model it would run, not its configured model when the request names one it serves', async () => {
    const served: Record<string, { model: string; serves: string[] }> = { a: { model: 'big', serves: ['small'] }, b: { model: 'mid', serves: [] } };
    const stacks = new Map<string, Provider>(Object.keys(served).map((name) => [name, scriptedProvider(name, [])]));
    const catalog: ProviderCatalog = {
      names: ['a', 'b'],
      has: (name) => name in served,
      modelOf: (name) => served[name]?.model,
      // As build-providers: the requested model when the provider serves it, else its default.
      modelFor: (name, requested) => (requested === served[name]!.model || served[name]!.serves.includes(requested) ? requested : served[name]!.model),
      providerFor: () => undefined,
      models: () => [],
      embedders: () => [],
      chain: createProviderChain(stacks),
    };
    const reserved: ReserveInput[] = [];
    const caller = createProviderCaller({
      providers: catalog,
      router: { plan: () => ({ order: ['a', 'b'], models: {} }) as never, record: () => undefined, recordQuality: () => undefined },
      budget: {
        reserve: async (input) => {
          reserved.push(input);
          return { id: 'r', reservedUsd: 0, reconcile: async () => ({ overrunUsd: 0 }), release: async () => undefined };
        },
      },
      prices: createPriceResolver({
        builtIn: { big: { input_per_million: 30, output_per_million: 60 }, mid: { input_per_million: 3, output_per_million: 15 }, small: { input_per_million: 0.15, output_per_million: 0.6 } },
      }),
      estimateTokens: estimateChatTokens,
    });
    // a runs small (it serves it), b falls back to its default mid: the dearest is mid, not a's configured big.
    await caller.call(['a', 'b'], { ...request, model: 'small' }, {});
    expect(reserved[0]?.price).toMatchObject({ input_per_million: 3, output_per_million: 15 });
    // Naming no model, each runs its configured one: big.
    await caller.call(['a', 'b'], request, {});
    expect(reserved[1]?.price).toMatchObject({ input_per_million: 30, output_per_million: 60 });
  });
});
