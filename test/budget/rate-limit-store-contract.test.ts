import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMachineState } from '../../src/infrastructure/machine-state/machine-state-db.js';
import { SqliteRateLimitStore } from '../../src/infrastructure/machine-state/sqlite-rate-limit-store.js';
import { RedisRateLimitStore } from '../../src/infrastructure/redis/redis-rate-limit-store.js';
import { createManualClock } from '../../src/providers/clock.js';
import { LeasedRateLimitStore } from '../../src/providers/rate-limit/leased-rate-limit-store.js';
import { MemoryRateLimitStore } from '../../src/providers/rate-limit/memory-rate-limit-store.js';
import type { AcquireResult, BucketSpec, RateLimitStore } from '../../src/providers/rate-limit/rate-limit-store.js';
import { connectRedis, deleteKeys, uniqueKeyPrefix } from '../support/redis-helpers.js';

/** 60 per minute: one token per second, burst 3. */
const REQUESTS: BucketSpec = { name: 'requests', capacity: 3, refillPerMs: 1 / 1_000 };
const TOKENS: BucketSpec = { name: 'tokens', capacity: 1_000, refillPerMs: 1 };
const T0 = 1_000_000;

let redis: Redis;
const prefixes: string[] = [];
beforeAll(() => {
  redis = connectRedis();
});
afterAll(async () => {
  for (const prefix of prefixes) await deleteKeys(redis, `${prefix}:*`);
  await redis.quit();
});

/** What every store must say: granted or how long to wait (`remaining` is optional, checked below). */
function outcome(result: AcquireResult): Pick<AcquireResult, 'granted' | 'waitMs'> {
  return { granted: result.granted, waitMs: result.waitMs };
}

const implementations: [string, () => RateLimitStore][] = [
  ['sqlite', () => new SqliteRateLimitStore(openMachineState({ path: ':memory:' }), { ownsDatabase: true })],
  ['memory', () => new MemoryRateLimitStore()],
  [
    'redis',
    () => {
      const prefix = uniqueKeyPrefix('rate-contract');
      prefixes.push(prefix);
      return new RedisRateLimitStore(redis, { keyPrefix: prefix });
    },
  ],
];

describe.each(implementations)('RateLimitStore contract: %s', (_name, create) => {
  it('starts full, grants the burst, then says how long to wait', async () => {
    const store = create();
    for (let index = 0; index < 3; index++) expect(outcome(await store.acquire('p', [REQUESTS], { requests: 1 }, T0))).toEqual({ granted: true, waitMs: 0 });
    expect(outcome(await store.acquire('p', [REQUESTS], { requests: 1 }, T0))).toEqual({ granted: false, waitMs: 1_000 });
    expect(outcome(await store.acquire('p', [REQUESTS], { requests: 1 }, T0 + 400))).toEqual({ granted: false, waitMs: 600 });
    expect(outcome(await store.acquire('p', [REQUESTS], { requests: 1 }, T0 + 1_000))).toEqual({ granted: true, waitMs: 0 });
    expect((await store.peek('p', [REQUESTS], T0 + 1_500)).remaining.requests).toBeCloseTo(0.5, 9);
  });

  it('takes from all buckets or none', async () => {
    const store = create();
    expect(outcome(await store.acquire('p', [REQUESTS, TOKENS], { requests: 1, tokens: 900 }, T0))).toEqual({ granted: true, waitMs: 0 });
    expect(outcome(await store.acquire('p', [REQUESTS, TOKENS], { requests: 1, tokens: 300 }, T0))).toEqual({ granted: false, waitMs: 200 });
    const levels = await store.peek('p', [REQUESTS, TOKENS], T0);
    expect(levels.remaining).toEqual({ requests: 2, tokens: 100 });
  });

  it('grants a cost above capacity from a full bucket, leaving it in debt', async () => {
    const store = create();
    expect((await store.acquire('p', [TOKENS], { tokens: 1_500 }, T0)).granted).toBe(true);
    expect((await store.peek('p', [TOKENS], T0)).remaining.tokens).toBe(-500);
    expect(outcome(await store.acquire('p', [TOKENS], { tokens: 1 }, T0))).toEqual({ granted: false, waitMs: 501 });
  });

  it('adjusts (capped at capacity) and clamps (never raises)', async () => {
    const store = create();
    await store.acquire('p', [TOKENS], { tokens: 600 }, T0);
    await store.adjust('p', TOKENS, -100, T0);
    expect((await store.peek('p', [TOKENS], T0)).remaining.tokens).toBe(300);
    await store.adjust('p', TOKENS, 5_000, T0);
    expect((await store.peek('p', [TOKENS], T0)).remaining.tokens).toBe(1_000);
    await store.clamp('p', TOKENS, 250, T0);
    await store.clamp('p', TOKENS, 900, T0);
    expect((await store.peek('p', [TOKENS], T0)).remaining.tokens).toBe(250);
  });

  it('refuses everything while blocked and keeps the later deadline', async () => {
    const store = create();
    await store.blockUntil('p', T0 + 2_000);
    await store.blockUntil('p', T0 + 1_000);
    expect(outcome(await store.acquire('p', [REQUESTS], { requests: 1 }, T0))).toEqual({ granted: false, waitMs: 2_000 });
    expect((await store.peek('p', [REQUESTS], T0)).blockedUntil).toBe(T0 + 2_000);
    expect((await store.acquire('p', [REQUESTS], { requests: 1 }, T0 + 2_000)).granted).toBe(true);
    expect((await store.peek('p', [REQUESTS], T0 + 2_000)).blockedUntil).toBe(0);
  });

  it('reports the levels a grant leaves, as peek sees them (the lease layer leases only while they are high)', async () => {
    const store = create();
    const first = await store.acquire('p', [REQUESTS, TOKENS], { requests: 1, tokens: 300 }, T0);
    expect(first.remaining).toEqual({ requests: 2, tokens: 700 });
    const many = await store.acquireMany?.('p', [REQUESTS, TOKENS], [{ requests: 1, tokens: 100 }, { requests: 1, tokens: 100 }], T0 + 10);
    if (many) expect(many.remaining).toEqual((await store.peek('p', [REQUESTS, TOKENS], T0 + 10)).remaining);
  });

  it('never refills when a caller’s clock is behind', async () => {
    const store = create();
    for (let index = 0; index < 3; index++) await store.acquire('p', [REQUESTS], { requests: 1 }, T0 + 5_000);
    expect((await store.acquire('p', [REQUESTS], { requests: 1 }, T0)).granted).toBe(false);
  });

  it('leased by two processes (the lease layer over it): grants at most what the buckets hold, and every token comes back on close', async () => {
    const shared = create();
    const clock = createManualClock(T0);
    // Close gives credit back, then closes the store it wraps: keep the shared one open to read it.
    const open: RateLimitStore = {
      acquire: (...args) => shared.acquire(...args),
      ...(shared.acquireMany ? { acquireMany: shared.acquireMany.bind(shared) } : {}),
      adjust: (...args) => shared.adjust(...args),
      clamp: (...args) => shared.clamp(...args),
      blockUntil: (...args) => shared.blockUntil(...args),
      peek: (...args) => shared.peek(...args),
      close: () => Promise.resolve(),
    };
    const processes = [new LeasedRateLimitStore(open, { clock }), new LeasedRateLimitStore(open, { clock })];
    // Never refill: every token is accounted for.
    const still: BucketSpec[] = [
      { name: 'requests', capacity: 400, refillPerMs: 0 },
      { name: 'tokens', capacity: 40_000, refillPerMs: 0 },
    ];
    let granted = 0;
    for (let index = 0; index < 600; index += 1) {
      if ((await processes[index % 2]!.acquire('p', still, { requests: 1, tokens: 50 }, clock.now())).granted) granted += 1;
      await clock.advance(1);
    }
    expect(granted).toBeLessThanOrEqual(400);
    await Promise.all(processes.map((store) => store.close()));
    expect((await shared.peek('p', still, clock.now())).remaining).toEqual({ requests: 400 - granted, tokens: 40_000 - granted * 50 });
  });
});
