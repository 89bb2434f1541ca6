import type { AcquireResult, BucketLevels, BucketSpec, RateLimitStore } from '../../providers/rate-limit/rate-limit-store.js';
import { preferRedis, type RedisAvailability } from './redis-connection.js';

/**
 * Provider rate limits in Redis (one budget for the fleet), with in-process token buckets while
 * Redis is unreachable (the circuit is open): during an outage each process limits itself to the
 * configured rates, as a single process without Redis would. A command that fails while the
 * circuit stays closed (one slow reply) is answered by the local bucket too (`preferRedis`): the
 * provider's own 429s still bound what that grant can cost. Nothing is replayed when Redis returns: buckets refill
 * on their own, and Redis's buckets (fuller than reality by what the outage consumed) are
 * authoritative again at once — the provider's own 429s and `retry-after` still apply.
 */
export class FallbackRateLimitStore implements RateLimitStore {
  readonly #shared: RateLimitStore;
  readonly #local: RateLimitStore;
  readonly #redis: RedisAvailability;

  constructor(shared: RateLimitStore, local: RateLimitStore, redis: RedisAvailability) {
    this.#shared = shared;
    this.#local = local;
    this.#redis = redis;
  }

  acquire(key: string, buckets: readonly BucketSpec[], costs: Readonly<Record<string, number>>, now: number): Promise<AcquireResult> {
    return preferRedis(this.#redis, () => this.#shared.acquire(key, buckets, costs, now), () => this.#local.acquire(key, buckets, costs, now));
  }

  adjust(key: string, bucket: BucketSpec, delta: number, now: number): Promise<void> {
    return preferRedis(this.#redis, () => this.#shared.adjust(key, bucket, delta, now), () => this.#local.adjust(key, bucket, delta, now));
  }

  clamp(key: string, bucket: BucketSpec, tokens: number, now: number): Promise<void> {
    return preferRedis(this.#redis, () => this.#shared.clamp(key, bucket, tokens, now), () => this.#local.clamp(key, bucket, tokens, now));
  }

  blockUntil(key: string, untilMs: number): Promise<void> {
    return preferRedis(this.#redis, () => this.#shared.blockUntil(key, untilMs), () => this.#local.blockUntil(key, untilMs));
  }

  peek(key: string, buckets: readonly BucketSpec[], now: number): Promise<BucketLevels> {
    return preferRedis(this.#redis, () => this.#shared.peek(key, buckets, now), () => this.#local.peek(key, buckets, now));
  }

  async close(): Promise<void> {
    await this.#local.close();
    await this.#shared.close();
  }
}
