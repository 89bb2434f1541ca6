import type { Statement } from 'better-sqlite3';
import type { AcquireManyResult, AcquireResult, BucketLevels, BucketSpec, RateLimitStore } from '../../providers/rate-limit/rate-limit-store.js';
import type { MachineStateDatabase } from './machine-state-db.js';
import { attempt } from './sqlite-budget-store.js';
import { TransactionBatcher } from './transaction-batcher.js';

/** Per bucket: [tokens, epoch ms of the last refill]. */
type Levels = Record<string, [number, number]>;

interface LimiterRow {
  levels: Levels;
  blockedUntil: number;
}

/**
 * Token buckets in the machine-state SQLite file, so every worker and CLI call of one machine
 * draws on one provider budget (an rpm of 6 stays 6 with four workers). Each method is one
 * `BEGIN IMMEDIATE` transaction over the limiter's row: refill, check and take are atomic
 * across processes. Same semantics as the memory store; a bucket seen for the first time starts
 * full, and a process whose clock runs behind never moves a bucket backwards.
 */
export class SqliteRateLimitStore implements RateLimitStore {
  readonly #database: MachineStateDatabase;
  readonly #ownsDatabase: boolean;
  readonly #select: Statement<[string], { levels: string; blocked_until: number }>;
  readonly #saveLevels: Statement<[string, string]>;
  readonly #block: Statement<[string, number]>;
  readonly #batcher: TransactionBatcher;

  /** `batcher`: share one with the other stores on the same file, so their steps share transactions too. */
  constructor(database: MachineStateDatabase, options: { ownsDatabase?: boolean; batcher?: TransactionBatcher } = {}) {
    this.#database = database;
    this.#batcher = options.batcher ?? new TransactionBatcher(database);
    this.#ownsDatabase = options.ownsDatabase ?? false;
    this.#select = database.prepare('SELECT levels, blocked_until FROM rate_limiters WHERE limiter = ?');
    this.#saveLevels = database.prepare('INSERT INTO rate_limiters (limiter, levels) VALUES (?, ?) ON CONFLICT (limiter) DO UPDATE SET levels = excluded.levels');
    this.#block = database.prepare(
      "INSERT INTO rate_limiters (limiter, levels, blocked_until) VALUES (?, '{}', ?) ON CONFLICT (limiter) DO UPDATE SET blocked_until = MAX(blocked_until, excluded.blocked_until)",
    );
  }

  acquire(key: string, buckets: readonly BucketSpec[], costs: Readonly<Record<string, number>>, now: number): Promise<AcquireResult> {
    return this.#batcher.run(() => this.#acquireNow(key, buckets, costs, now));
  }

  /** One transaction step for a limiter's queued waiters: the row is read and written once for all of them. */
  acquireMany(key: string, buckets: readonly BucketSpec[], costs: readonly Readonly<Record<string, number>>[], now: number): Promise<AcquireManyResult> {
    return this.#batcher.run(() => this.#acquireManyNow(key, buckets, costs, now));
  }

  adjust(key: string, bucket: BucketSpec, delta: number, now: number): Promise<void> {
    return this.#batcher.run(() => this.#change(key, bucket, delta, now, 'adjust'));
  }

  clamp(key: string, bucket: BucketSpec, tokens: number, now: number): Promise<void> {
    return this.#batcher.run(() => this.#change(key, bucket, tokens, now, 'clamp'));
  }

  blockUntil(key: string, untilMs: number): Promise<void> {
    return this.#batcher.run(() => void this.#block.run(key, Math.ceil(untilMs)));
  }

  peek(key: string, buckets: readonly BucketSpec[], now: number): Promise<BucketLevels> {
    return attempt(() => {
      const row = this.#row(key);
      const remaining: Record<string, number> = {};
      for (const bucket of buckets) remaining[bucket.name] = level(row.levels, bucket, now)[0];
      return { remaining, blockedUntil: row.blockedUntil > now ? row.blockedUntil : 0 };
    });
  }

  close(): Promise<void> {
    if (this.#ownsDatabase && this.#database.open) this.#database.close();
    return Promise.resolve();
  }

  #acquireNow(key: string, buckets: readonly BucketSpec[], costs: Readonly<Record<string, number>>, now: number): AcquireResult {
    const row = this.#row(key);
    const result = take(row, buckets, costs, now);
    if (result.granted) this.#saveLevels.run(key, JSON.stringify(row.levels));
    return result;
  }

  #acquireManyNow(key: string, buckets: readonly BucketSpec[], costs: readonly Readonly<Record<string, number>>[], now: number): AcquireManyResult {
    const row = this.#row(key);
    let granted = 0;
    let waitMs = 0;
    let remaining: Readonly<Record<string, number>> | undefined;
    for (; granted < costs.length; granted++) {
      const result = take(row, buckets, costs[granted]!, now);
      remaining = result.remaining;
      if (!result.granted) {
        waitMs = result.waitMs;
        break;
      }
    }
    if (granted > 0) this.#saveLevels.run(key, JSON.stringify(row.levels));
    return remaining ? { granted, waitMs, remaining } : { granted, waitMs };
  }

  #change(key: string, bucket: BucketSpec, value: number, now: number, mode: 'adjust' | 'clamp'): void {
    const row = this.#row(key);
    const [tokens, at] = level(row.levels, bucket, now);
    row.levels[bucket.name] = [mode === 'adjust' ? Math.min(bucket.capacity, tokens + value) : Math.min(tokens, value), at];
    this.#saveLevels.run(key, JSON.stringify(row.levels));
  }

  #row(key: string): LimiterRow {
    const row = this.#select.get(key);
    return row === undefined ? { levels: {}, blockedUntil: 0 } : { levels: JSON.parse(row.levels) as Levels, blockedUntil: row.blocked_until };
  }
}

/** Refills, checks and (when every bucket holds enough) takes `costs` from the row's levels in memory; the caller saves. */
function take(row: LimiterRow, buckets: readonly BucketSpec[], costs: Readonly<Record<string, number>>, now: number): AcquireResult {
  let waitMs = row.blockedUntil > now ? row.blockedUntil - now : 0;
  const levels = buckets.map((bucket) => {
    const current = level(row.levels, bucket, now);
    const needed = Math.min(costs[bucket.name] ?? 0, bucket.capacity) - current[0];
    if (needed > 0) waitMs = Math.max(waitMs, bucket.refillPerMs > 0 ? Math.ceil(needed / bucket.refillPerMs) : Number.POSITIVE_INFINITY);
    return current;
  });
  const remaining: Record<string, number> = {};
  if (waitMs > 0) {
    buckets.forEach((bucket, index) => (remaining[bucket.name] = levels[index]![0]));
    return { granted: false, waitMs, remaining };
  }
  buckets.forEach((bucket, index) => {
    const [tokens, at] = levels[index]!;
    row.levels[bucket.name] = [(remaining[bucket.name] = tokens - (costs[bucket.name] ?? 0)), at];
  });
  return { granted: true, waitMs: 0, remaining };
}

/** The bucket refilled to `now` (not saved); full when never seen. */
function level(levels: Levels, bucket: BucketSpec, now: number): [number, number] {
  const stored = levels[bucket.name];
  if (stored === undefined) return [bucket.capacity, now];
  const [tokens, at] = stored;
  if (now <= at) return [tokens, at];
  return [Math.min(bucket.capacity, tokens + (now - at) * bucket.refillPerMs), now];
}
