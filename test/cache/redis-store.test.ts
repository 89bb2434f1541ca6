import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPRESSION_MARKER } from '../../src/infrastructure/redis/compression.js';
import type { RedisCacheOptions, RedisCacheStore } from '../../src/infrastructure/redis/redis-cache-store.js';
import type { RedisConnection } from '../../src/infrastructure/redis/redis-connection.js';
import { openRedisCacheStore, REDIS_URL } from '../support/redis-helpers.js';
import { runCacheStoreContract } from './cache-store-contract.js';

/** Unique per file run, so parallel suites and helpers never see each other's keys. */
const FILE_PREFIX = `test:fortitude-cache:${randomUUID()}:`;
const connections: RedisConnection[] = [];
afterAll(async () => {
  for (const connection of connections.splice(0)) await connection.close();
});

async function openStore(options: Partial<RedisCacheOptions> = {}): Promise<RedisCacheStore> {
  const opened = await openRedisCacheStore({
    ttlSeconds: 3600,
    keyPrefix: `${FILE_PREFIX}${randomUUID()}:`,
    compression: true,
    compressionThresholdBytes: 1024,
    commandTimeoutMs: 1000,
    ...options,
  });
  connections.push(opened.connection);
  return opened.store;
}

runCacheStoreContract('redis', {
  create: (levelTtlSeconds) => openStore({ ttlSeconds: levelTtlSeconds }),
  advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
  toleranceMs: 50,
});

describe('RedisCacheStore', () => {
  let raw: Redis;

  beforeAll(() => {
    raw = new Redis(REDIS_URL);
  });

  afterAll(async () => {
    // Belt and braces: nothing this file wrote may outlive it.
    const keys = await raw.keys(`${FILE_PREFIX}*`);
    if (keys.length > 0) await raw.unlink(...keys);
    await raw.quit();
  });

  it('stores large values compressed behind a marker byte and small ones raw', async () => {
    const store = await openStore({ compression: 'gzip' });
    const prefix = `${FILE_PREFIX}`;
    const large = JSON.stringify({ answer: 'the same sentence again. '.repeat(400) });
    await store.set('big', large, 60_000);
    await store.set('small', 'tiny', 60_000);
    const [bigKey] = await raw.keys(`${prefix}*big`);
    const [smallKey] = await raw.keys(`${prefix}*small`);
    const bigRaw = await raw.getBuffer(bigKey!);
    const smallRaw = await raw.getBuffer(smallKey!);
    expect(bigRaw![0]).toBe(COMPRESSION_MARKER.gzip);
    expect(bigRaw!.length).toBeLessThan(large.length / 5);
    expect(smallRaw![0]).toBe(COMPRESSION_MARKER.none);
    expect(await store.get('big')).toBe(large);
    expect((await store.stats()).extra?.compressedWrites).toBe(1);
    await store.clear();
    await store.close();
  });

  it('reads brotli values written by a differently configured replica', async () => {
    const prefix = `${FILE_PREFIX}${randomUUID()}:`;
    const writer = await openStore({ keyPrefix: prefix, compression: 'brotli' });
    const reader = await openStore({ keyPrefix: prefix, compression: false });
    const large = 'brotli brotli brotli '.repeat(500);
    await writer.set('shared', large, 60_000);
    expect(await reader.get('shared')).toBe(large);
    await writer.clear();
    await writer.close();
    await reader.close();
  });

  it('sets the TTL in Redis with PX and reports memory usage', async () => {
    const store = await openStore();
    await store.set('ttl', 'v', 5000);
    const [key] = await raw.keys(`${FILE_PREFIX}*:ttl`);
    const pttl = await raw.pttl(key!);
    expect(pttl).toBeGreaterThan(4000);
    expect(pttl).toBeLessThanOrEqual(5000);
    const stats = await store.stats();
    expect(stats.usedBytes).toBeGreaterThan(0);
    expect(typeof stats.extra?.maxmemoryPolicy).toBe('string');
    expect(stats.extra?.mode).toBe('standalone');
    await store.clear();
    await store.close();
  });

  it('treats a value it cannot decode as a miss, not an error for the caller', async () => {
    const store = await openStore({ keyPrefix: `${FILE_PREFIX}foreign:` });
    await raw.set(`${FILE_PREFIX}foreign:bad`, Buffer.from([0x7f, 1, 2, 3]));
    expect(await store.get('bad')).toBeUndefined();
    expect((await store.stats()).errors).toBe(1);
    await store.clear();
    await store.close();
  });

  it('clear stays inside its own key prefix', async () => {
    const mine = await openStore();
    const theirs = await openStore();
    await mine.set('k', '1', 60_000);
    await theirs.set('k', '2', 60_000);
    await mine.clear();
    expect(await mine.get('k')).toBeUndefined();
    expect(await theirs.get('k')).toBe('2');
    await theirs.clear();
    await mine.close();
    await theirs.close();
  });
});
