/**
 * Where token-bucket state lives. The in-memory store serves one process; a Redis store (one
 * Lua script per method, so each is atomic) lets replicas share a provider's budget. Every
 * method takes `now` from the caller's clock so stores hold no time source of their own.
 */

export interface BucketSpec {
  /** Bucket name within the key (`requests`, `tokens`). */
  name: string;
  /** Most tokens the bucket holds (its burst size). */
  capacity: number;
  /** Tokens added per millisecond. */
  refillPerMs: number;
}

export interface AcquireResult {
  granted: boolean;
  /** When refused: ms until this request could be granted if nobody else takes tokens. */
  waitMs: number;
  /**
   * Optional: each bucket's level after this step (refilled to `now`, minus what it took), when the
   * store can say so at no extra cost. The lease layer (`leased-rate-limit-store.ts`) leases only
   * while these show the buckets far from binding; a store without them is never leased from.
   */
  remaining?: Readonly<Record<string, number>>;
}

export interface AcquireManyResult {
  /** How many of the requests were granted: always a prefix, in order. */
  granted: number;
  /** When fewer than all were granted: ms until the first refused one could be granted. */
  waitMs: number;
  /** Optional: each bucket's level after the granted prefix (as `AcquireResult.remaining`). */
  remaining?: Readonly<Record<string, number>>;
}

export interface BucketLevels {
  /** Tokens per bucket after refilling to `now` (negative while in debt). */
  remaining: Record<string, number>;
  /** Epoch ms before which every acquire is refused (0 when not blocked). */
  blockedUntil: number;
}

export interface RateLimitStore {
  /**
   * Atomically refills each bucket to `now`, then, unless the key is blocked, takes `costs[name]`
   * from every bucket if each holds at least `min(cost, capacity)`. A cost above capacity is
   * granted from a full bucket and leaves it in debt, so a huge request is slow, not impossible.
   */
  acquire(key: string, buckets: readonly BucketSpec[], costs: Readonly<Record<string, number>>, now: number): Promise<AcquireResult>;
  /**
   * Optional: `acquire` for each of `costs` in order, as one atomic step that stops at the first
   * refusal (the rest wait behind it, as in a FIFO queue). The same outcome as calling `acquire`
   * once per entry with nothing in between, for the price of one store round trip; a limiter with
   * many waiters uses it so its queue drains a batch per round trip, not one request.
   */
  acquireMany?(key: string, buckets: readonly BucketSpec[], costs: readonly Readonly<Record<string, number>>[], now: number): Promise<AcquireManyResult>;
  /**
   * Optional: `acquire` decided in process, with no waiting, when the store can — true when it
   * granted (and took) `costs`, exactly as `acquire` would have; false when it cannot grant at
   * once, with nothing taken (the caller then asks `acquire`, which may still grant or say how
   * long to wait). A rate limiter with nothing queued asks this first, so a call far from its
   * limits allocates no queue entry, promise or store result. `costs` is not kept. A grant whose
   * bucket levels the store knows writes them into `levels` (what `AcquireResult.remaining`
   * says); a grant from leased credit writes none.
   */
  tryAcquireNow?(key: string, buckets: readonly BucketSpec[], costs: Readonly<Record<string, number>>, now: number, levels?: Record<string, number>): boolean;
  /** Adds `delta` to one bucket (negative when usage exceeded the estimate), capped at capacity. */
  adjust(key: string, bucket: BucketSpec, delta: number, now: number): Promise<void>;
  /** Lowers a bucket to `tokens` when the provider reports fewer remaining; never raises it. */
  clamp(key: string, bucket: BucketSpec, tokens: number, now: number): Promise<void>;
  /** Refuses every acquire for `key` until `untilMs` (keeps the later of the two deadlines). */
  blockUntil(key: string, untilMs: number): Promise<void>;
  /** Current levels after refilling to `now`, without taking anything. */
  peek(key: string, buckets: readonly BucketSpec[], now: number): Promise<BucketLevels>;
  close(): Promise<void>;
}
