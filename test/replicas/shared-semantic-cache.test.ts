import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLocalEmbedder } from '../../src/infrastructure/cache/semantic/local-embedder.js';
import { createSemanticCache, type SemanticCache } from '../../src/infrastructure/cache/semantic/semantic-cache.js';
import { RedisSemanticEntryStore } from '../../src/infrastructure/redis/redis-semantic-entry-store.js';
import { connectRedis, deleteKeys, uniqueKeyPrefix } from '../support/redis-helpers.js';

const tenant = { namespace: 'tenant-a', researchType: 'implementation', domain: 'database' };

let redis: Redis;
const prefixes: string[] = [];
const opened: Array<{ cache: SemanticCache<string>; store: RedisSemanticEntryStore<string> }> = [];

beforeAll(() => {
  redis = connectRedis();
});
afterEach(async () => {
  for (const { cache, store } of opened.splice(0)) {
    await cache.close();
    await store.close();
  }
});
afterAll(async () => {
  for (const prefix of prefixes) await deleteKeys(redis, `{${prefix}:semantic}:*`);
  await redis.quit();
});

/** One replica's semantic cache over the shared Redis store, subscribed like the app does. */
async function replica(prefix: string, options: { watch?: boolean } = {}) {
  const store = new RedisSemanticEntryStore<string>({ keyPrefix: prefix }, { client: redis, subscriber: redis.duplicate() });
  const cache = await createSemanticCache<string>({ sweepIntervalMs: 0 }, { embedder: createLocalEmbedder(), store });
  if (options.watch !== false) await store.watch({ onPut: (entry) => cache.adopt(entry), onDelete: (id) => cache.forget(id) });
  opened.push({ cache, store });
  return { cache, store };
}

function newPrefix(label: string): string {
  const prefix = uniqueKeyPrefix(label);
  prefixes.push(prefix);
  return prefix;
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('semantic cache entries shared through Redis', () => {
  it('an entry stored by one replica is found by the other, exactly and by a paraphrase', async () => {
    const prefix = newPrefix('semantic-share');
    const a = await replica(prefix);
    const b = await replica(prefix);
    await a.cache.store('How do I install Redis on Ubuntu 22.04?', tenant, 'answer-1');
    await until(() => b.cache.has('How do I install Redis on Ubuntu 22.04?', tenant));
    expect(await b.cache.lookup('how do I install redis on ubuntu 22.04', tenant)).toMatchObject({ kind: 'exact', entry: { value: 'answer-1' } });
    const paraphrase = await b.cache.lookup('How can I set up Redis on Ubuntu 22.04?', tenant);
    expect(paraphrase).toMatchObject({ kind: 'semantic', entry: { value: 'answer-1' } });
    // The verifier still refuses a different question on the replica that did not write it.
    expect((await b.cache.lookup('How do I install Redis on Ubuntu 20.04?', tenant)).kind).toBe('miss');
    expect(b.store.received()).toBe(1);
    expect(a.store.received()).toBe(0); // its own message is ignored
  });

  it('a replica started later loads what the others stored; a replaced answer replaces it everywhere', async () => {
    const prefix = newPrefix('semantic-late');
    const a = await replica(prefix);
    await a.cache.store('What is a B-tree index?', tenant, 'first');
    const b = await replica(prefix);
    expect(b.cache.stats().entries).toBe(1);
    expect((await b.cache.lookup('What is a B-tree index?', tenant)).entry?.value).toBe('first');
    await a.cache.store('What is a B-tree index?', tenant, 'second');
    await until(async () => (await b.cache.lookup('What is a B-tree index?', tenant)).entry?.value === 'second');
    expect(b.cache.stats().entries).toBe(1);
    expect(await redis.zcard(`{${prefix}:semantic}:ids`)).toBe(1);
  });

  it('a deletion on one replica removes the entry from the others', async () => {
    const prefix = newPrefix('semantic-delete');
    const a = await replica(prefix);
    const b = await replica(prefix);
    const entry = await a.cache.store('How do I vacuum a PostgreSQL table?', tenant, 'answer');
    await until(() => b.cache.has('How do I vacuum a PostgreSQL table?', tenant));
    await a.cache.delete(entry.id);
    await until(() => !b.cache.has('How do I vacuum a PostgreSQL table?', tenant));
    expect((await b.cache.lookup('How do I vacuum a PostgreSQL table?', tenant)).kind).toBe('miss');
  });

  it('entries published while a replica was not subscribed arrive with the resync', async () => {
    const prefix = newPrefix('semantic-resync');
    const a = await replica(prefix);
    const b = await replica(prefix, { watch: false });
    await a.cache.store('How do I rotate TLS certificates in nginx?', tenant, 'answer');
    expect(b.cache.has('How do I rotate TLS certificates in nginx?', tenant)).toBe(false);
    await b.store.watch({ onPut: (entry) => b.cache.adopt(entry), onDelete: (id) => b.cache.forget(id) });
    expect(b.cache.has('How do I rotate TLS certificates in nginx?', tenant)).toBe(true);
  });

  it('keys expire with the entry and share one hash tag (Cluster: one slot for MGET)', async () => {
    const prefix = newPrefix('semantic-ttl');
    const store = new RedisSemanticEntryStore<string>({ keyPrefix: prefix }, { client: redis });
    const cache = await createSemanticCache<string>({ sweepIntervalMs: 0, ttlMs: 60_000 }, { embedder: createLocalEmbedder(), store });
    opened.push({ cache, store });
    const entry = await cache.store('What is WAL in SQLite?', tenant, 'answer');
    const ttl = await redis.pttl(`{${prefix}:semantic}:entry:${entry.id}`);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    const slots = new Set((await redis.keys(`{${prefix}:semantic}:*`)).map((key) => key.slice(0, key.indexOf('}') + 1)));
    expect(slots).toEqual(new Set([`{${prefix}:semantic}`]));
  });
});
