import { ProviderError } from '../../core/errors.js';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { RateLimitInfo } from '../rate-limit-headers.js';
import { MemoryRateLimitStore } from './memory-rate-limit-store.js';
import type { BucketSpec, RateLimitStore } from './rate-limit-store.js';
import type { CancelSignal } from '../cancel-signal.js';

/** The seed's `rate_limit` block, in Fortitude units. Absent or zero limits mean unlimited. */
export interface RateLimitOptions {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  maxConcurrent?: number;
  /**
   * Requests allowed back-to-back above the steady rate: the request bucket holds
   * `1 + burstAllowance`, refilled at `requestsPerMinute / 60` per second (nginx `burst`); at
   * least 10 ms of the rate (limits above 6 000 per minute), so a timer wake-up can admit it.
   */
  burstAllowance?: number;
  /** Longest a request waits in the queue before failing with `rate_limited` (default 5 s). */
  maxQueueWaitMs?: number;
  /** Longest queue; a request arriving to a full queue fails at once (default 10 000). */
  maxQueueLength?: number;
}

export interface RateLimitPermit {
  /** Tokens taken from the token budget up front (the estimate). */
  readonly reservedTokens: number;
  /** Corrects the token budget with the usage the provider reported (input + output). */
  settle(actualTokens: number): void;
  /** Frees the concurrency slot. Idempotent. */
  release(): void;
}

export interface RateLimitSnapshot {
  /**
   * Requests the local bucket admits back-to-back right now (its burst headroom,
   * `1 + burst_allowance` when full), not a per-minute quota; undefined without a limit.
   */
  requestsRemaining: number | undefined;
  /**
   * Requests left in the provider's own quota, as its last response reported
   * (`x-ratelimit-remaining-requests`); undefined before such a response and after the
   * reported reset time has passed.
   */
  providerRequestsRemaining: number | undefined;
  tokensRemaining: number | undefined;
  inFlight: number;
  maxConcurrent: number | undefined;
  queued: number;
  /** ms until a provider-imposed pause ends (0 when none). */
  blockedForMs: number;
}

interface Waiter {
  costs: Record<string, number>;
  tokens: number;
  deadline: number;
  resolve(permit: RateLimitPermit): void;
  reject(error: unknown): void;
  settled: boolean;
  cleanup?: () => void;
}

const REQUESTS = 'requests';
const TOKENS = 'tokens';
/** How often, at best, a timer wakes a waiting queue (see the request bucket's capacity). */
const WAKE_WINDOW_MS = 10;
/** Most waiters asked of the store in one `acquireMany` step. */
const MAX_BATCH = 64;

function ignore(): void {}

/** A granted turn: one object per call (no closures); `release` is idempotent. */
class Permit implements RateLimitPermit {
  readonly #limiter: RateLimiter;
  #released = false;

  constructor(
    limiter: RateLimiter,
    readonly reservedTokens: number,
  ) {
    this.#limiter = limiter;
  }

  settle(actualTokens: number): void {
    this.#limiter.settlePermit(this.reservedTokens, actualTokens);
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#limiter.releasePermit();
  }
}

/**
 * Per-provider admission: token buckets for requests and tokens (in a `RateLimitStore`), a
 * concurrency cap, and one strict FIFO queue so a large request is not starved by small ones.
 * Only the head of the queue may take tokens; it waits for the exact refill time, bounded by
 * `maxQueueWaitMs`. Provider hints (`retry-after`, `x-ratelimit-remaining-*`) lower the budget.
 */
export class RateLimiter {
  readonly key: string;
  readonly #buckets: BucketSpec[];
  readonly #requests: BucketSpec | undefined;
  readonly #tokens: BucketSpec | undefined;
  /** The token bucket's level as last reported (undefined until a store step or the provider said). */
  #tokensLevel: number | undefined;
  #maxConcurrent: number;
  readonly #maxWaitMs: number;
  readonly #maxQueue: number;
  readonly #store: RateLimitStore;
  readonly #ownsStore: boolean;
  readonly #clock: Clock;
  readonly #queue: Waiter[] = [];
  #head = 0;
  #inFlight = 0;
  #pumping = false;
  #cancelWake: (() => void) | undefined;
  #closed = false;
  /** `tryAcquire`'s costs, reused: the store reads them during the call and keeps nothing. */
  readonly #scratchCosts: Record<string, number> = {};
  /** `tryAcquire`'s bucket levels after a grant, reused likewise. */
  readonly #scratchLevels: Record<string, number> = {};
  /** The provider's last reported request quota, and until when it holds (Infinity: no reset given). */
  #reported: { requests: number; until: number } | undefined;

  constructor(key: string, options: RateLimitOptions, deps: { store?: RateLimitStore; clock?: Clock } = {}) {
    this.key = key;
    this.#store = deps.store ?? new MemoryRateLimitStore();
    this.#ownsStore = deps.store === undefined;
    this.#clock = deps.clock ?? systemClock;
    const rpm = options.requestsPerMinute ?? 0;
    const tpm = options.tokensPerMinute ?? 0;
    // The queue is woken by a timer, so it can be served at most every WAKE_WINDOW_MS or so (timers
    // lag under load): a bucket holding less than that window's refill could never admit its own
    // rate. With a bucket of 1 (no burst), 100 000 000 per minute admitted one request per wake-up,
    // about 1 000 a second, and held `fortitude serve` there with the CPU idle (issue 17). So the
    // bucket holds at least one window of its rate: only limits above 6 000 per minute change
    // (≥ 2 at 12 000), and over any span T the bucket still admits ≤ capacity + rate × T.
    this.#requests =
      rpm > 0 ? { name: REQUESTS, capacity: Math.max(1 + (options.burstAllowance ?? 0), Math.floor((rpm / 60_000) * WAKE_WINDOW_MS)), refillPerMs: rpm / 60_000 } : undefined;
    // Token budgets are per minute at providers and may be spent at once: capacity = one minute.
    this.#tokens = tpm > 0 ? { name: TOKENS, capacity: tpm, refillPerMs: tpm / 60_000 } : undefined;
    this.#buckets = [this.#requests, this.#tokens].filter((bucket): bucket is BucketSpec => bucket !== undefined);
    this.#maxConcurrent = options.maxConcurrent && options.maxConcurrent > 0 ? options.maxConcurrent : Number.POSITIVE_INFINITY;
    this.#maxWaitMs = options.maxQueueWaitMs ?? 5_000;
    this.#maxQueue = options.maxQueueLength ?? 10_000;
  }

  /** The concurrency limit in force (`max_concurrent`; undefined = none). */
  get maxConcurrent(): number | undefined {
    return Number.isFinite(this.#maxConcurrent) ? this.#maxConcurrent : undefined;
  }

  /**
   * Changes the concurrency limit of the running limiter (the optimizer's actuator). Calls in
   * flight keep their slots; a raised limit admits queued calls at once, a lowered one takes
   * effect as calls finish.
   */
  setMaxConcurrent(limit: number): void {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`max_concurrent: expected a whole number ≥ 1 (got ${limit})`);
    this.#maxConcurrent = limit;
    if (this.#head < this.#queue.length) void this.#pump();
  }

  /** Whether token estimates matter (a `tokens_per_minute` limit is set). */
  get limitsTokens(): boolean {
    return this.#tokens !== undefined;
  }

  /**
   * Whether the `tokens_per_minute` limit can bind soon, so a prompt is worth counting exactly:
   * the token bucket was last seen below half full (by the store's answer to a shared step, or a
   * provider's `x-ratelimit-remaining-tokens`). Far from the limit — and before the first shared
   * step has said where the bucket stands — a generous rough estimate is taken instead; every
   * estimate is corrected with the reported usage when the call settles.
   */
  get tokensMayBind(): boolean {
    const tokens = this.#tokens;
    return tokens !== undefined && this.#tokensLevel !== undefined && this.#tokensLevel < tokens.capacity / 2;
  }

  /** Notes the token bucket's level a store step reported (a local grant from a lease reports none). */
  #learnLevel(remaining: Readonly<Record<string, number>> | undefined): void {
    const level = remaining?.[TOKENS];
    if (level !== undefined) this.#tokensLevel = level;
  }

  /**
   * A turn at once, or undefined: granted when nothing is queued, a concurrency slot is free and
   * the store decides in process that every bucket holds the cost (`tryAcquireNow`: in-memory
   * buckets, leased credit). The same grant `acquire` would give, without a queue entry, a
   * promise or a pump; on undefined, call `acquire` (which also reports closed or aborted).
   */
  tryAcquire(tokens: number, signal?: CancelSignal): RateLimitPermit | undefined {
    if (this.#closed || this.#pumping || this.#head < this.#queue.length || this.#inFlight >= this.#maxConcurrent || signal?.aborted) return undefined;
    if (this.#buckets.length > 0) {
      const store = this.#store;
      if (store.tryAcquireNow === undefined) return undefined;
      const costs = this.#scratchCosts;
      if (this.#requests) costs[REQUESTS] = 1;
      if (this.#tokens) costs[TOKENS] = tokens;
      // The level a grant reports is learned as from `acquire`'s answer (NaN: none reported, e.g. leased credit).
      const levels = this.#scratchLevels;
      if (this.#tokens) levels[TOKENS] = Number.NaN;
      if (!store.tryAcquireNow(this.key, this.#buckets, costs, this.#clock.now(), levels)) return undefined;
      if (this.#tokens && !Number.isNaN(levels[TOKENS])) this.#tokensLevel = levels[TOKENS];
    }
    this.#inFlight += 1;
    return new Permit(this, this.#tokens ? tokens : 0);
  }

  /**
   * Waits for a turn. Rejects with a `rate_limited` ProviderError when the wait would exceed
   * `maxQueueWaitMs` (as soon as that is certain), and with the signal's reason on abort.
   */
  acquire(tokens: number, signal?: CancelSignal): Promise<RateLimitPermit> {
    if (this.#closed) return Promise.reject(this.#error('the rate limiter is closed', 0));
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    const granted = this.tryAcquire(tokens);
    if (granted !== undefined) return Promise.resolve(granted);
    if (this.#queue.length - this.#head >= this.#maxQueue) {
      return Promise.reject(this.#error(`queue is full (${this.#maxQueue} waiting)`, undefined));
    }
    return new Promise<RateLimitPermit>((resolve, reject) => {
      const costs: Record<string, number> = {};
      if (this.#requests) costs[REQUESTS] = 1;
      if (this.#tokens) costs[TOKENS] = tokens;
      const waiter: Waiter = {
        costs,
        tokens: this.#tokens ? tokens : 0,
        deadline: this.#clock.now() + this.#maxWaitMs,
        resolve,
        reject,
        settled: false,
      };
      if (signal) {
        const onAbort = () => this.#fail(waiter, signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        waiter.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      this.#queue.push(waiter);
      void this.#pump();
    });
  }

  /** Applies a provider's rate-limit hints: a pause on `retry-after`, lower budgets on `remaining`. */
  observe(info: RateLimitInfo, status: number): void {
    const now = this.#clock.now();
    const work: Promise<void>[] = [];
    if (info.remainingRequests !== undefined) {
      this.#reported = { requests: info.remainingRequests, until: info.resetRequestsMs ? now + info.resetRequestsMs : Number.POSITIVE_INFINITY };
    }
    if (info.retryAfterMs !== undefined && (status === 429 || status === 503)) {
      work.push(this.#store.blockUntil(this.key, now + info.retryAfterMs));
    }
    if (this.#requests && info.remainingRequests !== undefined) {
      if (info.remainingRequests === 0 && info.resetRequestsMs) work.push(this.#store.blockUntil(this.key, now + info.resetRequestsMs));
      else work.push(this.#store.clamp(this.key, this.#requests, info.remainingRequests, now));
    }
    if (this.#tokens && info.remainingTokens !== undefined) {
      this.#tokensLevel = Math.min(this.#tokensLevel ?? info.remainingTokens, info.remainingTokens);
      work.push(this.#store.clamp(this.key, this.#tokens, info.remainingTokens, now));
    }
    void Promise.all(work).catch(() => undefined);
  }

  async snapshot(): Promise<RateLimitSnapshot> {
    const now = this.#clock.now();
    const levels = await this.#store.peek(this.key, this.#buckets, now);
    const remaining = (bucket: BucketSpec | undefined) =>
      bucket ? Math.max(0, Math.floor(levels.remaining[bucket.name] ?? bucket.capacity)) : undefined;
    return {
      requestsRemaining: remaining(this.#requests),
      providerRequestsRemaining: this.#reported && now < this.#reported.until ? this.#reported.requests : undefined,
      tokensRemaining: remaining(this.#tokens),
      inFlight: this.#inFlight,
      maxConcurrent: Number.isFinite(this.#maxConcurrent) ? this.#maxConcurrent : undefined,
      queued: this.#queue.length - this.#head,
      blockedForMs: levels.blockedUntil > now ? levels.blockedUntil - now : 0,
    };
  }

  /** Rejects every waiter; later acquires fail. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#cancelWake?.();
    for (let index = this.#head; index < this.#queue.length; index += 1) {
      this.#fail(this.#queue[index]!, this.#error('the rate limiter is closed', 0));
    }
    this.#queue.length = 0;
    this.#head = 0;
    if (this.#ownsStore) await this.#store.close();
  }

  /** Why a waiter is refused: what it has waited already counts toward the bound too. */
  #overWait(waiter: Waiter, now: number, waitMs: number): string {
    const queuedMs = Math.max(0, now - (waiter.deadline - this.#maxWaitMs));
    const already = queuedMs >= 1 ? ` more after ${Math.round(queuedMs)} ms queued` : '';
    return `would wait ${Math.ceil(waitMs)} ms${already}, over the ${this.#maxWaitMs} ms limit`;
  }

  #error(why: string, retryAfterMs: number | undefined): ProviderError {
    return new ProviderError(`${this.key}: local rate limit: ${why}`, {
      provider: this.key,
      errorClass: 'rate_limit',
      code: 'rate_limited',
      retryAfterMs,
      details: { local: true },
    });
  }

  #fail(waiter: Waiter, error: unknown): void {
    if (waiter.settled) return;
    waiter.settled = true;
    waiter.cleanup?.();
    waiter.reject(error);
  }

  #peekHead(): Waiter | undefined {
    while (this.#head < this.#queue.length) {
      const waiter = this.#queue[this.#head]!;
      if (!waiter.settled) return waiter;
      this.#shift();
    }
    return undefined;
  }

  #shift(): void {
    this.#head += 1;
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    } else if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    }
  }

  #permit(waiter: Waiter): RateLimitPermit {
    return new Permit(this, waiter.tokens);
  }

  /** A permit's `settle`: corrects the token bucket by what the estimate missed. */
  settlePermit(reservedTokens: number, actualTokens: number): void {
    const tokens = this.#tokens;
    if (!tokens || !Number.isFinite(actualTokens)) return;
    const delta = reservedTokens - actualTokens;
    if (delta !== 0) void this.#store.adjust(this.key, tokens, delta, this.#clock.now()).catch(ignore);
  }

  /** A permit's first `release`: frees its concurrency slot. */
  releasePermit(): void {
    this.#inFlight -= 1;
    if (this.#head < this.#queue.length) void this.#pump();
  }

  async #pump(): Promise<void> {
    if (this.#pumping || this.#closed) return;
    this.#pumping = true;
    this.#cancelWake?.();
    this.#cancelWake = undefined;
    try {
      for (let head = this.#peekHead(); head; head = this.#peekHead()) {
        const now = this.#clock.now();
        if (this.#inFlight >= this.#maxConcurrent) {
          // A release pumps again; the deadline wakes us to fail the head if none comes in time.
          this.#wakeAt(head.deadline - now);
          return;
        }
        if (this.#buckets.length > 0 && this.#store.acquireMany !== undefined && this.#queue.length - this.#head > 1) {
          if (await this.#acquireBatch(now)) continue;
          return;
        }
        const result =
          this.#buckets.length === 0 ? { granted: true, waitMs: 0 } : await this.#store.acquire(this.key, this.#buckets, head.costs, now);
        if (this.#tokens) this.#learnLevel(result.remaining);
        if (head.settled) {
          // Aborted while the store answered: give back what it took.
          if (result.granted) this.#refund(head);
          continue;
        }
        if (result.granted) {
          this.#shift();
          head.settled = true;
          head.cleanup?.();
          this.#inFlight += 1;
          head.resolve(this.#permit(head));
          continue;
        }
        const after = this.#clock.now();
        if (after + result.waitMs > head.deadline) {
          this.#shift();
          this.#fail(head, this.#error(this.#overWait(head, after, result.waitMs), result.waitMs));
          continue;
        }
        this.#wakeAt(result.waitMs);
        return;
      }
    } catch (error) {
      // The store failed (e.g. Redis down): fail the head rather than hang.
      const head = this.#peekHead();
      if (head) {
        this.#shift();
        this.#fail(head, error);
      }
      if (this.#head < this.#queue.length) this.#wakeAt(0);
    } finally {
      this.#pumping = false;
    }
  }

  /**
   * Several waiters at the head of the queue, up to the free concurrency slots, asked of the store
   * in one atomic step (`acquireMany`): it grants a prefix of them, in queue order, exactly as
   * one `acquire` each would with nothing in between; a shared store then costs one round trip per
   * batch instead of one per request (the queue otherwise drains one request per round trip).
   * Returns true to keep pumping, false when the pump has set its wake-up and must stop.
   */
  async #acquireBatch(now: number): Promise<boolean> {
    const batch: Waiter[] = [];
    const room = Math.min(MAX_BATCH, this.#maxConcurrent - this.#inFlight);
    for (let index = this.#head; index < this.#queue.length && batch.length < room; index += 1) {
      const waiter = this.#queue[index]!;
      if (!waiter.settled) batch.push(waiter);
    }
    const result = await this.#store.acquireMany!(
      this.key,
      this.#buckets,
      batch.map((waiter) => waiter.costs),
      now,
    );
    if (this.#tokens) this.#learnLevel(result.remaining);
    for (let index = 0; index < result.granted; index += 1) {
      const waiter = batch[index]!;
      // Aborted while the store answered: give back what it took.
      if (waiter.settled) {
        this.#refund(waiter);
        continue;
      }
      waiter.settled = true;
      waiter.cleanup?.();
      this.#inFlight += 1;
      waiter.resolve(this.#permit(waiter));
    }
    const refused = batch[result.granted];
    // Granted (settled) waiters leave the queue as the pump peeks past them.
    if (refused === undefined || refused.settled) return true;
    const after = this.#clock.now();
    if (after + result.waitMs > refused.deadline) {
      this.#fail(refused, this.#error(this.#overWait(refused, after, result.waitMs), result.waitMs));
      return true;
    }
    this.#wakeAt(result.waitMs);
    return false;
  }

  #refund(waiter: Waiter): void {
    const now = this.#clock.now();
    for (const bucket of this.#buckets) {
      const cost = waiter.costs[bucket.name] ?? 0;
      if (cost > 0) void this.#store.adjust(this.key, bucket, cost, now).catch(() => undefined);
    }
  }

  #wakeAt(delayMs: number): void {
    this.#cancelWake?.();
    this.#cancelWake = this.#clock.setTimer(Math.max(0, delayMs), () => {
      this.#cancelWake = undefined;
      const head = this.#peekHead();
      if (head && this.#inFlight >= this.#maxConcurrent && this.#clock.now() >= head.deadline) {
        this.#shift();
        this.#fail(head, this.#error(`no free slot within ${this.#maxWaitMs} ms (${this.#inFlight} in flight)`, undefined));
      }
      void this.#pump();
    });
  }
}
