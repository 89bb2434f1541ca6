import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../core/chat.js';
import { ProviderError } from '../core/errors.js';
import type { Classification, ResearchResult } from '../core/research.js';
import { answerFromCache, runResearch, streamResearch, type PipelineDeps } from './pipeline.js';
import type { ProviderAnswer, ResearchCacheContext } from './ports.js';

const classification: Classification = {
  researchType: { value: 'implementation', confidence: 0.9, signals: ['keyword:"how do i"'] },
  audience: { value: 'intermediate', confidence: 0.6, signals: [] },
  domain: { value: 'rust', confidence: 0.9, signals: ['term:tokio'] },
  urgency: { value: 'planned', confidence: 0.5, signals: [] },
};

/** Test double: each provider answers a fixed text; quality = the number in the answer. */
function harness(answers: Record<string, string | Error>, options: { order?: string[] } = {}) {
  const calls: string[][] = [];
  /** Per provider call: whether the caller named its provider (no hedging then). */
  const pinned: boolean[] = [];
  const saved: ResearchResult[] = [];
  const cache = new Map<string, ResearchResult>();
  const key = (query: string, context: ResearchCacheContext) => `${context.namespace}|${context.researchType}|${query}`;
  const deps: PipelineDeps = {
    qualityThreshold: 0.8,
    maxQualityRetries: 2,
    understanding: {
      classify: (_query, opts) => (opts?.type ? { ...classification, researchType: { value: opts.type, confidence: 1, signals: ['explicit'] } } : classification),
      buildPrompt: () => ({ system: 'sys', user: 'user', maxTokens: 100, temperature: 0.2, requiredSections: [] }),
      evaluate: ({ answer }) => ({ composite: Number(/score=([\d.]+)/.exec(answer)?.[1] ?? 0), dimensions: {}, issues: [] }),
      agreement: (a, b) => (a === b ? 1 : 0.25),
    },
    cache: {
      lookup: async (query, context) => {
        const hit = cache.get(key(query, context));
        return hit ? { kind: 'exact', similarity: 1, result: hit } : undefined;
      },
      store: async (query, context, result) => void cache.set(key(query, context), result),
    },
    providers: {
      plan: (_c, preferred) => {
        const order = options.order ?? Object.keys(answers);
        return preferred ? [preferred, ...order.filter((name) => name !== preferred)] : order;
      },
      call: async (order: string[], request: ChatRequest, callOptions): Promise<ProviderAnswer> => {
        calls.push(order);
        pinned.push(callOptions.pinned === true);
        const attempts: ProviderAnswer['attempts'] = [];
        for (const name of order) {
          const answer = answers[name];
          if (answer instanceof Error) {
            attempts.push({ provider: name, outcome: 'server' });
            continue;
          }
          return {
            provider: name,
            simulated: true,
            attempts,
            result: { id: 'x', model: `${name}-model`, text: answer ?? '', finishReason: 'stop', usage: { inputTokens: request.maxTokens ?? 0, outputTokens: 50 } },
          };
        }
        throw new ProviderError('all failed', { provider: order.at(-1) ?? 'none', errorClass: 'server' });
      },
      stream: async (order) => ({
        provider: order[0]!,
        simulated: true,
        parts: (async function* () {
          yield { type: 'text' as const, text: 'part one ' };
          yield { type: 'text' as const, text: 'score=0.9' };
          yield { type: 'finish' as const, id: 's', model: 'm', finishReason: 'stop' as const, usage: { inputTokens: 1, outputTokens: 2 } };
        })(),
      }),
      recordQuality: () => undefined,
      costOf: (_model, usage) => usage.outputTokens / 1000,
    },
    library: { save: async (result) => void saved.push(result) },
  };
  return { deps, calls, saved, cache, pinned };
}

describe('research pipeline', () => {
  it('tells the provider call when the caller named its provider (that provider is then not hedged)', async () => {
    const { deps, pinned, calls } = harness({ a: '## Answer\nscore=0.9', b: '## Answer\nscore=0.9' });
    await runResearch({ query: 'Which queue fits a small team?', provider: 'b', cache: { bypass: true } }, deps);
    await runResearch({ query: 'Which queue fits a big team?', cache: { bypass: true } }, deps);
    expect(calls.map((order) => order[0])).toEqual(['b', 'a']);
    expect(pinned).toEqual([true, false]);
  });

  it('answers, scores, stores and caches; the second ask is a cache hit', async () => {
    const { deps, saved } = harness({ a: '## Answer\nscore=0.9' });
    const first = await runResearch({ query: '  How do I spawn a tokio task? ' }, deps);
    expect(first).toMatchObject({ provider: 'a', model: 'a-model', query: 'How do I spawn a tokio task?', cache: { kind: 'miss' }, costUsd: 0.05 });
    expect(first.quality.composite).toBe(0.9);
    expect(first.sections).toEqual([{ heading: 'Answer', body: 'score=0.9' }]);
    expect(first.slug).toMatch(/^how-do-i-spawn-a-tokio-task-[0-9a-f]{8}$/);
    expect(saved).toHaveLength(1);
    const second = await runResearch({ query: 'How do I spawn a tokio task?' }, deps);
    expect(second.cache).toEqual({ kind: 'exact', similarity: 1 });
    expect(second.id).toBe(first.id);
    expect(saved).toHaveLength(1);
  });

  it('answerFromCache serves what runResearch would from the cache, and undefined on a miss, without the provider stage', async () => {
    const { deps, calls } = harness({ a: '## Answer\nscore=0.9' });
    const cacheOnly = { understanding: { classify: deps.understanding.classify }, cache: deps.cache };
    expect(await answerFromCache({ query: 'How do I spawn a tokio task?' }, cacheOnly)).toBeUndefined();
    const stored = await runResearch({ query: 'How do I spawn a tokio task?' }, deps);
    expect(calls).toHaveLength(1);
    const stages: string[] = [];
    const served = await answerFromCache({ query: ' How do I spawn a tokio task? ' }, cacheOnly, { onStage: (stage) => stages.push(stage) });
    const viaPipeline = await runResearch({ query: 'How do I spawn a tokio task?' }, deps);
    expect(served).toMatchObject({ id: stored.id, cache: { kind: 'exact', similarity: 1 }, answer: stored.answer });
    expect(Object.keys(served!).sort()).toEqual(Object.keys(viaPipeline).sort());
    expect(stages).toEqual(['classify', 'cache']);
    expect(calls).toHaveLength(1);
    // Requests that must not be served from the cache are not looked up.
    expect(await answerFromCache({ query: 'How do I spawn a tokio task?', provider: 'a' }, cacheOnly)).toBeUndefined();
    expect(await answerFromCache({ query: 'How do I spawn a tokio task?', cache: { refresh: true } }, cacheOnly)).toBeUndefined();
    await expect(answerFromCache({ query: '  ' }, cacheOnly)).rejects.toThrow(/query/);
  });

  it('retries on the next provider when quality is below the threshold and keeps the best answer', async () => {
    const { deps, calls } = harness({ a: 'score=0.5', b: 'score=0.7', c: 'score=0.6' });
    const result = await runResearch({ query: 'q' }, deps);
    expect(calls).toEqual([['a', 'b', 'c'], ['b', 'c'], ['c']]);
    expect(result.provider).toBe('b');
    expect(result.quality.composite).toBe(0.7);
    expect(result.attempts?.map((attempt) => attempt.provider)).toEqual(['a', 'b', 'c']);
  });

  it('stops at the first answer above the threshold and honours a per-request threshold', async () => {
    const { deps, calls } = harness({ a: 'score=0.5', b: 'score=0.7' });
    const result = await runResearch({ query: 'q', qualityThreshold: 0.4 }, deps);
    expect(calls).toHaveLength(1);
    expect(result.provider).toBe('a');
  });

  it('does not count a provider that failed with an error again in the quality retry', async () => {
    const { deps, calls } = harness({ a: new Error('down'), b: 'score=0.5', c: 'score=0.95' });
    const result = await runResearch({ query: 'q' }, deps);
    expect(calls).toEqual([['a', 'b', 'c'], ['c']]);
    expect(result.provider).toBe('c');
  });

  it('raises the provider error when every provider fails', async () => {
    const { deps, saved } = harness({ a: new Error('down'), b: new Error('down') });
    await expect(runResearch({ query: 'q' }, deps)).rejects.toMatchObject({ code: 'provider_error' });
    expect(saved).toHaveLength(0);
  });

  it('bypass skips the cache both ways; refresh skips the read but writes', async () => {
    const { deps, cache } = harness({ a: 'score=0.9' });
    await runResearch({ query: 'q', cache: { bypass: true } }, deps);
    expect(cache.size).toBe(0);
    const refreshed = await runResearch({ query: 'q', cache: { refresh: true } }, deps);
    expect(refreshed.cache.kind).toBe('miss');
    expect(cache.size).toBe(1);
  });

  it('namespaces the cache per user, and an explicit type changes the cache context', async () => {
    const { deps } = harness({ a: 'score=0.9' });
    await runResearch({ query: 'q', user: 'alice' }, deps);
    expect((await runResearch({ query: 'q', user: 'bob' }, deps)).cache.kind).toBe('miss');
    expect((await runResearch({ query: 'q', user: 'alice' }, deps)).cache.kind).toBe('exact');
    expect((await runResearch({ query: 'q', user: 'alice', type: 'decision' }, deps)).cache.kind).toBe('miss');
  });

  it('cross-validates against a second provider', async () => {
    const { deps } = harness({ a: 'score=0.9', b: 'score=0.9 other' });
    const result = await runResearch({ query: 'q', crossValidate: true }, deps);
    expect(result.crossValidation).toEqual({ provider: 'b', agreement: 0.25 });
  });

  it('rejects an empty query with a field error', async () => {
    const { deps } = harness({ a: 'score=0.9' });
    await expect(runResearch({ query: '   ' }, deps)).rejects.toMatchObject({ code: 'bad_request', details: { field: 'query' } });
  });

  it('rejects queries with no letter or digit, which would all share one cached answer', async () => {
    const { deps } = harness({ a: 'score=0.9' });
    for (const query of ['.', '..', '?!', ' ¿… ', '---']) {
      await expect(runResearch({ query }, deps), query).rejects.toMatchObject({ code: 'bad_request', details: { field: 'query' } });
    }
    await expect(runResearch({ query: 'c++?' }, deps)).resolves.toMatchObject({ query: 'c++?' });
  });

  it('streams stages, text and the stored result', async () => {
    const { deps, saved } = harness({ a: 'unused' });
    const events = [];
    for await (const event of streamResearch({ query: 'q' }, deps)) events.push(event);
    expect(events.map((event) => (event.type === 'stage' ? `stage:${event.stage}` : event.type))).toEqual([
      'stage:classify',
      'classification',
      'stage:cache',
      'stage:provider',
      'text',
      'text',
      'stage:evaluate',
      'stage:store',
      'result',
    ]);
    const last = events.at(-1);
    expect(last?.type === 'result' && last.result.answer).toBe('part one score=0.9');
    expect(saved).toHaveLength(1);
  });
});
