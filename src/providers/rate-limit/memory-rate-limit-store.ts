import type { AcquireManyResult, AcquireResult, BucketLevels, BucketSpec, RateLimitStore } from './rate-limit-store.js';

interface Level {
  tokens: number;
  updatedAt: number;
}

interface KeyState {
  levels: Map<string, Level>;
  blockedUntil: number;
}

/** Refills a bucket to `now`; a bucket seen for the first time starts full. */
function refill(state: KeyState, bucket: BucketSpec, now: number): Level {
  let level = state.levels.get(bucket.name);
  if (!level) {
    level = { tokens: bucket.capacity, updatedAt: now };
    state.levels.set(bucket.name, level);
    return level;
  }
  if (now > level.updatedAt) {
    level.tokens = Math.min(bucket.capacity, level.tokens + (now - level.updatedAt) * bucket.refillPerMs);
    level.updatedAt = now;
  }
  return level;
}

/** Token buckets in process memory. Each method is synchronous inside, hence atomic. */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly #keys = new Map<string, KeyState>();

  #state(key: string): KeyState {
    let state = this.#keys.get(key);
    if (!state) this.#keys.set(key, (state = { levels: new Map(), blockedUntil: 0 }));
    return state;
  }

  acquire(key: string, buckets: readonly BucketSpec[], costs: Readonly<Record<string, number>>, now: number): Promise<AcquireResult> {
    return Promise.resolve(this.acquireNow(key, buckets, costs, now));
  }

  acquireMany(key: string, buckets: readonly BucketSpec[], costs: readonly Readonly<Record<string, number>>[], now: number): Promise<AcquireManyResult> {
    let result: AcquireResult | undefined;
    for (let index = 0; index < costs.length; index++) {
      result = this.acquireNow(key, buckets, costs[index]!, now);
      if (!result.granted) return Promise.resolve({ granted: index, waitMs: result.waitMs, ...(result.remaining ? { remaining: result.remaining } : {}) });
    }
    return Promise.resolve({ granted: costs.length, waitMs: 0, ...(result?.remaining ? { remaining: result.remaining } : {}) });
  }

  tryAcquireNow(key: string, buckets: readonly BucketSpec[], costs: Readonly<Record<string, number>>, now: number, levels?: Record<string, number>): boolean {
    const state = this.#state(key);
    if (state.blockedUntil > now) return false;
    for (const bucket of buckets) if (Math.min(costs[bucket.name] ?? 0, bucket.capacity) > refill(state, bucket, now).tokens) return false;
    for (const bucket of buckets) {
      const level = state.levels.get(bucket.name)!;
      level.tokens -= costs[bucket.name] ?? 0;
      if (levels !== undefined) levels[bucket.name] = level.tokens;
    }
    return true;
  }

  /** The synchronous core of `acquire`. */
  acquireNow(key: string, buckets: readonly BucketSpec[], costs: Readonly<Record<string, number>>, now: number): AcquireResult {
    const state = this.#state(key);
    let waitMs = state.blockedUntil > now ? state.blockedUntil - now : 0;
    const levels: Level[] = [];
    for (const bucket of buckets) {
      const level = refill(state, bucket, now);
      levels.push(level);
      const needed = Math.min(costs[bucket.name] ?? 0, bucket.capacity) - level.tokens;
      if (needed > 0) waitMs = Math.max(waitMs, bucket.refillPerMs > 0 ? Math.ceil(needed / bucket.refillPerMs) : Number.POSITIVE_INFINITY);
    }
    const remaining: Record<string, number> = {};
    if (waitMs > 0) {
      buckets.forEach((bucket, index) => (remaining[bucket.name] = levels[index]!.tokens));
      return { granted: false, waitMs, remaining };
    }
    buckets.forEach((bucket, index) => {
      remaining[bucket.name] = levels[index]!.tokens -= costs[bucket.name] ?? 0;
    });
    return { granted: true, waitMs: 0, remaining };
  }

  adjust(key: string, bucket: BucketSpec, delta: number, now: number): Promise<void> {
    const level = refill(this.#state(key), bucket, now);
    level.tokens = Math.min(bucket.capacity, level.tokens + delta);
    return Promise.resolve();
  }

  clamp(key: string, bucket: BucketSpec, tokens: number, now: number): Promise<void> {
    const level = refill(this.#state(key), bucket, now);
    level.tokens = Math.min(level.tokens, tokens);
    return Promise.resolve();
  }

  blockUntil(key: string, untilMs: number): Promise<void> {
    const state = this.#state(key);
    state.blockedUntil = Math.max(state.blockedUntil, untilMs);
    return Promise.resolve();
  }

  peek(key: string, buckets: readonly BucketSpec[], now: number): Promise<BucketLevels> {
    const state = this.#state(key);
    const remaining: Record<string, number> = {};
    for (const bucket of buckets) remaining[bucket.name] = refill(state, bucket, now).tokens;
    return Promise.resolve({ remaining, blockedUntil: state.blockedUntil > now ? state.blockedUntil : 0 });
  }

  close(): Promise<void> {
    this.#keys.clear();
    return Promise.resolve();
  }
}
