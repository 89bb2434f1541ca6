import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../core/errors.js';
import { TryCancel } from '../cancel-signal.js';
import { createManualClock } from '../clock.js';
import { MemoryRateLimitStore } from './memory-rate-limit-store.js';
import { RateLimiter } from './rate-limiter.js';
import type { RateLimitPermit } from './rate-limiter.js';

/** Tracks the order in which acquires settle. */
function track(order: string[], label: string, promise: Promise<RateLimitPermit>) {
  const state: { permit?: RateLimitPermit; error?: unknown } = {};
  promise.then(
    (permit) => {
      order.push(label);
      state.permit = permit;
    },
    (error: unknown) => {
      order.push(`${label}:rejected`);
      state.error = error;
    },
  );
  return state;
}

/** A memory store whose `held` method answers only when the test calls `answer()` (its latest call): a store on a loaded machine. */
class HeldStore extends MemoryRateLimitStore {
  answer: () => void = () => undefined;
  readonly #held: 'acquire' | 'acquireMany';

  constructor(held: 'acquire' | 'acquireMany') {
    super();
    this.#held = held;
  }

  /** A store that answers later (a shared one) never decides in process. */
  override tryAcquireNow(): boolean {
    return false;
  }

  override acquire(...args: Parameters<MemoryRateLimitStore['acquire']>) {
    return this.#hold('acquire', () => super.acquire(...args));
  }

  override acquireMany(...args: Parameters<MemoryRateLimitStore['acquireMany']>) {
    return this.#hold('acquireMany', () => super.acquireMany(...args));
  }

  #hold<T>(method: 'acquire' | 'acquireMany', call: () => Promise<T>): Promise<T> {
    if (method !== this.#held) return call();
    return new Promise<T>((resolve) => (this.answer = () => resolve(call())));
  }
}

describe('RateLimiter', () => {
  it('lets a burst of 1 + burst_allowance through, then spaces requests at the steady rate', async () => {
    const clock = createManualClock();
    // 60 rpm = one per second, burst 2 → 3 at once.
    const limiter = new RateLimiter('p', { requestsPerMinute: 60, burstAllowance: 2, maxQueueWaitMs: 10_000 }, { clock });
    const order: string[] = [];
    for (const label of ['a', 'b', 'c', 'd', 'e']) track(order, label, limiter.acquire(0));
    await clock.advance(0);
    expect(order).toEqual(['a', 'b', 'c']);
    await clock.advance(999);
    expect(order).toEqual(['a', 'b', 'c']);
    await clock.advance(1);
    expect(order).toEqual(['a', 'b', 'c', 'd']);
    await clock.advance(1000);
    expect(order).toEqual(['a', 'b', 'c', 'd', 'e']);
    await limiter.close();
  });

  it('grants at once (tryAcquire) only what the queue would grant next, and never past a waiter', async () => {
    const clock = createManualClock();
    const limiter = new RateLimiter('p', { requestsPerMinute: 60, tokensPerMinute: 100, burstAllowance: 1, maxConcurrent: 2, maxQueueWaitMs: 10_000 }, { clock });
    const first = limiter.tryAcquire(40)!;
    expect(first.reservedTokens).toBe(40);
    // Tokens short (60 left): no grant at once, nothing taken; the queue decides.
    expect(limiter.tryAcquire(70)).toBeUndefined();
    const queued = limiter.acquire(70);
    // Something is queued: a small request that fits does not overtake it.
    expect(limiter.tryAcquire(1)).toBeUndefined();
    await clock.advance(0); // the queue's first look: refused, it waits for the refill
    first.settle(10); // 30 tokens back: 90 left, the queued one fits
    first.release();
    first.release(); // idempotent
    await clock.advance(0);
    const second = await queued;
    expect((await limiter.snapshot()).inFlight).toBe(1);
    expect((await limiter.snapshot()).tokensRemaining).toBe(20);
    // Request bucket (2) spent: refused at once, granted by the queue after the refill.
    expect(limiter.tryAcquire(1)).toBeUndefined();
    second.release();
    await limiter.close();
    expect(limiter.tryAcquire(1)).toBeUndefined();
  });

  it('learns the token level from a grant at once as from the queue (tokensMayBind)', async () => {
    const clock = createManualClock();
    const limiter = new RateLimiter('p', { tokensPerMinute: 100 }, { clock });
    expect(limiter.tokensMayBind).toBe(false);
    limiter.tryAcquire(30)!.release();
    expect(limiter.tokensMayBind).toBe(false); // 70 left
    limiter.tryAcquire(30)!.release();
    expect(limiter.tokensMayBind).toBe(true); // 40 left: below half
    await limiter.close();
  });

  it('is strictly FIFO: a large token request at the head is not overtaken by small ones', async () => {
    const clock = createManualClock();
    // 6000 tpm = 100 tokens per second, bucket of 6000.
    const limiter = new RateLimiter('p', { tokensPerMinute: 6000, maxQueueWaitMs: 60_000 }, { clock });
    const order: string[] = [];
    track(order, 'first', limiter.acquire(5900));
    track(order, 'big', limiter.acquire(500)); // needs 400 more tokens → 4 s
    track(order, 'small', limiter.acquire(10)); // would fit at once, but must wait its turn
    await clock.advance(0);
    expect(order).toEqual(['first']);
    await clock.advance(3_999);
    expect(order).toEqual(['first']);
    await clock.advance(1);
    expect(order).toEqual(['first', 'big']);
    await clock.advance(100);
    expect(order).toEqual(['first', 'big', 'small']);
    await limiter.close();
  });

  it('fails with rate_limited as soon as the wait is known to exceed the bound', async () => {
    const clock = createManualClock();
    const limiter = new RateLimiter('p', { requestsPerMinute: 6, maxQueueWaitMs: 5_000 }, { clock }); // 10 s per request
    const order: string[] = [];
    track(order, 'a', limiter.acquire(0));
    const b = track(order, 'b', limiter.acquire(0));
    await clock.advance(0);
    expect(order).toEqual(['a', 'b:rejected']);
    expect(b.error).toBeInstanceOf(ProviderError);
    const error = b.error as ProviderError;
    expect(error.code).toBe('rate_limited');
    expect(error.errorClass).toBe('rate_limit');
    expect(error.retryAfterMs).toBe(10_000);
    expect(error.message).toMatch(/local rate limit/);
    await limiter.close();
  });

  it('caps concurrency and fails a waiter whose bounded wait for a slot runs out', async () => {
    const clock = createManualClock();
    const limiter = new RateLimiter('p', { maxConcurrent: 2, maxQueueWaitMs: 1_000 }, { clock });
    const order: string[] = [];
    const a = track(order, 'a', limiter.acquire(0));
    track(order, 'b', limiter.acquire(0));
    track(order, 'c', limiter.acquire(0));
    const d = track(order, 'd', limiter.acquire(0));
    await clock.advance(0);
    expect(order).toEqual(['a', 'b']);
    a.permit!.release();
    a.permit!.release(); // idempotent: frees one slot only
    await clock.advance(0);
    expect(order).toEqual(['a', 'b', 'c']);
    await clock.advance(1_000);
    expect(order).toEqual(['a', 'b', 'c', 'd:rejected']);
    expect((d.error as ProviderError).code).toBe('rate_limited');
    expect((await limiter.snapshot()).inFlight).toBe(2);
    await limiter.close();
  });

  it('removes an aborted waiter without disturbing the queue', async () => {
    const clock = createManualClock();
    const limiter = new RateLimiter('p', { maxConcurrent: 1, maxQueueWaitMs: 10_000 }, { clock });
    const order: string[] = [];
    const a = track(order, 'a', limiter.acquire(0));
    const controller = new AbortController();
    track(order, 'b', limiter.acquire(0, controller.signal));
    track(order, 'c', limiter.acquire(0));
    await clock.advance(0);
    controller.abort(new Error('client went away'));
    await clock.advance(0);
    a.permit!.release();
    await clock.advance(0);
    expect(order).toEqual(['a', 'b:rejected', 'c']);
    await limiter.close();
  });

  it('pauses on a provider retry-after and lowers budgets on remaining headers', async () => {
    const clock = createManualClock();
    const limiter = new RateLimiter('p', { requestsPerMinute: 600, burstAllowance: 99, tokensPerMinute: 60_000, maxQueueWaitMs: 10_000 }, { clock });
    limiter.observe({ retryAfterMs: 2_000 }, 429);
    await clock.advance(0);
    const order: string[] = [];
    track(order, 'a', limiter.acquire(10));
    await clock.advance(1_999);
    expect(order).toEqual([]);
    await clock.advance(1);
    expect(order).toEqual(['a']);
    limiter.observe({ remainingRequests: 5, remainingTokens: 100 }, 200);
    await clock.advance(0);
    const snapshot = await limiter.snapshot();
    expect(snapshot.requestsRemaining).toBe(5);
    expect(snapshot.tokensRemaining).toBe(100);
    await limiter.close();
  });

  it('says the token limit may bind only once a store step or the provider showed the bucket below half full', async () => {
    const clock = createManualClock();
    const store = new MemoryRateLimitStore();
    const limiter = new RateLimiter('p', { tokensPerMinute: 1_000 }, { clock, store });
    expect(limiter.tokensMayBind).toBe(false); // nothing known yet: the first call estimates roughly
    (await limiter.acquire(300)).release();
    expect(limiter.tokensMayBind).toBe(false); // 700 of 1,000 left
    (await limiter.acquire(250)).release();
    expect(limiter.tokensMayBind).toBe(true); // 450 left: below half, prompts are counted exactly
    await clock.advance(60_000); // refilled, and the next step says so
    (await limiter.acquire(10)).release();
    expect(limiter.tokensMayBind).toBe(false);
    limiter.observe({ remainingTokens: 100 }, 200); // the provider reports few tokens left
    expect(limiter.tokensMayBind).toBe(true);
    await limiter.close();
    await store.close();

    const requestsOnly = new RateLimiter('q', { requestsPerMinute: 60 }, { clock });
    (await requestsOnly.acquire(0)).release();
    expect(requestsOnly.tokensMayBind).toBe(false); // no token limit at all
    await requestsOnly.close();
  });

  it('corrects the token estimate with the reported usage', async () => {
    const clock = createManualClock();
    const store = new MemoryRateLimitStore();
    const limiter = new RateLimiter('p', { tokensPerMinute: 1_000 }, { clock, store });
    const permit = await limiter.acquire(100);
    expect((await limiter.snapshot()).tokensRemaining).toBe(900);
    permit.settle(400); // used 300 more than estimated
    permit.release();
    await clock.advance(0);
    expect((await limiter.snapshot()).tokensRemaining).toBe(600);
    await limiter.close();
    await store.close();
  });

  it('asks the store once per batch of queued waiters, keeping FIFO order and the limit', async () => {
    const clock = createManualClock();
    const calls = { acquire: 0, acquireMany: 0 };
    const counting = new (class extends MemoryRateLimitStore {
      override acquire(...args: Parameters<MemoryRateLimitStore['acquire']>) {
        calls.acquire++;
        return super.acquire(...args);
      }
      override acquireMany(...args: Parameters<MemoryRateLimitStore['acquireMany']>) {
        calls.acquireMany++;
        return super.acquireMany(...args);
      }
    })();
    // 20 requests of burst; 30 arrive in one turn.
    const limiter = new RateLimiter('p', { requestsPerMinute: 60, burstAllowance: 19, maxQueueWaitMs: 100 }, { clock, store: counting });
    const order: string[] = [];
    const labels = Array.from({ length: 30 }, (_, index) => `r${index}`);
    for (const label of labels) track(order, label, limiter.acquire(0));
    await clock.advance(0);
    expect(order.filter((entry) => !entry.endsWith(':rejected'))).toEqual(labels.slice(0, 20));
    // The 21st would wait 1 s, over the 100 ms bound: it and those behind it fail, none jumps the queue.
    expect(order.slice(20)).toEqual(labels.slice(20).map((label) => `${label}:rejected`));
    expect(calls.acquire + calls.acquireMany).toBeLessThan(15);
    await limiter.close();
  });

  it('a refusal after time in the queue says how long it queued, not only what it would still wait', async () => {
    const clock = createManualClock();
    // The store answers 300 ms late (a loaded machine): the waiter has queued that long already.
    const slow = new HeldStore('acquire');
    const limiter = new RateLimiter('p', { requestsPerMinute: 60, burstAllowance: 0, maxQueueWaitMs: 1_000 }, { clock, store: slow });
    const first = limiter.acquire(0);
    await clock.advance(0);
    slow.answer();
    await first;
    const second = limiter.acquire(0);
    await clock.advance(300);
    slow.answer();
    await expect(second).rejects.toThrow(/would wait \d+ ms more after 300 ms queued, over the 1000 ms limit/);
    await limiter.close();
  });

  it('gives back what a batch took for a waiter aborted while the store answered', async () => {
    const clock = createManualClock();
    const slow = new HeldStore('acquireMany');
    const limiter = new RateLimiter('p', { requestsPerMinute: 60, burstAllowance: 4, maxQueueWaitMs: 10_000 }, { clock, store: slow });
    const first = limiter.acquire(0);
    const signal = new TryCancel();
    const second = limiter.acquire(0, signal);
    const third = limiter.acquire(0);
    await clock.advance(0);
    signal.cancel(new Error('client gone'));
    slow.answer();
    await expect(second).rejects.toThrow('client gone');
    await Promise.all([first, third]);
    // 5 of burst, 2 taken: the aborted one's request went back.
    expect((await limiter.snapshot()).requestsRemaining).toBe(3);
    await limiter.close();
  });

  it('reaches a very high request rate although a timer wakes the queue at most every millisecond or so', async () => {
    const clock = createManualClock();
    // 6 000 000 per minute = 100 per ms, no burst configured: before, the bucket held 1 and each wake-up admitted one.
    const limiter = new RateLimiter('p', { requestsPerMinute: 6_000_000, maxQueueWaitMs: 10_000 }, { clock });
    const order: string[] = [];
    for (let index = 0; index < 3_000; index++) track(order, `r${index}`, limiter.acquire(0));
    const settle = async () => {
      for (let turn = 0; turn < 50; turn++) await clock.advance(0);
    };
    await settle();
    expect(order.length).toBe(1_000); // 10 ms of the rate
    await clock.advance(10);
    await settle();
    expect(order.length).toBe(2_000); // and 10 ms later, 10 ms more: the rate holds, nothing beyond it
    expect(order.every((entry) => !entry.endsWith(':rejected'))).toBe(true);
    await limiter.close();
  });

  it('rejects waiters when closed', async () => {
    const clock = createManualClock();
    const limiter = new RateLimiter('p', { maxConcurrent: 1 }, { clock });
    await limiter.acquire(0);
    const waiting = limiter.acquire(0);
    await limiter.close();
    await expect(waiting).rejects.toMatchObject({ code: 'rate_limited' });
  });
});
