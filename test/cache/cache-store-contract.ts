import { afterEach, describe, expect, it } from 'vitest';
import type { CacheStore } from '../../src/infrastructure/cache/cache-store.js';

/**
 * The contract every `CacheStore` honours, run against memory, Redis and disk by
 * `memory-store.test.ts`, `redis-store.test.ts` and `disk-store.test.ts`.
 */
export interface ContractHarness {
  /** A fresh, empty store whose level caps TTLs at `levelTtlSeconds`. */
  create(levelTtlSeconds: number): Promise<CacheStore>;
  /** Moves time forward: a fake clock for local levels, a real sleep for Redis. */
  advance(ms: number): Promise<void>;
  /** The store's notion of "now" (ms since epoch). */
  now(): number;
  /** Slack allowed when comparing expiries (0 with a fake clock). */
  toleranceMs: number;
}

export function runCacheStoreContract(name: string, harness: ContractHarness): void {
  describe(`CacheStore contract: ${name}`, () => {
    const opened: CacheStore[] = [];
    const create = async (levelTtlSeconds = 3600): Promise<CacheStore> => {
      const store = await harness.create(levelTtlSeconds);
      opened.push(store);
      return store;
    };

    afterEach(async () => {
      for (const store of opened.splice(0)) {
        await store.clear();
        await store.close();
      }
    });

    it('misses on an unknown key and returns what was set', async () => {
      const store = await create();
      expect(await store.get('contract:absent')).toBeUndefined();
      expect(await store.has('contract:absent')).toBe(false);
      expect(await store.set('contract:a', '{"answer":42}', 60_000)).toBe(true);
      expect(await store.get('contract:a')).toBe('{"answer":42}');
      expect(await store.has('contract:a')).toBe(true);
    });

    it('overwrites a key and keeps values byte-exact (unicode, large)', async () => {
      const store = await create();
      await store.set('contract:b', 'first', 60_000);
      await store.set('contract:b', 'second', 60_000);
      expect(await store.get('contract:b')).toBe('second');
      const large = `${'ünïcödé 🚀 '.repeat(5000)}\n\u0000end`;
      await store.set('contract:large', large, 60_000);
      expect(await store.get('contract:large')).toBe(large);
    });

    it('reports the expiry with getEntry', async () => {
      const store = await create();
      const before = harness.now();
      await store.set('contract:entry', 'v', 30_000);
      const entry = await store.getEntry('contract:entry');
      expect(entry?.value).toBe('v');
      expect(entry!.expiresAt).toBeGreaterThanOrEqual(before + 30_000 - harness.toleranceMs);
      expect(entry!.expiresAt).toBeLessThanOrEqual(harness.now() + 30_000 + harness.toleranceMs);
      expect(await store.getEntry('contract:none')).toBeUndefined();
    });

    it('deletes', async () => {
      const store = await create();
      await store.set('contract:d', 'v', 60_000);
      await store.delete('contract:d');
      expect(await store.get('contract:d')).toBeUndefined();
      await store.delete('contract:never-set');
    });

    it('expires entries after their TTL', async () => {
      const store = await create();
      await store.set('contract:short', 'v', 150);
      await store.set('contract:long', 'v', 60_000);
      await harness.advance(400);
      expect(await store.get('contract:short')).toBeUndefined();
      expect(await store.has('contract:short')).toBe(false);
      expect(await store.getEntry('contract:short')).toBeUndefined();
      expect(await store.get('contract:long')).toBe('v');
    });

    it("caps a TTL at the level's ttlSeconds and stores nothing for a non-positive TTL", async () => {
      const store = await create(1);
      await store.set('contract:capped', 'v', 3_600_000);
      const entry = await store.getEntry('contract:capped');
      expect(entry!.expiresAt).toBeLessThanOrEqual(harness.now() + 1000 + harness.toleranceMs);
      expect(await store.set('contract:zero', 'v', 0)).toBe(false);
      expect(await store.set('contract:negative', 'v', -5)).toBe(false);
      expect(await store.has('contract:zero')).toBe(false);
      expect(await store.has('contract:negative')).toBe(false);
    });

    it('clears one namespace or everything', async () => {
      const store = await create();
      await store.set('qr:v1:one', '1', 60_000);
      await store.set('qr:v1:two', '2', 60_000);
      await store.set('pr:v1:three', '3', 60_000);
      await store.clear('qr:');
      expect(await store.get('qr:v1:one')).toBeUndefined();
      expect(await store.get('qr:v1:two')).toBeUndefined();
      expect(await store.get('pr:v1:three')).toBe('3');
      await store.clear();
      expect(await store.get('pr:v1:three')).toBeUndefined();
    });

    it('counts hits, misses and sets in stats', async () => {
      const store = await create();
      await store.set('contract:s', 'v', 60_000);
      await store.get('contract:s');
      await store.get('contract:s');
      await store.get('contract:missing');
      const stats = await store.stats();
      expect(stats.level).toBe(store.level);
      expect(stats.healthy).toBe(true);
      expect(stats.sets).toBe(1);
      expect(stats.hits).toBe(2);
      expect(stats.misses).toBe(1);
      expect(stats.errors).toBe(0);
    });

    it('closes idempotently', async () => {
      const store = await harness.create(3600);
      await store.set('contract:c', 'v', 60_000);
      await store.clear();
      await store.close();
      await store.close();
    });
  });
}
