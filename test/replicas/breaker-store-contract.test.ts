import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBreakerStore } from '../../src/infrastructure/redis/redis-breaker-store.js';
import { DEFAULT_BREAKER_POLICY, type BreakerPolicy } from '../../src/providers/circuit-breaker/breaker-state.js';
import type { BreakerStore } from '../../src/providers/circuit-breaker/breaker-store.js';
import { CircuitBreaker } from '../../src/providers/circuit-breaker/circuit-breaker.js';
import { MemoryBreakerStore } from '../../src/providers/circuit-breaker/memory-breaker-store.js';
import { connectRedis, deleteKeys, uniqueKeyPrefix } from '../support/redis-helpers.js';

const policy: BreakerPolicy = { ...DEFAULT_BREAKER_POLICY, failureThreshold: 3, minimumRequests: 10, errorRateThreshold: 0.5, openDurationMs: 1_000 };
const T0 = 1_700_000_000_000;

let redis: Redis;
const prefixes: string[] = [];
beforeAll(() => {
  redis = connectRedis();
});
afterAll(async () => {
  for (const prefix of prefixes) await deleteKeys(redis, `${prefix}:*`);
  await redis.quit();
});

const redisStore = (options: { probeLeaseMs?: number } = {}) => {
  const prefix = uniqueKeyPrefix('breaker');
  prefixes.push(prefix);
  return new RedisBreakerStore(redis, { keyPrefix: prefix, ...options });
};

const implementations: [string, () => BreakerStore][] = [
  ['memory', () => new MemoryBreakerStore()],
  ['redis', () => redisStore()],
];

describe.each(implementations)('BreakerStore contract: %s', (_name, create) => {
  it('opens after N consecutive failures; a success in between resets the count', async () => {
    const store = create();
    for (const outcome of ['failure', 'failure', 'success', 'failure', 'failure'] as const) await store.record('p', policy, outcome, false, T0);
    expect((await store.snapshot('p', policy, T0)).state).toBe('closed');
    await store.record('p', policy, 'failure', false, T0);
    expect(await store.snapshot('p', policy, T0)).toMatchObject({ state: 'open', consecutiveFailures: 3, windowRequests: 6, windowFailures: 5, retryAfterMs: 1_000 });
    expect(await store.admit('p', policy, T0 + 500)).toEqual({ allowed: false, retryAfterMs: 500 });
    expect((await store.snapshot('other', policy, T0)).state).toBe('closed');
  });

  it('opens on the error ratio only once the window has the minimum volume, and forgets old buckets', async () => {
    const store = create();
    const ratio = { ...policy, failureThreshold: 100, windowMs: 10_000 };
    for (let index = 0; index < 8; index++) await store.record('p', ratio, index % 2 ? 'failure' : 'success', false, T0);
    expect((await store.snapshot('p', ratio, T0)).state).toBe('closed');
    await store.record('p', ratio, 'success', false, T0);
    await store.record('p', ratio, 'failure', false, T0);
    expect((await store.snapshot('p', ratio, T0)).state).toBe('open');
    expect(await store.snapshot('p', ratio, T0 + 20_000)).toMatchObject({ windowRequests: 0, windowFailures: 0, state: 'half_open' });
  });

  it('half-open admits one probe at a time; a probe success closes it, a neutral one frees the slot', async () => {
    const store = create();
    for (let index = 0; index < 3; index++) await store.record('p', policy, 'failure', false, T0);
    expect(await store.admit('p', policy, T0 + 1_000)).toEqual({ allowed: true, probe: true });
    expect((await store.admit('p', policy, T0 + 1_001)).allowed).toBe(false);
    await store.record('p', policy, 'neutral', true, T0 + 1_002);
    expect(await store.admit('p', policy, T0 + 1_003)).toEqual({ allowed: true, probe: true });
    await store.record('p', policy, 'success', true, T0 + 1_004);
    expect(await store.snapshot('p', policy, T0 + 1_005)).toMatchObject({ state: 'closed', consecutiveFailures: 0, windowRequests: 0 });
    expect(await store.admit('p', policy, T0 + 1_006)).toEqual({ allowed: true, probe: false });
  });

  it('a failed probe opens it again for a full period', async () => {
    const store = create();
    for (let index = 0; index < 3; index++) await store.record('p', policy, 'failure', false, T0);
    expect(await store.admit('p', policy, T0 + 1_000)).toEqual({ allowed: true, probe: true });
    await store.record('p', policy, 'failure', true, T0 + 1_500);
    expect((await store.admit('p', policy, T0 + 2_499)).allowed).toBe(false);
    expect(await store.admit('p', policy, T0 + 2_500)).toEqual({ allowed: true, probe: true });
  });
});

describe('RedisBreakerStore across replicas', () => {
  it('two stores (two replicas) share one breaker: failures seen by one open it for the other', async () => {
    const prefix = uniqueKeyPrefix('breaker-shared');
    prefixes.push(prefix);
    const replicaA = new RedisBreakerStore(redis, { keyPrefix: prefix, admitFromMemoryMs: 0 });
    const second = new Redis('redis://127.0.0.1:6379');
    const replicaB = new RedisBreakerStore(second, { keyPrefix: prefix, ownsClient: true, admitFromMemoryMs: 0 });
    let now = T0;
    const clock = { now: () => now, setTimer: () => () => undefined };
    const breakerA = new CircuitBreaker('openai', policy, { store: replicaA, clock });
    const breakerB = new CircuitBreaker('openai', policy, { store: replicaB, clock });
    await replicaA.record('openai', breakerA.policy, 'failure', false, now);
    await replicaB.record('openai', breakerB.policy, 'failure', false, now);
    await replicaA.record('openai', breakerA.policy, 'failure', false, now);
    await expect(breakerB.admit()).rejects.toMatchObject({ errorClass: 'circuit_open' });
    now += 1_000;
    // One probe for the whole fleet, not one per replica.
    expect(await breakerA.admit()).toBe(true);
    await expect(breakerB.admit()).rejects.toMatchObject({ errorClass: 'circuit_open' });
    await replicaA.record('openai', breakerA.policy, 'success', true, now);
    expect(await breakerB.admit()).toBe(false);
    await replicaB.close();
  });

  it('admits from memory while Redis last said closed: another replica opening it is seen within admitFromMemoryMs', async () => {
    const prefix = uniqueKeyPrefix('breaker-memory');
    prefixes.push(prefix);
    const replicaA = new RedisBreakerStore(redis, { keyPrefix: prefix });
    const second = new Redis('redis://127.0.0.1:6379');
    let sent = 0;
    const send = second.sendCommand.bind(second);
    second.sendCommand = (...args: Parameters<typeof send>) => {
      sent++;
      return send(...args);
    };
    const replicaB = new RedisBreakerStore(second, { keyPrefix: prefix, admitFromMemoryMs: 1_000, ownsClient: true });
    expect(await replicaB.admit('p', policy, T0)).toEqual({ allowed: true, probe: false }); // asked Redis: closed
    for (let index = 0; index < 3; index++) await replicaA.record('p', policy, 'failure', false, T0 + 10);
    const sentBefore = sent;
    expect(await replicaB.admit('p', policy, T0 + 500)).toEqual({ allowed: true, probe: false }); // from memory
    expect(sent).toBe(sentBefore); // no round-trip
    expect((await replicaB.admit('p', policy, T0 + 1_000)).allowed).toBe(false); // stale: asked Redis
    // Its own outcome tells it at once, too.
    expect(await replicaA.admit('p', policy, T0 + 2_000)).toEqual({ allowed: true, probe: true });
    await replicaA.record('p', policy, 'success', true, T0 + 2_000);
    expect(await replicaB.admit('p', policy, T0 + 2_001)).toEqual({ allowed: true, probe: false });
    await replicaB.record('p', policy, 'failure', false, T0 + 2_002);
    await replicaA.record('p', policy, 'failure', false, T0 + 2_003);
    await replicaA.record('p', policy, 'failure', false, T0 + 2_004);
    await replicaB.record('p', policy, 'success', false, T0 + 2_005); // a straggler: Redis answers "open"
    expect((await replicaB.admit('p', policy, T0 + 2_006)).allowed).toBe(false);
    await replicaB.close();
  });

  it('a probe slot held by a replica that died lapses after the lease', async () => {
    const store = redisStore({ probeLeaseMs: 5_000 });
    for (let index = 0; index < 3; index++) await store.record('p', policy, 'failure', false, T0);
    expect(await store.admit('p', policy, T0 + 1_000)).toEqual({ allowed: true, probe: true });
    // The prober is SIGKILLed: no outcome ever arrives.
    expect((await store.admit('p', policy, T0 + 5_999)).allowed).toBe(false);
    expect(await store.admit('p', policy, T0 + 6_000)).toEqual({ allowed: true, probe: true });
  });

  it('expires the hash once nothing in it matters, so idle providers cost nothing', async () => {
    const prefix = uniqueKeyPrefix('breaker-ttl');
    prefixes.push(prefix);
    const store = new RedisBreakerStore(redis, { keyPrefix: prefix });
    await store.record('p', policy, 'failure', false, Date.now());
    const ttl = await redis.pttl(`${prefix}:breaker:{p}`);
    expect(ttl).toBeGreaterThan(60_000);
    expect(ttl).toBeLessThanOrEqual(policy.windowMs + policy.openDurationMs + 60_000);
  });

  it('answers from a process-local breaker when Redis is unreachable, and counts it', async () => {
    const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    dead.on('error', () => undefined);
    const errors: unknown[] = [];
    const store = new RedisBreakerStore(dead, { keyPrefix: uniqueKeyPrefix('breaker-dead'), ownsClient: true, onDegraded: (error) => errors.push(error) });
    expect(await store.admit('p', policy, T0)).toEqual({ allowed: true, probe: false });
    for (let index = 0; index < 3; index++) await store.record('p', policy, 'failure', false, T0);
    expect((await store.admit('p', policy, T0 + 1)).allowed).toBe(false);
    expect(store.degradedCalls()).toBe(5);
    expect(errors).toHaveLength(5);
    await store.close();
  });
});
