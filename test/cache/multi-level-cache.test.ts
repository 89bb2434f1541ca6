import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BYPASS_DIRECTIVES, REFRESH_DIRECTIVES } from '../../src/infrastructure/cache/cache-directives.js';
import { queryCacheKey } from '../../src/infrastructure/cache/cache-key.js';
import type { CacheLevelName } from '../../src/infrastructure/cache/cache-store.js';
import { createCacheStrategies } from '../../src/infrastructure/cache/cache-strategies.js';
import type { StrategiesOptions, StrategyValues } from '../../src/infrastructure/cache/cache-strategies.js';
import { DiskCacheStore } from '../../src/infrastructure/cache/disk/disk-store.js';
import { MemoryCacheStore } from '../../src/infrastructure/cache/memory/memory-store.js';
import { MultiLevelCache } from '../../src/infrastructure/cache/multi-level-cache.js';
import type { CacheEventKind } from '../../src/infrastructure/cache/multi-level-cache.js';
import type { RedisCacheStore } from '../../src/infrastructure/redis/redis-cache-store.js';
import type { RedisConnection } from '../../src/infrastructure/redis/redis-connection.js';
import { openRedisCacheStore } from '../support/redis-helpers.js';

const MB = 1024 * 1024;

const root = mkdtempSync(join(tmpdir(), 'fortitude-multi-level-'));
const FILE_PREFIX = `test:fortitude-multi:${randomUUID()}:`;
const connections: RedisConnection[] = [];
afterAll(async () => {
  for (const connection of connections.splice(0)) await connection.close();
  rmSync(root, { recursive: true, force: true });
});

/** The seed's `caching.strategies`, with TTLs that suit a test. */
const STRATEGIES: StrategiesOptions = {
  query_results: { enabled: true, levels: ['memory', 'redis'], ttlSeconds: 1800, keyStrategy: 'semantic_hash' },
  quality_evaluations: { enabled: true, levels: ['memory', 'redis', 'disk'], ttlSeconds: 7200 },
  provider_responses: { enabled: true, levels: ['redis', 'disk'], ttlSeconds: 3600, deduplication: true },
  embeddings: { enabled: true, levels: ['memory', 'redis'], ttlSeconds: 86400 },
};

interface Harness {
  cache: MultiLevelCache;
  memory: MemoryCacheStore;
  redis: RedisCacheStore;
  disk: DiskCacheStore;
  events: Array<[CacheLevelName, string, CacheEventKind]>;
}

const opened: Harness[] = [];

async function openCache(memoryTtlSeconds = 300): Promise<Harness> {
  const memory = new MemoryCacheStore({ maxSizeBytes: 4 * MB, ttlSeconds: memoryTtlSeconds });
  const { store: redis, connection } = await openRedisCacheStore({ ttlSeconds: 3600, keyPrefix: `${FILE_PREFIX}${randomUUID()}:`, commandTimeoutMs: 1000 });
  connections.push(connection);
  const disk = new DiskCacheStore({ directory: join(root, randomUUID()), maxSizeBytes: 16 * MB, ttlSeconds: 86400, cleanupIntervalMs: 0 });
  const events: Harness['events'] = [];
  // Given out of order on purpose: the cache orders levels fastest first.
  const cache = new MultiLevelCache({ levels: [disk, memory, redis], onEvent: (level, strategy, kind) => events.push([level, strategy, kind]) });
  const harness = { cache, memory, redis, disk, events };
  opened.push(harness);
  return harness;
}

afterEach(async () => {
  for (const { cache } of opened.splice(0)) {
    await cache.clear();
    await cache.close();
  }
});

describe('MultiLevelCache', () => {
  it('orders levels fastest first and rejects a level given twice', async () => {
    const { cache, memory } = await openCache();
    expect(cache.levels.map((store) => store.level)).toEqual(['memory', 'redis', 'disk']);
    expect(() => new MultiLevelCache({ levels: [memory, memory] })).toThrow(/twice/);
  });

  it('promotes a disk hit into memory and redis with the remaining TTL', async () => {
    const { cache, memory, redis, disk } = await openCache();
    await disk.set('k', 'from-disk', 10_000);
    const hit = await cache.lookup('k', { strategy: 'quality_evaluations' });
    expect(hit).toEqual({ value: 'from-disk', level: 'disk' });
    expect(memory.getSync('k')).toBe('from-disk');
    expect(await redis.get('k')).toBe('from-disk');
    const promoted = await redis.getEntry('k');
    // Promoted with what was left of 10 s, not a fresh full TTL.
    expect(promoted!.expiresAt - Date.now()).toBeLessThanOrEqual(10_000);
    expect(promoted!.expiresAt - Date.now()).toBeGreaterThan(8_000);
    expect((await cache.lookup('k'))?.level).toBe('memory');
    const stats = await cache.stats();
    expect(stats.strategies.quality_evaluations).toMatchObject({ lookups: 1, misses: 0, promotions: 1 });
    expect(stats.strategies.quality_evaluations!.hitsByLevel).toEqual({ memory: 0, redis: 0, disk: 1 });
    expect(stats.strategies.quality_evaluations!.missesByLevel).toEqual({ memory: 1, redis: 1, disk: 0 });
  });

  it('promotes a redis hit into memory only and never into levels the caller did not select', async () => {
    const { cache, memory, redis, disk } = await openCache();
    await redis.set('k', 'from-redis', 60_000);
    const hit = await cache.lookup('k', { levels: ['memory', 'redis'], strategy: 'query_results' });
    expect(hit?.level).toBe('redis');
    expect(memory.getSync('k')).toBe('from-redis');
    expect(await disk.get('k')).toBeUndefined();
    await disk.set('only-disk', 'v', 60_000);
    expect(await cache.lookup('only-disk', { levels: ['memory', 'redis'] })).toBeUndefined();
  });

  it('caps a promoted entry at the faster level’s own ttlSeconds, then finds it again below', async () => {
    const { cache, memory, redis } = await openCache(1);
    await redis.set('k', 'v', 60_000);
    await cache.lookup('k');
    expect((await memory.getEntry('k'))!.expiresAt - Date.now()).toBeLessThanOrEqual(1000);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(memory.getSync('k')).toBeUndefined();
    expect((await cache.lookup('k'))?.level).toBe('redis');
  });

  it('writes to the selected levels only, deletes and clears across all', async () => {
    const { cache, memory, redis, disk } = await openCache();
    await cache.set('pr:v1:x', 'v', 60_000, { levels: ['redis', 'disk'], strategy: 'provider_responses' });
    expect(memory.getSync('pr:v1:x')).toBeUndefined();
    expect(await redis.get('pr:v1:x')).toBe('v');
    expect(await disk.get('pr:v1:x')).toBe('v');
    await memory.set('pr:v1:x', 'v', 60_000);
    await cache.delete('pr:v1:x');
    expect(await cache.lookup('pr:v1:x')).toBeUndefined();

    await cache.set('qr:v1:a', '1', 60_000);
    await cache.set('pr:v1:b', '2', 60_000);
    const results = await cache.clear('qr:');
    expect(results.every((result) => result.ok)).toBe(true);
    expect(await cache.get('qr:v1:a')).toBeUndefined();
    expect(await cache.get('pr:v1:b')).toBe('2');
  });

  it('reports hit, miss and set events per level and strategy', async () => {
    const { cache, events } = await openCache();
    await cache.set('k', 'v', 60_000, { levels: ['disk'], strategy: 'embeddings' });
    await cache.lookup('k', { strategy: 'embeddings' });
    expect(events).toEqual([
      ['disk', 'embeddings', 'set'],
      ['memory', 'embeddings', 'miss'],
      ['redis', 'embeddings', 'miss'],
      ['disk', 'embeddings', 'hit'],
      ['memory', 'embeddings', 'set'],
      ['redis', 'embeddings', 'set'],
    ]);
  });

  it('evicts L1 by bytes while slower levels keep serving', async () => {
    const memory = new MemoryCacheStore({ maxSizeBytes: 10485, ttlSeconds: 300 });
    const disk = new DiskCacheStore({ directory: join(root, randomUUID()), maxSizeBytes: MB, ttlSeconds: 3600, cleanupIntervalMs: 0 });
    const cache = new MultiLevelCache({ levels: [memory, disk] });
    const value = 'v'.repeat(2000);
    for (let index = 0; index < 10; index++) await cache.set(`k${index}`, value, 60_000);
    expect(memory.getSync('k0')).toBeUndefined();
    expect((await cache.lookup('k0'))?.level).toBe('disk');
    expect((await memory.stats()).usedBytes).toBeLessThanOrEqual(0.01 * 1024 * 1024);
    await cache.close();
  });
});

describe('cache strategies', () => {
  it('builds one strategy per seed entry with its own levels and TTL', async () => {
    const { cache } = await openCache();
    const strategies = createCacheStrategies(STRATEGIES, cache);
    expect(strategies.provider_responses.levels).toEqual(['redis', 'disk']);
    expect(strategies.provider_responses.deduplication).toBe(true);
    expect(strategies.query_results.keyStrategy).toBe('semantic_hash');
    expect(strategies.quality_evaluations.ttlMs).toBe(7_200_000);
    const none = createCacheStrategies({}, cache);
    expect(none.embeddings.enabled).toBe(false);
    let calls = 0;
    await none.embeddings.getOrCompute('e', async () => [++calls]);
    await none.embeddings.getOrCompute('e', async () => [++calls]);
    expect(calls).toBe(2);
  });

  it('a disabled strategy never reads or writes', async () => {
    const { cache, memory } = await openCache();
    const strategies = createCacheStrategies({ ...STRATEGIES, query_results: { ...STRATEGIES.query_results!, enabled: false } }, cache);
    expect(strategies.query_results.enabled).toBe(false);
    expect(await strategies.query_results.set('k', { a: 1 })).toBe(false);
    expect(memory.getSync('k')).toBeUndefined();
  });

  it('getOrCompute stores the answer and serves it from the fastest level next time', async () => {
    const { cache } = await openCache();
    const { query_results } = createCacheStrategies(STRATEGIES, cache);
    const key = queryCacheKey(query_results.prefix, { query: 'How do I pin a Rust toolchain?', researchType: 'implementation' }, query_results.keyStrategy);
    const first = await query_results.getOrCompute(key, async () => ({ answer: 'rust-toolchain.toml' }));
    expect(first).toEqual({ value: { answer: 'rust-toolchain.toml' }, source: 'computed', cached: true });
    const sameQuestion = queryCacheKey(query_results.prefix, { query: '  how do i pin a rust toolchain ', researchType: 'implementation' }, query_results.keyStrategy);
    expect(sameQuestion).toBe(key);
    const second = await query_results.getOrCompute(sameQuestion, async () => ({ answer: 'recomputed' }));
    expect(second).toEqual({ value: { answer: 'rust-toolchain.toml' }, source: 'memory', cached: true });
    expect(query_results.peek(key)).toEqual({ answer: 'rust-toolchain.toml' });
  });

  it('decodes a hot L1 entry once: repeated hits share one frozen value until it is replaced', async () => {
    const { cache, memory } = await openCache();
    const { query_results } = createCacheStrategies(STRATEGIES, cache);
    await query_results.set('qr:v1:shared:hot', { answer: 'first', sections: [{ heading: 'A' }] });
    const one = query_results.peek('qr:v1:shared:hot') as { answer: string; sections: { heading: string }[] };
    const two = query_results.peek('qr:v1:shared:hot');
    expect(two).toBe(one);
    expect(Object.isFrozen(one)).toBe(true);
    expect(Object.isFrozen(one.sections[0])).toBe(true);
    expect(() => {
      (one as { answer: string }).answer = 'mutated';
    }).toThrow(TypeError);
    // A new value for the key is decoded afresh, whichever way it reached L1.
    await query_results.set('qr:v1:shared:hot', { answer: 'second' });
    expect(query_results.peek('qr:v1:shared:hot')).toEqual({ answer: 'second' });
    await memory.set('qr:v1:shared:hot', JSON.stringify({ answer: 'written to L1 directly' }), 60_000);
    expect(query_results.peek('qr:v1:shared:hot')).toEqual({ answer: 'written to L1 directly' });
    await query_results.delete('qr:v1:shared:hot');
    expect(query_results.peek('qr:v1:shared:hot')).toBeUndefined();
  });

  it('deduplicates 100 concurrent identical requests into one computation', async () => {
    const { cache } = await openCache();
    // Typed values per strategy, as the pipeline will declare them.
    const { provider_responses } = createCacheStrategies<StrategyValues & { provider_responses: { text: string } }>(STRATEGIES, cache);
    let computations = 0;
    const compute = async (): Promise<{ text: string }> => {
      computations++;
      await new Promise((resolve) => setTimeout(resolve, 50));
      return { text: 'one upstream answer' };
    };
    const outcomes = await Promise.all(Array.from({ length: 100 }, () => provider_responses.getOrCompute('pr:v1:shared:dedup', compute)));
    expect(computations).toBe(1);
    expect(outcomes.every((outcome) => outcome.value.text === 'one upstream answer')).toBe(true);
    expect(outcomes.filter((outcome) => outcome.source === 'computed')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.source === 'shared')).toHaveLength(99);
    // Stored once, in the strategy's levels (redis, disk), and served from there afterwards.
    const later = await provider_responses.getOrCompute('pr:v1:shared:dedup', compute);
    expect(later.source).toBe('redis');
    expect(computations).toBe(1);
  });

  it('never caches an error: every waiter gets it and the next call computes again', async () => {
    const { cache } = await openCache();
    const { provider_responses } = createCacheStrategies(STRATEGIES, cache);
    let computations = 0;
    const failing = async (): Promise<{ text: string }> => {
      computations++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      throw new Error('upstream 503');
    };
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => provider_responses.getOrCompute('pr:v1:shared:err', failing)));
    expect(computations).toBe(1);
    expect(results.every((result) => result.status === 'rejected' && (result.reason as Error).message === 'upstream 503')).toBe(true);
    expect(await provider_responses.get('pr:v1:shared:err')).toBeUndefined();
    const recovered = await provider_responses.getOrCompute('pr:v1:shared:err', async () => ({ text: 'ok now' }));
    expect(recovered).toEqual({ value: { text: 'ok now' }, source: 'computed', cached: true });
    expect(computations).toBe(1);
  });

  it('never caches a partial value or one shouldCache rejects', async () => {
    const { cache } = await openCache();
    const { provider_responses } = createCacheStrategies(STRATEGIES, cache);
    const partial = await provider_responses.getOrCompute('pr:v1:shared:partial', async () => ({ text: 'half an ans', partial: true }));
    expect(partial.cached).toBe(false);
    expect(await provider_responses.get('pr:v1:shared:partial')).toBeUndefined();
    const vetoed = await provider_responses.getOrCompute('pr:v1:shared:veto', async () => ({ text: 'filtered' }), { shouldCache: () => false });
    expect(vetoed.cached).toBe(false);
    expect(await provider_responses.get('pr:v1:shared:veto')).toBeUndefined();
  });

  it('refresh skips the read but stores; bypass neither reads nor writes', async () => {
    const { cache } = await openCache();
    const { quality_evaluations } = createCacheStrategies(STRATEGIES, cache);
    await quality_evaluations.set('qe:v1:k', { score: 0.1 });
    const refreshed = await quality_evaluations.getOrCompute('qe:v1:k', async () => ({ score: 0.9 }), { directives: REFRESH_DIRECTIVES });
    expect(refreshed).toEqual({ value: { score: 0.9 }, source: 'computed', cached: true });
    expect((await quality_evaluations.get('qe:v1:k'))?.value).toEqual({ score: 0.9 });
    const bypassed = await quality_evaluations.getOrCompute('qe:v1:k', async () => ({ score: 0.5 }), { directives: BYPASS_DIRECTIVES });
    expect(bypassed).toEqual({ value: { score: 0.5 }, source: 'computed', cached: false });
    expect((await quality_evaluations.get('qe:v1:k'))?.value).toEqual({ score: 0.9 });
  });

  it('stores embeddings as float32 and clears one strategy without touching the others', async () => {
    const { cache, redis } = await openCache();
    const strategies = createCacheStrategies(STRATEGIES, cache);
    const vector = [0.25, -1.5, 3.0, 0.125];
    await strategies.embeddings.set('emb:v1:shared:v', vector);
    await strategies.query_results.set('qr:v1:shared:q', { a: 1 });
    expect(await redis.get('emb:v1:shared:v')).toBe(Buffer.from(Float32Array.from(vector).buffer).toString('base64'));
    expect((await strategies.embeddings.get('emb:v1:shared:v'))?.value).toEqual(vector);
    await strategies.embeddings.clear();
    expect(await strategies.embeddings.get('emb:v1:shared:v')).toBeUndefined();
    expect((await strategies.query_results.get('qr:v1:shared:q'))?.value).toEqual({ a: 1 });
  });

  it('treats an undecodable entry as a miss and removes it', async () => {
    const { cache, memory } = await openCache();
    const { query_results } = createCacheStrategies(STRATEGIES, cache);
    await memory.set('qr:v1:shared:bad', '{not json', 60_000);
    const outcome = await query_results.getOrCompute('qr:v1:shared:bad', async () => ({ fresh: true }));
    expect(outcome).toEqual({ value: { fresh: true }, source: 'computed', cached: true });
    expect(query_results.peek('qr:v1:shared:bad')).toEqual({ fresh: true });
  });
});
