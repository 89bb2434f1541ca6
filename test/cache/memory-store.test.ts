import { describe, expect, it } from 'vitest';
import { MemoryCacheStore } from '../../src/infrastructure/cache/memory/memory-store.js';
import { runCacheStoreContract } from './cache-store-contract.js';
import { createFakeClock } from './helpers/fake-clock.js';

const MB = 1024 * 1024;

const clock = createFakeClock();

runCacheStoreContract('memory', {
  create: async (levelTtlSeconds) => new MemoryCacheStore({ maxSizeBytes: 8 * MB, ttlSeconds: levelTtlSeconds, clock, ttlResolutionMs: 0 }),
  advance: async (ms) => clock.advance(ms),
  now: () => clock.now(),
  toleranceMs: 0,
});

describe('MemoryCacheStore', () => {
  const value1k = 'x'.repeat(1000);

  it('bounds the cache by bytes and evicts the least recently used entry', async () => {
    // 0.01 MB = 10,485 bytes: ten 1 kB entries (plus keys and overhead) do not all fit.
    const store = new MemoryCacheStore({ maxSizeBytes: 10485, ttlSeconds: 60 });
    for (let index = 0; index < 9; index++) await store.set(`k${index}`, value1k, 60_000);
    expect(store.getSync('k0')).toBe(value1k); // k0 is now the most recently used
    for (let index = 9; index < 12; index++) await store.set(`k${index}`, value1k, 60_000);
    const stats = await store.stats();
    expect(stats.usedBytes).toBeLessThanOrEqual(stats.maxBytes!);
    expect(stats.evictions).toBeGreaterThan(0);
    expect(store.getSync('k0')).toBe(value1k);
    expect(store.getSync('k1')).toBeUndefined();
    expect(store.getSync('k11')).toBe(value1k);
  });

  it('refuses a single value larger than the whole level', async () => {
    const store = new MemoryCacheStore({ maxSizeBytes: 1048, ttlSeconds: 60 });
    expect(await store.set('huge', 'x'.repeat(5000), 60_000)).toBe(false);
    expect(store.getSync('huge')).toBeUndefined();
  });

  it('shrinkTo(0.5) keeps at most half the bytes, dropping the oldest first', async () => {
    const store = new MemoryCacheStore({ maxSizeBytes: MB, ttlSeconds: 60 });
    // Equal-sized entries (two-digit keys), so half the bytes is exactly ten entries.
    for (let index = 0; index < 20; index++) await store.set(`k${String(index).padStart(2, '0')}`, value1k, 60_000);
    const before = (await store.stats()).usedBytes!;
    const result = store.shrinkTo(0.5);
    const after = await store.stats();
    expect(after.usedBytes).toBeLessThanOrEqual(before / 2);
    expect(result.evicted).toBe(10);
    expect(result.freedBytes).toBe(before - after.usedBytes!);
    expect(store.getSync('k00')).toBeUndefined();
    expect(store.getSync('k09')).toBeUndefined();
    expect(store.getSync('k10')).toBe(value1k);
    expect(store.getSync('k19')).toBe(value1k);
    expect(after.extra?.shrinks).toBe(1);
  });

  it('rejects an eviction policy it does not implement', () => {
    expect(() => new MemoryCacheStore({ maxSizeBytes: MB, ttlSeconds: 60, evictionPolicy: 'lfu' as 'lru' })).toThrow(/only "lru"/);
  });
});
