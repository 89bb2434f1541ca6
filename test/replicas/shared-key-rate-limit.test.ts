import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisKeyRateLimiter } from '../../src/infrastructure/redis/redis-key-rate-limiter.js';
import { createRateLimiter } from '../../src/interface/http/rate-limiter.js';
import { connectRedis, deleteKeys, uniqueKeyPrefix } from '../support/redis-helpers.js';

let redis: Redis;
const prefixes: string[] = [];
beforeAll(() => {
  redis = connectRedis();
});
afterAll(async () => {
  for (const prefix of prefixes) await deleteKeys(redis, `${prefix}:*`);
  await redis.quit();
});

function newPrefix(): string {
  const prefix = uniqueKeyPrefix('key-limit');
  prefixes.push(prefix);
  return prefix;
}

describe('per-API-key limit shared in Redis', () => {
  it('decides exactly like the in-process limiter for one replica (burst, refill, headers)', async () => {
    let now = 1_700_000_000_000;
    const shared = createRedisKeyRateLimiter(redis, { keyPrefix: newPrefix(), now: () => now, fallback: createRateLimiter(() => now) });
    const local = createRateLimiter(() => now);
    for (const step of [0, 0, 0, 0, 0, 0, 1_000, 12_000, 0, 30_000, 0, 0]) {
      now += step;
      expect(await shared.take('team-a', 5)).toEqual(local.take('team-a', 5));
    }
  });

  it('two replicas draw on one bucket per key: 5 per minute in total, not 5 each', async () => {
    const prefix = newPrefix();
    const other = new Redis('redis://127.0.0.1:6379');
    const now = () => 1_700_000_000_000;
    const replicaA = createRedisKeyRateLimiter(redis, { keyPrefix: prefix, now, fallback: createRateLimiter(now) });
    const replicaB = createRedisKeyRateLimiter(other, { keyPrefix: prefix, now, fallback: createRateLimiter(now) });
    const decisions = [];
    for (let index = 0; index < 8; index++) decisions.push(await (index % 2 ? replicaB : replicaA).take('team-a', 5));
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, true, true, false, false, false]);
    expect(decisions[4]).toMatchObject({ remaining: 0, limit: 5 });
    expect(decisions[5]).toMatchObject({ retryAfterSeconds: 12 });
    expect((await replicaB.take('team-b', 5)).allowed).toBe(true); // keys are separate
    await other.quit();
  });

  it('falls back to the in-process limiter when Redis is unreachable', async () => {
    const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    dead.on('error', () => undefined);
    const errors: unknown[] = [];
    const limiter = createRedisKeyRateLimiter(dead, { keyPrefix: newPrefix(), fallback: createRateLimiter(), onDegraded: (error) => errors.push(error) });
    expect(await limiter.take('team-a', 1)).toMatchObject({ allowed: true });
    expect(await limiter.take('team-a', 1)).toMatchObject({ allowed: false });
    expect(errors).toHaveLength(2);
    dead.disconnect();
  });
});
