/** Helpers for tests that use the local Redis server (shared by every test file: keep keys unique). */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { CacheLogger } from '../../src/infrastructure/cache/cache-store.js';
import { RedisCacheStore, type RedisCacheOptions } from '../../src/infrastructure/redis/redis-cache-store.js';
import { RedisConnection, type RedisConnectionOptions } from '../../src/infrastructure/redis/redis-connection.js';

export const REDIS_URL = 'redis://127.0.0.1:6379';

/** A key prefix (or hash tag) no other test file, or run, uses. */
export function uniqueKeyPrefix(label: string): string {
  return `fortitude:test:${label}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

export function connectRedis(url: string = REDIS_URL): Redis {
  return new Redis(url, { maxRetriesPerRequest: 1 });
}

/** Deletes every key matching `pattern` (SCAN, so it is safe on a shared server). */
export async function deleteKeys(client: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) deleted += await client.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

/**
 * The L2 cache store on a `RedisConnection` of its own, as `serve` builds it (one connection, its
 * circuit the level's health). With `ready`, resolves once connected or throws. Close `connection`
 * when done: the store does not own it.
 */
export async function openRedisCacheStore(
  options: RedisCacheOptions,
  connectionOptions: Partial<RedisConnectionOptions> = {},
  deps: { logger?: CacheLogger; ready?: boolean } = {},
): Promise<{ store: RedisCacheStore; connection: RedisConnection }> {
  const connection = new RedisConnection({ url: REDIS_URL, ...connectionOptions }, deps.logger ? { logger: deps.logger } : {});
  if ((deps.ready ?? true) && !(await connection.waitUntilReady(10_000))) {
    await connection.close();
    throw new Error(`redis at ${connectionOptions.url ?? REDIS_URL} is not reachable`);
  }
  return { store: new RedisCacheStore(options, { connection, ...(deps.logger ? { logger: deps.logger } : {}) }), connection };
}
