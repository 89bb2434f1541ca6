/** Helpers for tests that use the local Redis server (shared by every test file: keep keys unique). */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

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
