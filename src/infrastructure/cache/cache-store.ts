/**
 * The cache port. One interface above three implementations (`memory/`, `redis/`, `disk/`),
 * composed by `MultiLevelCache` and checked by one contract suite (`test/cache/`).
 *
 * Values are strings (serialised payloads, usually JSON); keys are strings built by
 * `cache-key.ts`. Every level caps the TTL it is given at its own `ttlSeconds`.
 */

export const CACHE_LEVELS = ['memory', 'redis', 'disk'] as const;
export type CacheLevelName = (typeof CACHE_LEVELS)[number];

/** A cached value and the wall-clock time (ms since epoch) at which it expires. */
export interface CacheEntry {
  value: string;
  /** `Date.now()`-based expiry; the remaining TTL is `expiresAt - now`. */
  expiresAt: number;
}

export interface CacheStoreStats {
  level: CacheLevelName;
  /** False while the level is degraded (Redis down or slow, disk unwritable). */
  healthy: boolean;
  hits: number;
  misses: number;
  sets: number;
  deletes: number;
  /** Entries removed to respect the size bound (LRU). */
  evictions: number;
  /** Operations that failed and were turned into a miss or a skipped write. */
  errors: number;
  /** Entries held, when the level can count them cheaply. */
  entries?: number;
  /** Bytes used (L1/L3: sum of entry sizes; L2: Redis `used_memory`). */
  usedBytes?: number;
  /** Configured bound in bytes (`maxSizeBytes`), when the level enforces or reports one. */
  maxBytes?: number;
  /** Level-specific figures (e.g. `compressedWrites`, `maxmemoryPolicy`, `shrinks`). */
  extra?: Record<string, number | string | boolean>;
}

export interface CacheStore {
  readonly level: CacheLevelName;
  /**
   * The value for `key`, or undefined on a miss or an expired entry. Remote levels never
   * reject for I/O reasons: an outage or a timeout is a miss (counted in `stats().errors`).
   */
  get(key: string): Promise<string | undefined>;
  /** Like `get`, with the expiry, so a hit can be promoted to faster levels with what remains. */
  getEntry(key: string): Promise<CacheEntry | undefined>;
  /**
   * Stores `value` for `ttlMs` milliseconds (capped at the level's `ttlSeconds`); a
   * non-positive TTL stores nothing. Remote levels skip the write on outage instead of rejecting.
   * Resolves true when the value was stored, false when the write was skipped.
   */
  set(key: string, value: string, ttlMs: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  has(key: string): Promise<boolean>;
  /** Removes every entry whose key starts with `namespace`, or every entry when omitted. */
  clear(namespace?: string): Promise<void>;
  stats(): Promise<CacheStoreStats>;
  /** Releases connections, timers and file handles. Idempotent. */
  close(): Promise<void>;
}

/** L1 extras: a synchronous read for the hot path and shrinking under memory pressure. */
export interface SyncCacheStore extends CacheStore {
  /** Synchronous `get`; the hot path for L1 hits. */
  getSync(key: string): string | undefined;
  /** Evicts least-recently-used entries until the level holds at most `fraction` of its bytes. */
  shrinkTo(fraction: number): { evicted: number; freedBytes: number };
}

export function isSyncCacheStore(store: CacheStore): store is SyncCacheStore {
  return typeof (store as Partial<SyncCacheStore>).getSync === 'function';
}

/** The logging the cache needs; a pino logger satisfies it. */
export interface CacheLogger {
  warn(object: Record<string, unknown>, message: string): void;
  info?(object: Record<string, unknown>, message: string): void;
}

/** Wall clock in ms since epoch; injected in tests. */
export interface CacheClock {
  now(): number;
}

export const systemClock: CacheClock = { now: () => Date.now() };

export const BYTES_PER_MB = 1024 * 1024;

/** Effective TTL at one level: the caller's TTL capped at the level's `ttlSeconds` (0 = no cap). */
export function capTtlMs(ttlMs: number, levelTtlSeconds: number | undefined): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) return 0;
  const cap = levelTtlSeconds !== undefined && levelTtlSeconds > 0 ? levelTtlSeconds * 1000 : Infinity;
  return Math.floor(Math.min(ttlMs, cap));
}
