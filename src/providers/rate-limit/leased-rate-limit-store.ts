import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { AcquireManyResult, AcquireResult, BucketLevels, BucketSpec, RateLimitStore } from './rate-limit-store.js';

export interface LeaseOptions {
  /** Whether a key's buckets may be leased (default: every key); the others pass straight through. */
  leases?: (key: string) => boolean;
  /** Largest credit a process holds per bucket, as a share of its capacity (default 0.1). */
  maxChunkShare?: number;
  /** Leases only while every shared bucket keeps at least this share of its capacity after the lease (default 0.5). */
  floorShare?: number;
  /** Credit unused this long goes back to the shared store (default 500 ms); also the demand window. */
  idleMs?: number;
  /** Time and timers (default: the system clock). */
  clock?: Clock;
}

/** What one process holds for one key. Credit per bucket: tokens taken from the shared store and not yet granted (negative: usage not yet charged there). */
interface Lease {
  readonly specs: Map<string, BucketSpec>;
  readonly credit: Record<string, number>;
  /** Refunds above the credit cap, returned on the next sweep. */
  readonly surplus: Record<string, number>;
  /** Costs granted in the current demand window, and in the one before. */
  used: Record<string, number>;
  grants: number;
  previousUsed: Record<string, number>;
  previousGrants: number;
  windowStart: number;
  /** The shared levels after this process's last shared step, and when. */
  remaining: Readonly<Record<string, number>> | undefined;
  remainingAt: number;
  /** The last shared step left every bucket above the floor: credit may be taken and refunds kept. */
  leasing: boolean;
  lastUse: number;
  blockedUntil: number;
  /** Bumped when credit is dropped (block, clamp): a lease in flight then is not kept. */
  epoch: number;
  renewing: boolean;
}

/** A lease must cover at least this many more of the recent average request, or it is not worth taking. */
const MIN_REQUESTS_PER_LEASE = 2;
/** Grants per demand window below which nothing is leased (a process doing a few requests a second asks each time). */
const MIN_GRANTS_PER_WINDOW = 4;

/**
 * Rate-limit tokens leased in chunks from a shared store (SQLite for the machine, Redis for the
 * fleet), so a process far from its provider's limits grants requests from local credit, with no
 * store round trip, and the store sees one step per chunk instead of one per request.
 *
 * - A request its credit covers in every bucket is granted at once (the promise is already
 *   resolved). Otherwise it asks the store for what the credit lacks plus a chunk, as one atomic
 *   step (`acquireMany` with the chunk as the last entry, so a refused chunk never refuses the
 *   request): the chunk is at most `maxChunkShare` of each bucket's capacity, at most half the
 *   key's demand over the last `idleMs`, at least two average requests, and is asked only while
 *   every shared bucket stays at or above `floorShare` of its capacity after it (as its last
 *   reported level says). Otherwise the request asks for its exact cost: near the limit this is
 *   the plain store, one shared step per request (or per queued batch).
 * - Credit unused for `idleMs` goes back to the store (`adjust`), as does all of it on `close()`.
 *   Usage above an estimate (a negative `adjust`) is taken from credit, or owed and charged with
 *   the next shared step (at most `idleMs` later); a refund adds to credit up to the cap.
 * - `blockUntil` (the provider said 429) drops the key's credit at once; `clamp` (the provider
 *   reported fewer remaining) lowers credit to the reported level and the shared bucket to what
 *   is left, so credit plus the shared level never exceeds what the provider reported.
 *
 * Leased tokens are taken from the shared bucket before they are granted, so over any span T the
 * processes together grant at most capacity + rate × T, plus the credit they held at its start:
 * at most `maxChunkShare` of capacity per bucket per process (docs/operations.md).
 */
export class LeasedRateLimitStore implements RateLimitStore {
  readonly #shared: RateLimitStore;
  readonly #leases = new Map<string, Lease>();
  readonly #enabled: (key: string) => boolean;
  readonly #maxChunkShare: number;
  readonly #floorShare: number;
  readonly #idleMs: number;
  readonly #clock: Clock;
  #cancelSweep: (() => void) | undefined;
  #closed = false;

  constructor(shared: RateLimitStore, options: LeaseOptions = {}) {
    this.#shared = shared;
    this.#enabled = options.leases ?? (() => true);
    this.#maxChunkShare = options.maxChunkShare ?? 0.1;
    this.#floorShare = options.floorShare ?? 0.5;
    this.#idleMs = options.idleMs ?? 500;
    this.#clock = options.clock ?? systemClock;
  }

  acquire(key: string, buckets: readonly BucketSpec[], costs: Readonly<Record<string, number>>, now: number): Promise<AcquireResult> {
    const lease = this.#lease(key, buckets);
    if (lease === undefined) return this.#shared.acquire(key, buckets, costs, now);
    if (this.#takeLocal(lease, buckets, costs, now)) return Promise.resolve({ granted: true, waitMs: 0 });
    return this.#acquireShared(key, lease, buckets, costs, now);
  }

  /** A grant from this process's credit, when it covers every bucket; never a shared step. */
  tryAcquireNow(key: string, buckets: readonly BucketSpec[], costs: Readonly<Record<string, number>>, now: number, levels?: Record<string, number>): boolean {
    const lease = this.#lease(key, buckets);
    if (lease === undefined) return this.#shared.tryAcquireNow?.(key, buckets, costs, now, levels) ?? false;
    return this.#takeLocal(lease, buckets, costs, now);
  }

  async acquireMany(key: string, buckets: readonly BucketSpec[], costs: readonly Readonly<Record<string, number>>[], now: number): Promise<AcquireManyResult> {
    const lease = this.#lease(key, buckets);
    let granted = 0;
    if (lease !== undefined) while (granted < costs.length && this.#takeLocal(lease, buckets, costs[granted]!, now)) granted += 1;
    if (granted === costs.length) return { granted, waitMs: 0 };
    const rest = costs.slice(granted);
    if (lease === undefined) {
      if (this.#shared.acquireMany) return this.#shared.acquireMany(key, buckets, rest, now);
      return sequential(rest, (cost) => this.#shared.acquire(key, buckets, cost, now));
    }
    if (this.#shared.acquireMany === undefined) {
      // One shared step per request, as the limiter does with such a store; each may bring a chunk that serves the next.
      const result = await sequential(rest, (cost) =>
        this.#takeLocal(lease, buckets, cost, now) ? Promise.resolve({ granted: true, waitMs: 0 }) : this.#acquireShared(key, lease, buckets, cost, now),
      );
      return { granted: granted + result.granted, waitMs: result.waitMs };
    }
    // The rest at their exact costs in one shared step (the queue's batch; the first also pays any debt), and a chunk after them when far from the limits.
    const debt: Record<string, number> = {};
    for (const bucket of buckets) debt[bucket.name] = Math.max(0, -(lease.credit[bucket.name] ?? 0));
    const first: Record<string, number> = {};
    for (const bucket of buckets) first[bucket.name] = (rest[0]![bucket.name] ?? 0) + debt[bucket.name]!;
    const chunk = this.#chunk(lease, buckets, undefined, now);
    const epoch = lease.epoch;
    if (chunk) lease.renewing = true;
    try {
      const asked = [first, ...rest.slice(1)];
      const result = await this.#shared.acquireMany(key, buckets, chunk ? [...asked, chunk] : asked, now);
      const grantedRest = Math.min(result.granted, rest.length);
      if (grantedRest > 0) for (const bucket of buckets) lease.credit[bucket.name] = (lease.credit[bucket.name] ?? 0) + debt[bucket.name]!;
      for (let index = 0; index < grantedRest; index += 1) this.#record(lease, buckets, rest[index]!, now);
      this.#learn(lease, buckets, result.remaining, now);
      if (chunk && result.granted === rest.length + 1) this.#credit(lease, buckets, chunk, epoch, now);
      return { granted: granted + grantedRest, waitMs: grantedRest < rest.length ? result.waitMs : 0 };
    } finally {
      if (chunk) lease.renewing = false;
    }
  }

  adjust(key: string, bucket: BucketSpec, delta: number, now: number): Promise<void> {
    const lease = this.#closed || !this.#enabled(key) ? undefined : this.#leases.get(key);
    if (lease === undefined || !lease.leasing || now < lease.blockedUntil) {
      // Not leasing: straight to the store as without leases (credit still absorbs a charge it covers).
      const credit = lease?.credit[bucket.name] ?? 0;
      if (lease && delta < 0 && credit >= -delta) {
        lease.credit[bucket.name] = credit + delta;
        return Promise.resolve();
      }
      return this.#shared.adjust(key, bucket, delta, now);
    }
    lease.specs.set(bucket.name, bucket);
    const credit = (lease.credit[bucket.name] ?? 0) + delta;
    const cap = this.#maxCredit(bucket);
    lease.credit[bucket.name] = Math.min(credit, cap);
    if (credit > cap) lease.surplus[bucket.name] = (lease.surplus[bucket.name] ?? 0) + credit - cap;
    this.#scheduleSweep();
    return Promise.resolve();
  }

  clamp(key: string, bucket: BucketSpec, tokens: number, now: number): Promise<void> {
    const lease = this.#leases.get(key);
    if (lease === undefined) return this.#shared.clamp(key, bucket, tokens, now);
    lease.epoch += 1;
    const credit = Math.min(lease.credit[bucket.name] ?? 0, Math.max(0, tokens));
    lease.credit[bucket.name] = credit;
    if (tokens < bucket.capacity * this.#floorShare) lease.leasing = false;
    // What this process holds counts against the reported remaining too.
    return this.#shared.clamp(key, bucket, tokens - Math.max(0, credit), now);
  }

  blockUntil(key: string, untilMs: number): Promise<void> {
    const lease = this.#leases.get(key);
    if (lease !== undefined) {
      // The provider refuses every request until then: no request may be granted from credit. Debts stay owed.
      lease.epoch += 1;
      lease.leasing = false;
      lease.blockedUntil = Math.max(lease.blockedUntil, untilMs);
      for (const name of Object.keys(lease.credit)) lease.credit[name] = Math.min(0, lease.credit[name]!);
    }
    return this.#shared.blockUntil(key, untilMs);
  }

  /** The shared levels plus this process's credit: what this process can grant right now. */
  async peek(key: string, buckets: readonly BucketSpec[], now: number): Promise<BucketLevels> {
    const levels = await this.#shared.peek(key, buckets, now);
    const lease = this.#leases.get(key);
    if (lease === undefined) return levels;
    const remaining: Record<string, number> = {};
    for (const bucket of buckets) {
      const level = levels.remaining[bucket.name] ?? bucket.capacity;
      remaining[bucket.name] = Math.min(bucket.capacity, level + (lease.credit[bucket.name] ?? 0));
    }
    return { remaining, blockedUntil: levels.blockedUntil };
  }

  /** Returns every credit (and charges every debt) to the shared store, then closes it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancelSweep?.();
    this.#cancelSweep = undefined;
    const now = this.#clock.now();
    await Promise.allSettled([...this.#leases.entries()].flatMap(([key, lease]) => this.#settle(key, lease, now, true)));
    this.#leases.clear();
    await this.#shared.close();
  }

  /** The key's lease, or undefined when it is not leased (switched off, or the store is closed). */
  #lease(key: string, buckets: readonly BucketSpec[]): Lease | undefined {
    if (this.#closed || !this.#enabled(key)) return undefined;
    let lease = this.#leases.get(key);
    if (lease === undefined) {
      lease = {
        specs: new Map(),
        credit: {},
        surplus: {},
        used: {},
        grants: 0,
        previousUsed: {},
        previousGrants: 0,
        windowStart: this.#clock.now(),
        remaining: undefined,
        remainingAt: 0,
        leasing: false,
        lastUse: 0,
        blockedUntil: 0,
        epoch: 0,
        renewing: false,
      };
      this.#leases.set(key, lease);
    }
    for (const bucket of buckets) if (lease.specs.get(bucket.name) !== bucket) lease.specs.set(bucket.name, bucket);
    return lease;
  }

  /** Grants `costs` from credit when it covers every bucket (and no block is known). */
  #takeLocal(lease: Lease, buckets: readonly BucketSpec[], costs: Readonly<Record<string, number>>, now: number): boolean {
    if (now < lease.blockedUntil) return false;
    for (const bucket of buckets) if ((lease.credit[bucket.name] ?? 0) < (costs[bucket.name] ?? 0)) return false;
    for (const bucket of buckets) lease.credit[bucket.name] = (lease.credit[bucket.name] ?? 0) - (costs[bucket.name] ?? 0);
    this.#record(lease, buckets, costs, now);
    return true;
  }

  /**
   * One shared step for a request the credit does not cover: what the credit lacks (its debt
   * included), plus a chunk when far from the limits.
   */
  async #acquireShared(key: string, lease: Lease, buckets: readonly BucketSpec[], costs: Readonly<Record<string, number>>, now: number): Promise<AcquireResult> {
    const ask: Record<string, number> = {};
    for (const bucket of buckets) ask[bucket.name] = Math.max(0, (costs[bucket.name] ?? 0) - (lease.credit[bucket.name] ?? 0));
    const chunk = this.#chunk(lease, buckets, costs, now);
    const epoch = lease.epoch;
    if (chunk) lease.renewing = true;
    try {
      let result: AcquireResult;
      let leased = false;
      if (chunk && this.#shared.acquireMany) {
        const many = await this.#shared.acquireMany(key, buckets, [ask, chunk], now);
        result = { granted: many.granted > 0, waitMs: many.granted > 0 ? 0 : many.waitMs, ...(many.remaining ? { remaining: many.remaining } : {}) };
        leased = many.granted === 2;
      } else if (chunk) {
        const both: Record<string, number> = {};
        for (const bucket of buckets) both[bucket.name] = ask[bucket.name]! + (chunk[bucket.name] ?? 0);
        result = await this.#shared.acquire(key, buckets, both, now);
        leased = result.granted;
        if (!result.granted) result = await this.#shared.acquire(key, buckets, ask, now);
      } else {
        result = await this.#shared.acquire(key, buckets, ask, now);
      }
      this.#learn(lease, buckets, result.remaining, now);
      if (!result.granted) return { granted: false, waitMs: result.waitMs };
      // The credit paid its share of the cost (a debt was paid with the ask): what is left of it stays.
      for (const bucket of buckets) {
        const credit = lease.credit[bucket.name] ?? 0;
        lease.credit[bucket.name] = credit + ask[bucket.name]! - (costs[bucket.name] ?? 0);
      }
      this.#record(lease, buckets, costs, now);
      if (leased) this.#credit(lease, buckets, chunk!, epoch, now);
      return { granted: true, waitMs: 0 };
    } finally {
      if (chunk) lease.renewing = false;
    }
  }

  /**
   * The chunk to lease with a request of `costs` (undefined: none): bounded by the cap, by half
   * the recent demand, and by the floor the shared levels must keep.
   */
  #chunk(lease: Lease, buckets: readonly BucketSpec[], costs: Readonly<Record<string, number>> | undefined, now: number): Record<string, number> | undefined {
    if (!lease.leasing || lease.renewing || lease.remaining === undefined || now < lease.blockedUntil) return undefined;
    this.#roll(lease, now);
    const grants = Math.max(lease.grants, lease.previousGrants);
    if (grants < MIN_GRANTS_PER_WINDOW) return undefined;
    const chunk: Record<string, number> = {};
    let any = false;
    for (const bucket of buckets) {
      const cost = costs?.[bucket.name] ?? 0;
      const credit = lease.credit[bucket.name] ?? 0;
      const leftover = Math.max(0, credit - cost);
      const demand = Math.max(lease.used[bucket.name] ?? 0, lease.previousUsed[bucket.name] ?? 0);
      const average = demand / grants;
      const size = Math.max(0, Math.min(this.#maxCredit(bucket) - leftover, Math.ceil(demand / 2)));
      if (average > 0 && leftover + size < MIN_REQUESTS_PER_LEASE * average) return undefined;
      const ask = Math.max(0, cost - credit);
      const elapsed = Math.max(0, now - lease.remainingAt);
      const level = Math.min(bucket.capacity, (lease.remaining[bucket.name] ?? bucket.capacity) + elapsed * bucket.refillPerMs);
      if (level - ask - size < bucket.capacity * this.#floorShare) return undefined;
      chunk[bucket.name] = size;
      if (size > 0) any = true;
    }
    return any ? chunk : undefined;
  }

  /** The shared levels a step reported: leasing goes on while every bucket is above the floor. */
  #learn(lease: Lease, buckets: readonly BucketSpec[], remaining: Readonly<Record<string, number>> | undefined, now: number): void {
    lease.remaining = remaining;
    lease.remainingAt = now;
    lease.leasing =
      remaining !== undefined && now >= lease.blockedUntil && buckets.every((bucket) => (remaining[bucket.name] ?? bucket.capacity) >= bucket.capacity * this.#floorShare);
  }

  /** Adds a granted chunk to credit, unless credit was dropped (block, clamp) while it was asked: then it is simply spent. */
  #credit(lease: Lease, buckets: readonly BucketSpec[], chunk: Readonly<Record<string, number>>, epoch: number, now: number): void {
    if (lease.epoch !== epoch) return;
    for (const bucket of buckets) lease.credit[bucket.name] = (lease.credit[bucket.name] ?? 0) + (chunk[bucket.name] ?? 0);
    lease.lastUse = now;
    this.#scheduleSweep();
  }

  #record(lease: Lease, buckets: readonly BucketSpec[], costs: Readonly<Record<string, number>>, now: number): void {
    this.#roll(lease, now);
    for (const bucket of buckets) lease.used[bucket.name] = (lease.used[bucket.name] ?? 0) + (costs[bucket.name] ?? 0);
    lease.grants += 1;
    lease.lastUse = now;
  }

  /** Starts a new demand window once the current one is `idleMs` old (the previous one is forgotten after two). */
  #roll(lease: Lease, now: number): void {
    const age = now - lease.windowStart;
    if (age < this.#idleMs) return;
    lease.previousUsed = age < 2 * this.#idleMs ? lease.used : {};
    lease.previousGrants = age < 2 * this.#idleMs ? lease.grants : 0;
    lease.used = {};
    lease.grants = 0;
    lease.windowStart = now;
  }

  #maxCredit(bucket: BucketSpec): number {
    return Math.floor(bucket.capacity * this.#maxChunkShare);
  }

  /** Sends back a lease's surplus, and when idle (or `all`) its credit and debts. */
  #settle(key: string, lease: Lease, now: number, all: boolean): Promise<void>[] {
    const work: Promise<void>[] = [];
    const idle = all || now - lease.lastUse >= this.#idleMs;
    for (const [name, bucket] of lease.specs) {
      const surplus = lease.surplus[name] ?? 0;
      const credit = idle ? (lease.credit[name] ?? 0) : 0;
      if (surplus !== 0) lease.surplus[name] = 0;
      if (credit !== 0) lease.credit[name] = 0;
      if (surplus + credit !== 0) work.push(this.#shared.adjust(key, bucket, surplus + credit, now));
    }
    if (idle) lease.leasing = false;
    return work;
  }

  #holds(lease: Lease): boolean {
    for (const name of lease.specs.keys()) if ((lease.credit[name] ?? 0) !== 0 || (lease.surplus[name] ?? 0) !== 0) return true;
    return false;
  }

  #scheduleSweep(): void {
    if (this.#cancelSweep !== undefined || this.#closed) return;
    this.#cancelSweep = this.#clock.setTimer(this.#idleMs / 2, () => {
      this.#cancelSweep = undefined;
      const now = this.#clock.now();
      let holding = false;
      for (const [key, lease] of this.#leases) {
        for (const step of this.#settle(key, lease, now, false)) step.catch(() => undefined);
        if (this.#holds(lease)) holding = true;
      }
      if (holding) this.#scheduleSweep();
    });
  }
}

/** `acquireMany` as one `acquire` after another, stopping at the first refusal. */
async function sequential(
  costs: readonly Readonly<Record<string, number>>[],
  acquire: (cost: Readonly<Record<string, number>>) => Promise<AcquireResult>,
): Promise<AcquireManyResult> {
  for (let index = 0; index < costs.length; index += 1) {
    const result = await acquire(costs[index]!);
    if (!result.granted) return { granted: index, waitMs: result.waitMs };
  }
  return { granted: costs.length, waitMs: 0 };
}
