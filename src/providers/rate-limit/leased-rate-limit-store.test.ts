import { describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../clock.js';
import { LeasedRateLimitStore } from './leased-rate-limit-store.js';
import { MemoryRateLimitStore } from './memory-rate-limit-store.js';
import type { BucketSpec } from './rate-limit-store.js';
import { RateLimiter } from './rate-limiter.js';

/** A shared store that counts the calls reaching it (the round trips a real one would cost). */
class CountingStore extends MemoryRateLimitStore {
  calls = { acquire: 0, acquireMany: 0, adjust: 0, clamp: 0, block: 0 };

  override acquire(...args: Parameters<MemoryRateLimitStore['acquire']>) {
    this.calls.acquire += 1;
    return super.acquire(...args);
  }

  override acquireMany(...args: Parameters<MemoryRateLimitStore['acquireMany']>) {
    this.calls.acquireMany += 1;
    return super.acquireMany(...args);
  }

  override adjust(...args: Parameters<MemoryRateLimitStore['adjust']>) {
    this.calls.adjust += 1;
    return super.adjust(...args);
  }

  override clamp(...args: Parameters<MemoryRateLimitStore['clamp']>) {
    this.calls.clamp += 1;
    return super.clamp(...args);
  }

  override blockUntil(...args: Parameters<MemoryRateLimitStore['blockUntil']>) {
    this.calls.block += 1;
    return super.blockUntil(...args);
  }

  /** Kept open: the tests read what the lease layer gave back on its close. */
  override close() {
    return Promise.resolve();
  }

  get steps(): number {
    return this.calls.acquire + this.calls.acquireMany;
  }
}

/** Buckets that never refill, so every token is accounted for exactly. */
const STILL_REQUESTS: BucketSpec = { name: 'requests', capacity: 10_000, refillPerMs: 0 };
const STILL_TOKENS: BucketSpec = { name: 'tokens', capacity: 1_000_000, refillPerMs: 0 };
const STILL = [STILL_REQUESTS, STILL_TOKENS];
const COST = { requests: 1, tokens: 100 };

function setup(options: { shared?: CountingStore; clock?: ManualClock } = {}) {
  const clock = options.clock ?? createManualClock();
  const shared = options.shared ?? new CountingStore();
  const store = new LeasedRateLimitStore(shared, { clock, idleMs: 500 });
  return { clock, shared, store };
}

/** `count` acquires of `COST`, 1 ms apart; returns how many were granted. */
async function drive(store: LeasedRateLimitStore, clock: ManualClock, count: number, buckets: readonly BucketSpec[] = STILL): Promise<number> {
  let granted = 0;
  for (let index = 0; index < count; index += 1) {
    if ((await store.acquire('p', buckets, COST, clock.now())).granted) granted += 1;
    await clock.advance(1);
  }
  return granted;
}

describe('LeasedRateLimitStore', () => {
  it('far from the limits, grants most requests from local credit, already resolved', async () => {
    const { clock, shared, store } = setup();
    expect(await drive(store, clock, 200)).toBe(200);
    // Chunks grow with demand: far fewer shared steps than requests.
    expect(shared.steps).toBeLessThan(40);
    // A request the credit covers is granted without waiting for any other promise.
    let settled = false;
    void store.acquire('p', STILL, COST, clock.now()).then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(true);
    await store.close();
  });

  it('never leases from a bucket too small for a chunk: one shared step per request, as without leases', async () => {
    const { clock, shared, store } = setup();
    const small: BucketSpec = { name: 'requests', capacity: 11, refillPerMs: 1 };
    expect(await drive(store, clock, 100, [small, STILL_TOKENS])).toBe(100);
    expect(shared.steps).toBe(100);
    await store.close();
  });

  it('near the limit, asks the shared store for each request and grants exactly what a plain store grants', async () => {
    const buckets: BucketSpec[] = [{ name: 'requests', capacity: 1_000, refillPerMs: 0.2 }];
    const { clock, shared, store } = setup();
    const plain = new MemoryRateLimitStore();
    // Both buckets at 40% of capacity, below the lease floor.
    await shared.acquire('p', buckets, { requests: 600 }, clock.now());
    await plain.acquire('p', buckets, { requests: 600 }, clock.now());
    shared.calls.acquire = 0;
    const outcomes: [boolean, boolean][] = [];
    for (let index = 0; index < 600; index += 1) {
      const now = clock.now();
      const leased = await store.acquire('p', buckets, { requests: 1 }, now);
      const direct = await plain.acquire('p', buckets, { requests: 1 }, now);
      outcomes.push([leased.granted, direct.granted]);
      await clock.advance(1);
    }
    expect(outcomes.every(([leased, direct]) => leased === direct)).toBe(true);
    expect(outcomes.filter(([leased]) => !leased).length).toBeGreaterThan(0);
    expect(shared.steps).toBe(600);
    await store.close();
  });

  it('two processes over one shared store never grant more than capacity + rate × T + their leases over any window', async () => {
    const clock = createManualClock();
    const shared = new CountingStore();
    const bucket: BucketSpec = { name: 'requests', capacity: 500, refillPerMs: 0.2 };
    const processes = [new LeasedRateLimitStore(shared, { clock, idleMs: 500 }), new LeasedRateLimitStore(shared, { clock, idleMs: 500 })];
    const grants: number[] = [];
    // Demand ramps from a trickle (leases taken) to twice the rate (leases must stop, the bucket binds).
    for (let ms = 0; ms < 6_000; ms += 1) {
      const attempts = ms < 2_000 ? 0.1 : 0.4;
      for (const store of processes) {
        if ((ms * 7919 + processes.indexOf(store) * 31) % 100 < attempts * 100) {
          if ((await store.acquire('p', [bucket], { requests: 1 }, clock.now())).granted) grants.push(clock.now());
        }
      }
      await clock.advance(1);
    }
    const leaseBound = processes.length * Math.floor(bucket.capacity * 0.1);
    for (const windowMs of [100, 1_000, 3_000]) {
      let most = 0;
      for (let start = 0, end = 0; start < grants.length; start += 1) {
        while (end < grants.length && grants[end]! < grants[start]! + windowMs) end += 1;
        most = Math.max(most, end - start);
      }
      expect(most).toBeLessThanOrEqual(bucket.capacity + bucket.refillPerMs * windowMs + leaseBound);
    }
    // Over the whole run: what the shared bucket could ever give, and the limit did bind.
    expect(grants.length).toBeLessThanOrEqual(bucket.capacity + bucket.refillPerMs * 6_000 + leaseBound);
    expect(grants.length).toBeGreaterThan(bucket.refillPerMs * 4_000);
    await Promise.all(processes.map((store) => store.close()));
  });

  it('a provider 429 (blockUntil) drops the credit at once: the next request is refused', async () => {
    const { clock, shared, store } = setup();
    await drive(store, clock, 100);
    expect((await store.peek('p', STILL, clock.now())).remaining.requests).toBeGreaterThan((await shared.peek('p', STILL, clock.now())).remaining.requests!);
    await store.blockUntil('p', clock.now() + 1_000);
    const refused = await store.acquire('p', STILL, COST, clock.now());
    expect(refused).toEqual({ granted: false, waitMs: 1_000 });
    // The dropped credit is not granted after the block either: it was spent.
    await clock.advance(1_000);
    expect((await store.peek('p', STILL, clock.now())).remaining.requests).toBe((await shared.peek('p', STILL, clock.now())).remaining.requests);
    await store.close();
  });

  it('a reported remaining (clamp) bounds the credit and the shared level together', async () => {
    const { clock, store } = setup();
    await drive(store, clock, 100);
    await store.clamp('p', STILL_TOKENS, 250, clock.now());
    expect((await store.peek('p', STILL, clock.now())).remaining.tokens).toBeLessThanOrEqual(250);
    let granted = 0;
    for (let index = 0; index < 10; index += 1) if ((await store.acquire('p', STILL, COST, clock.now())).granted) granted += 1;
    // 100 tokens each from 250 remaining: two requests, then the first one's cost left the bucket in debt.
    expect(granted).toBeLessThanOrEqual(3);
    await store.close();
  });

  it('gives idle credit back to the shared store, and every token is accounted for', async () => {
    const { clock, shared, store } = setup();
    await drive(store, clock, 300);
    const held = (await store.peek('p', STILL, clock.now())).remaining.requests! - (await shared.peek('p', STILL, clock.now())).remaining.requests!;
    expect(held).toBeGreaterThan(0);
    await clock.advance(1_000);
    expect((await shared.peek('p', STILL, clock.now())).remaining).toEqual({ requests: 10_000 - 300, tokens: 1_000_000 - 300 * 100 });
    await store.close();
  });

  it('close gives the credit back, and refunds and overruns of usage settle through credit', async () => {
    const { clock, shared, store } = setup();
    await drive(store, clock, 300);
    const adjustsBefore = shared.calls.adjust;
    // Each call used 30 tokens more than its estimate, one 50 fewer.
    for (let index = 0; index < 20; index += 1) await store.adjust('p', STILL_TOKENS, -30, clock.now());
    await store.adjust('p', STILL_TOKENS, 50, clock.now());
    expect(shared.calls.adjust).toBe(adjustsBefore);
    await store.close();
    expect((await shared.peek('p', STILL, clock.now())).remaining).toEqual({ requests: 10_000 - 300, tokens: 1_000_000 - 300 * 100 - 20 * 30 + 50 });
  });

  it('passes a key that may not lease straight through', async () => {
    const clock = createManualClock();
    const shared = new CountingStore();
    const store = new LeasedRateLimitStore(shared, { clock, leases: (key) => key !== 'p' });
    expect(await drive(store, clock, 50)).toBe(50);
    expect(shared.steps).toBe(50);
    await store.close();
  });

  it('under a rate limiter, queued requests are granted from credit and every counter returns to 0', async () => {
    const clock = createManualClock();
    const shared = new CountingStore();
    const store = new LeasedRateLimitStore(shared, { clock, idleMs: 500 });
    const limiter = new RateLimiter('p', { requestsPerMinute: 6_000_000, tokensPerMinute: 600_000_000, maxConcurrent: 1_000 }, { store, clock });
    for (let round = 0; round < 50; round += 1) {
      const permits = await Promise.all(Array.from({ length: 20 }, () => limiter.acquire(100)));
      for (const permit of permits) {
        permit.settle(130);
        permit.release();
      }
      await clock.advance(5);
    }
    expect(shared.steps).toBeLessThan(250);
    const snapshot = await limiter.snapshot();
    expect(snapshot.inFlight).toBe(0);
    expect(snapshot.queued).toBe(0);
    await limiter.close();
    await store.close();
  });
});
