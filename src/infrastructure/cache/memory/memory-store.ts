import { LRUCache } from 'lru-cache';
import { FortitudeError } from '../../../core/errors.js';
import { capTtlMs, systemClock } from '../cache-store.js';
import type { CacheClock, CacheEntry, CacheStoreStats, SyncCacheStore } from '../cache-store.js';

/** The L1 level (the seed's `caching.levels.memory`). */
export interface MemoryCacheOptions {
  /** Bound on the bytes held (keys + values + a fixed per-entry overhead). */
  maxSizeBytes: number;
  /** Longest TTL this level keeps an entry, whatever the strategy asks, seconds (0 = no cap). */
  ttlSeconds: number;
  /** Only `lru` is implemented (lru-cache). */
  evictionPolicy?: 'lru';
  clock?: CacheClock;
  /**
   * How long lru-cache may reuse one clock reading, ms. 1 (its default) keeps hits cheap;
   * tests with a fake clock pass 0.
   */
  ttlResolutionMs?: number;
}

/** Approximate bookkeeping cost of one lru-cache entry beyond its key and value bytes. */
const ENTRY_OVERHEAD_BYTES = 64;

export class MemoryCacheStore implements SyncCacheStore {
  readonly level = 'memory' as const;
  #cache: LRUCache<string, string>;
  readonly #clock: CacheClock;
  readonly #ttlSeconds: number;
  #maxBytes: number;
  readonly #lruOptions: Pick<MemoryCacheOptions, 'clock' | 'ttlResolutionMs'>;
  #hits = 0;
  #misses = 0;
  #sets = 0;
  #deletes = 0;
  #evictions = 0;
  #shrinks = 0;

  constructor(options: MemoryCacheOptions) {
    if (options.evictionPolicy !== undefined && options.evictionPolicy !== 'lru') {
      throw new FortitudeError('config_invalid', `memory cache evictionPolicy (caching.levels.memory.eviction_policy): only "lru" is supported (got "${String(options.evictionPolicy)}")`);
    }
    if (!(options.maxSizeBytes >= 1)) {
      throw new FortitudeError('config_invalid', `memory cache maxSizeBytes (caching.levels.memory.max_size_mb) must be positive (got ${options.maxSizeBytes})`);
    }
    this.#clock = options.clock ?? systemClock;
    this.#ttlSeconds = options.ttlSeconds;
    this.#maxBytes = Math.floor(options.maxSizeBytes);
    this.#lruOptions = { ...(options.clock ? { clock: options.clock } : {}), ...(options.ttlResolutionMs !== undefined ? { ttlResolutionMs: options.ttlResolutionMs } : {}) };
    this.#cache = this.#createLru(this.#maxBytes, this.#lruOptions);
  }

  /** The size bound in force, bytes. */
  get maxSizeBytes(): number {
    return this.#maxBytes;
  }

  /** The longest TTL this level keeps, seconds (0 = no cap). */
  get ttlSeconds(): number {
    return this.#ttlSeconds;
  }

  /**
   * Changes the size bound of the running level (the optimizer's actuator). Entries are kept in
   * their recency order; when the bound shrinks the least recently used go first (counted as
   * evictions).
   */
  resize(maxSizeBytes: number): void {
    if (!(maxSizeBytes >= 1)) throw new FortitudeError('bad_request', `memory cache size must be positive (got ${maxSizeBytes} bytes)`);
    const next = this.#createLru(Math.floor(maxSizeBytes), this.#lruOptions);
    next.load(this.#cache.dump()); // dump() lists least recently used first; load() keeps that order
    this.#cache = next;
    this.#maxBytes = Math.floor(maxSizeBytes);
  }

  #createLru(maxBytes: number, options: Pick<MemoryCacheOptions, 'clock' | 'ttlResolutionMs'>): LRUCache<string, string> {
    return new LRUCache<string, string>({
      maxSize: maxBytes,
      sizeCalculation: (value, key) => Buffer.byteLength(value) + key.length + ENTRY_OVERHEAD_BYTES,
      ttlAutopurge: false,
      allowStale: false,
      updateAgeOnGet: false,
      ttlResolution: options.ttlResolutionMs ?? 1,
      perf: options.clock ?? undefined,
      dispose: (_value, _key, reason) => {
        if (reason === 'evict') this.#evictions++;
      },
    });
  }

  getSync(key: string): string | undefined {
    const value = this.#cache.get(key);
    if (value === undefined) this.#misses++;
    else this.#hits++;
    return value;
  }

  async get(key: string): Promise<string | undefined> {
    return this.getSync(key);
  }

  async getEntry(key: string): Promise<CacheEntry | undefined> {
    const value = this.getSync(key);
    if (value === undefined) return undefined;
    const remaining = this.#cache.getRemainingTTL(key);
    return { value, expiresAt: this.#clock.now() + remaining };
  }

  async set(key: string, value: string, ttlMs: number): Promise<boolean> {
    const ttl = capTtlMs(ttlMs, this.#ttlSeconds);
    if (ttl <= 0) return false;
    this.#cache.set(key, value, { ttl });
    // lru-cache silently refuses an entry larger than the whole cache.
    if (!this.#cache.has(key)) return false;
    this.#sets++;
    return true;
  }

  async delete(key: string): Promise<void> {
    if (this.#cache.delete(key)) this.#deletes++;
  }

  async has(key: string): Promise<boolean> {
    return this.#cache.has(key);
  }

  async clear(namespace?: string): Promise<void> {
    if (namespace === undefined) {
      this.#cache.clear();
      return;
    }
    for (const key of [...this.#cache.keys()]) {
      if (key.startsWith(namespace)) this.#cache.delete(key);
    }
  }

  shrinkTo(fraction: number): { evicted: number; freedBytes: number } {
    const before = this.#cache.calculatedSize;
    const target = Math.floor(before * Math.min(Math.max(fraction, 0), 1));
    let evicted = 0;
    while (this.#cache.calculatedSize > target && this.#cache.size > 0) {
      this.#cache.pop();
      evicted++;
    }
    this.#shrinks++;
    return { evicted, freedBytes: before - this.#cache.calculatedSize };
  }

  async stats(): Promise<CacheStoreStats> {
    return {
      level: this.level,
      healthy: true,
      hits: this.#hits,
      misses: this.#misses,
      sets: this.#sets,
      deletes: this.#deletes,
      evictions: this.#evictions,
      errors: 0,
      entries: this.#cache.size,
      usedBytes: this.#cache.calculatedSize,
      maxBytes: this.#maxBytes,
      extra: { shrinks: this.#shrinks },
    };
  }

  async close(): Promise<void> {
    this.#cache.clear();
  }
}

export function createMemoryCacheStore(options: MemoryCacheOptions): MemoryCacheStore {
  return new MemoryCacheStore(options);
}
