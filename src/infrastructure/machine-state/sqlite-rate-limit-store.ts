import type { Statement } from 'better-sqlite3';
import type { AcquireResult, BucketLevels, BucketSpec, RateLimitStore } from '../../providers/rate-limit/rate-limit-store.js';
import type { MachineStateDatabase } from './machine-state-db.js';
import { attempt } from './sqlite-budget-store.js';

interface Level {
  tokens: number;
  updatedAt: number;
}

/**
 * Token buckets in the machine-state SQLite file, so every worker and CLI call of one machine
 * draws on one provider budget (an rpm of 6 stays 6 with four workers). Each method is one
 * `BEGIN IMMEDIATE` transaction: refill, check and take are atomic across processes. Same
 * semantics as the memory store; a bucket seen for the first time starts full, and a process
 * whose clock runs behind never moves a bucket backwards.
 */
export class SqliteRateLimitStore implements RateLimitStore {
  readonly #database: MachineStateDatabase;
  readonly #ownsDatabase: boolean;
  readonly #select: Statement<[string, string], { tokens: number; updated_at: number }>;
  readonly #save: Statement<[string, string, number, number]>;
  readonly #blocked: Statement<[string], { blocked_until: number }>;
  readonly #block: Statement<[string, number]>;
  readonly #acquire: (key: string, buckets: readonly BucketSpec[], costs: Readonly<Record<string, number>>, now: number) => AcquireResult;
  readonly #change: (key: string, bucket: BucketSpec, value: number, now: number, mode: 'adjust' | 'clamp') => void;

  constructor(database: MachineStateDatabase, options: { ownsDatabase?: boolean } = {}) {
    this.#database = database;
    this.#ownsDatabase = options.ownsDatabase ?? false;
    this.#select = database.prepare('SELECT tokens, updated_at FROM rate_buckets WHERE limiter = ? AND bucket = ?');
    this.#save = database.prepare(
      'INSERT INTO rate_buckets (limiter, bucket, tokens, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (limiter, bucket) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at',
    );
    this.#blocked = database.prepare('SELECT blocked_until FROM rate_blocks WHERE limiter = ?');
    this.#block = database.prepare(
      'INSERT INTO rate_blocks (limiter, blocked_until) VALUES (?, ?) ON CONFLICT (limiter) DO UPDATE SET blocked_until = MAX(blocked_until, excluded.blocked_until)',
    );
    this.#acquire = database.transaction((key: string, buckets: readonly BucketSpec[], costs: Readonly<Record<string, number>>, now: number) =>
      this.#acquireNow(key, buckets, costs, now),
    ).immediate;
    this.#change = database.transaction((key: string, bucket: BucketSpec, value: number, now: number, mode: 'adjust' | 'clamp') => {
      const level = this.#level(key, bucket, now);
      const tokens = mode === 'adjust' ? Math.min(bucket.capacity, level.tokens + value) : Math.min(level.tokens, value);
      this.#save.run(key, bucket.name, tokens, level.updatedAt);
    }).immediate;
  }

  acquire(key: string, buckets: readonly BucketSpec[], costs: Readonly<Record<string, number>>, now: number): Promise<AcquireResult> {
    return attempt(() => this.#acquire(key, buckets, costs, now));
  }

  adjust(key: string, bucket: BucketSpec, delta: number, now: number): Promise<void> {
    return attempt(() => this.#change(key, bucket, delta, now, 'adjust'));
  }

  clamp(key: string, bucket: BucketSpec, tokens: number, now: number): Promise<void> {
    return attempt(() => this.#change(key, bucket, tokens, now, 'clamp'));
  }

  blockUntil(key: string, untilMs: number): Promise<void> {
    return attempt(() => void this.#block.run(key, Math.ceil(untilMs)));
  }

  peek(key: string, buckets: readonly BucketSpec[], now: number): Promise<BucketLevels> {
    return attempt(() => {
      const remaining: Record<string, number> = {};
      for (const bucket of buckets) remaining[bucket.name] = this.#level(key, bucket, now).tokens;
      const blockedUntil = this.#blocked.get(key)?.blocked_until ?? 0;
      return { remaining, blockedUntil: blockedUntil > now ? blockedUntil : 0 };
    });
  }

  close(): Promise<void> {
    if (this.#ownsDatabase && this.#database.open) this.#database.close();
    return Promise.resolve();
  }

  #acquireNow(key: string, buckets: readonly BucketSpec[], costs: Readonly<Record<string, number>>, now: number): AcquireResult {
    const blockedUntil = this.#blocked.get(key)?.blocked_until ?? 0;
    let waitMs = blockedUntil > now ? blockedUntil - now : 0;
    const levels = buckets.map((bucket) => {
      const level = this.#level(key, bucket, now);
      const needed = Math.min(costs[bucket.name] ?? 0, bucket.capacity) - level.tokens;
      if (needed > 0) waitMs = Math.max(waitMs, bucket.refillPerMs > 0 ? Math.ceil(needed / bucket.refillPerMs) : Number.POSITIVE_INFINITY);
      return level;
    });
    if (waitMs > 0) return { granted: false, waitMs };
    buckets.forEach((bucket, index) => this.#save.run(key, bucket.name, levels[index]!.tokens - (costs[bucket.name] ?? 0), levels[index]!.updatedAt));
    return { granted: true, waitMs: 0 };
  }

  /** The bucket refilled to `now` (not saved); full when never seen. */
  #level(key: string, bucket: BucketSpec, now: number): Level {
    const row = this.#select.get(key, bucket.name);
    if (row === undefined) return { tokens: bucket.capacity, updatedAt: now };
    if (now <= row.updated_at) return { tokens: row.tokens, updatedAt: row.updated_at };
    return { tokens: Math.min(bucket.capacity, row.tokens + (now - row.updated_at) * bucket.refillPerMs), updatedAt: now };
  }
}
