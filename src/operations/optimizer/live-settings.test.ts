import { describe, expect, it } from 'vitest';
import { MemoryCacheStore } from '../../infrastructure/cache/memory/memory-store.js';
import { RateLimiter } from '../../providers/rate-limit/rate-limiter.js';
import { createLiveSettings } from './live-settings.js';

describe('live settings: the optimizer’s cache and concurrency actuators', () => {
  const strategy = () => {
    let ttlMs = 60_000;
    return { enabled: true, get ttlMs() { return ttlMs; }, setTtlSeconds: (seconds: number) => void (ttlMs = seconds * 1000) };
  };

  it('changes a strategy TTL, the memory size and a provider limit, and undoes each', async () => {
    const memory = new MemoryCacheStore({ maxSizeBytes: 4 * 1024 * 1024, ttlSeconds: 0 });
    await memory.set('kept', 'value', 60_000);
    const limiter = new RateLimiter('alpha', { maxConcurrent: 4 });
    const settings = createLiveSettings({ strategies: { query_results: strategy() }, memory, limiters: { alpha: limiter } });
    expect(settings.current()).toEqual({ cache: { strategies: { query_results: { ttlSeconds: 60 } }, memory: { maxSizeMb: 4, ttlSeconds: 0 } }, concurrency: { alpha: 4 } });

    const undoCache = await settings.setCacheSettings({ strategy: 'query_results', ttlSeconds: 120, memoryMaxSizeMb: 8 });
    const undoLimit = await settings.setConcurrency({ scope: 'alpha', limit: 2 });
    expect(settings.current()).toEqual({ cache: { strategies: { query_results: { ttlSeconds: 120 } }, memory: { maxSizeMb: 8, ttlSeconds: 0 } }, concurrency: { alpha: 2 } });
    expect(await memory.get('kept')).toBe('value'); // a resize keeps the entries
    expect((await memory.stats()).maxBytes).toBe(8 * 1024 * 1024);

    await undoCache();
    await undoLimit();
    expect(settings.current()).toEqual({ cache: { strategies: { query_results: { ttlSeconds: 60 } }, memory: { maxSizeMb: 4, ttlSeconds: 0 } }, concurrency: { alpha: 4 } });
    await limiter.close();
  });

  it('a lowered provider limit holds the next caller until a slot frees', async () => {
    const limiter = new RateLimiter('alpha', { maxConcurrent: 2, maxQueueWaitMs: 60_000 });
    const settings = createLiveSettings({ strategies: {}, limiters: { alpha: limiter } });
    await settings.setConcurrency({ scope: 'alpha', limit: 1 });
    const first = await limiter.acquire(0);
    let second = false;
    const waiting = limiter.acquire(0).then((permit) => {
      second = true;
      return permit;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(second).toBe(false);
    first.release();
    (await waiting).release();
    expect(second).toBe(true);
    await limiter.close();
  });

  it('refuses what it cannot change, naming it', () => {
    const settings = createLiveSettings({ strategies: {}, limiters: {} });
    expect(() => settings.setConcurrency({ scope: 'api', limit: 10 })).toThrow(/no API-wide limit/);
    expect(() => settings.setCacheSettings({ memoryMaxSizeMb: 10 })).toThrow(/memory level is disabled/);
    expect(() => settings.setCacheSettings({ strategy: 'nope', ttlSeconds: 10 })).toThrow(/no strategy "nope"/);
  });
});
