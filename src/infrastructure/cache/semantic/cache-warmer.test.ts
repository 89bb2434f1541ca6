import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCacheWarmer, type CacheWarmerOptions, type WarmQuery } from './cache-warmer.js';
import { createEmbeddingCache } from './embedding-cache.js';
import { createLocalEmbedder } from './local-embedder.js';
import { createSemanticCache, type SemanticCache } from './semantic-cache.js';
import { createMemorySemanticEntryStore } from './store/memory-entry-store.js';

const context = { namespace: 'warm' };
const query = (text: string, estimatedCost?: number): WarmQuery => ({ query: text, context, ...(estimatedCost === undefined ? {} : { estimatedCost }) });
const caches: Array<SemanticCache<string>> = [];

async function setup(overrides: Partial<CacheWarmerOptions<string>> = {}) {
  const embedder = createLocalEmbedder();
  const embeddingCache = createEmbeddingCache(embedder);
  const cache = await createSemanticCache<string>({ sweepIntervalMs: 0 }, { embedder, store: createMemorySemanticEntryStore(), embeddingCache });
  caches.push(cache);
  const executed: string[] = [];
  const warmer = createCacheWarmer<string>({
    getPopularQueries: async () => [],
    getRecentPatterns: async () => [],
    getCommonTerms: async () => [],
    execute: async (item) => {
      executed.push(item.query);
      return { value: `answer: ${item.query}`, cost: item.estimatedCost ?? 0.01 };
    },
    cache, embedder, embeddingCache, frequencyThreshold: 5,
    ...overrides,
  });
  return { cache, warmer, executed, embeddingCache };
}

afterEach(async () => {
  for (const cache of caches.splice(0)) await cache.close();
  vi.useRealTimers();
});

describe('CacheWarmer', () => {
  it('warms popular queries that are not cached, exactly or semantically', async () => {
    const { cache, warmer, executed } = await setup({
      getPopularQueries: async () => [query('How do I install Redis on Ubuntu?'), query('What port does PostgreSQL use by default?'), query('How can I set up Redis on Ubuntu?')],
    });
    await cache.store('What port does PostgreSQL use by default?', context, 'cached');
    const report = await warmer.runOnce();
    // The third is a paraphrase of the first, cached by the time it is considered.
    expect(executed).toEqual(['How do I install Redis on Ubuntu?']);
    expect(report.popular).toEqual({ considered: 3, alreadyCached: 2, warmed: 1, failed: 0 });
    expect((await cache.lookup('How do I install Redis on Ubuntu?', context)).entry?.value).toBe('answer: How do I install Redis on Ubuntu?');
  });

  it('warms recent patterns only above the frequency threshold', async () => {
    const { warmer, executed } = await setup({
      getRecentPatterns: async () => [
        { ...query('How do I rotate logs with logrotate?'), frequency: 9 },
        { ...query('How do I enable gzip in Nginx?'), frequency: 5 },
      ],
    });
    const report = await warmer.runOnce();
    expect(executed).toEqual(['How do I rotate logs with logrotate?']);
    expect(report.patterns).toMatchObject({ warmed: 1, belowThreshold: 1 });
  });

  it('stops at the query and cost bounds of a run', async () => {
    const popular = ['How do I install Redis?', 'How do I tune Kafka?', 'How do I lint Go code?', 'How do I shard MongoDB?'];
    const byCount = await setup({ getPopularQueries: async () => popular.map((text) => query(text)), maxQueriesPerRun: 2 });
    const countReport = await byCount.warmer.runOnce();
    expect(byCount.executed).toHaveLength(2);
    expect(countReport.stoppedBy).toBe('max_queries');

    const byCost = await setup({ getPopularQueries: async () => popular.map((text) => query(text, 0.4)), maxCostUsdPerRun: 1 });
    const costReport = await byCost.warmer.runOnce();
    expect(byCost.executed).toHaveLength(2);
    expect(costReport).toMatchObject({ stoppedBy: 'max_cost', cost: 0.8 });
  });

  it('keeps going after a failed query and reports it', async () => {
    const errors: unknown[] = [];
    const { warmer } = await setup({
      getPopularQueries: async () => [query('How do I install Redis?'), query('How do I tune Kafka?')],
      execute: async (item) => {
        if (item.query.includes('Redis')) throw new Error('provider down');
        return { value: 'ok' };
      },
      onError: (error) => errors.push(error),
    });
    expect((await warmer.runOnce()).popular).toMatchObject({ warmed: 1, failed: 1 });
    expect(errors).toHaveLength(1);
  });

  it('precomputes embeddings of common terms not yet cached', async () => {
    const { warmer, embeddingCache } = await setup({ getCommonTerms: async () => ['kubernetes', 'redis', 'kubernetes'] });
    await embeddingCache.embed(['redis']);
    const report = await warmer.runOnce();
    expect(report.embeddings).toEqual({ considered: 2, alreadyCached: 1, computed: 1 });
    expect(embeddingCache.has('kubernetes')).toBe(true);
  });

  it('runs on its interval with an unref timer and never overlaps runs', async () => {
    vi.useFakeTimers();
    let release: () => void = () => undefined;
    let calls = 0;
    const { warmer } = await setup({
      intervalMs: 1_000,
      getPopularQueries: () => {
        calls++;
        return new Promise((resolve) => {
          release = () => resolve([]);
        });
      },
    });
    warmer.start();
    await vi.advanceTimersByTimeAsync(3_500);
    expect(calls).toBe(1); // the first run is still in flight
    release();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(2);
    release();
    await warmer.close();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls).toBe(2);
  });
});
