import { FortitudeError } from '../../core/errors.js';
import { CACHE_LEVELS, isSyncCacheStore, systemClock } from './cache-store.js';
import type { CacheClock, CacheLevelName, CacheLogger, CacheStore, CacheStoreStats, SyncCacheStore } from './cache-store.js';

export type CacheEventKind = 'hit' | 'miss' | 'set' | 'error';
/** Called for every level touched; metrics plug in here. Must not throw. */
export type CacheEventHook = (level: CacheLevelName, strategy: string, kind: CacheEventKind) => void;

export interface MultiLevelCacheOptions {
  /** The enabled levels, any order; they are consulted fastest first (memory, redis, disk). */
  levels: CacheStore[];
  onEvent?: CacheEventHook;
  logger?: CacheLogger;
  /** The clock the levels' expiries are measured on (the same one given to the levels). */
  clock?: CacheClock;
}

export interface LevelSelection {
  /** Levels to read or write, e.g. a strategy's `levels`; default every level. */
  levels?: readonly CacheLevelName[];
  /** Label for per-strategy counters and events; default `default`. */
  strategy?: string;
}

export interface CacheHit {
  value: string;
  /** The level that answered (faster levels were then filled in). */
  level: CacheLevelName;
}

export type LevelCounts = Record<CacheLevelName, number>;

export interface StrategyCounters {
  lookups: number;
  /** Lookups no level could answer. */
  misses: number;
  hitsByLevel: LevelCounts;
  missesByLevel: LevelCounts;
  setsByLevel: LevelCounts;
  errorsByLevel: LevelCounts;
  promotions: number;
}

export interface MultiLevelCacheStats {
  levels: CacheStoreStats[];
  strategies: Record<string, StrategyCounters & { hitRatio: number }>;
}

export interface ClearResult {
  level: CacheLevelName;
  ok: boolean;
  error?: string;
}

const zeroCounts = (): LevelCounts => ({ memory: 0, redis: 0, disk: 0 });

function newCounters(): StrategyCounters {
  return { lookups: 0, misses: 0, hitsByLevel: zeroCounts(), missesByLevel: zeroCounts(), setsByLevel: zeroCounts(), errorsByLevel: zeroCounts(), promotions: 0 };
}

/**
 * Read-through across levels with promotion: a hit at a slower level is copied into the
 * faster levels the caller selected, with the TTL it has left. Writes go to the selected
 * levels in parallel. A level that throws is counted and skipped; the request never fails.
 */
export class MultiLevelCache {
  readonly levels: readonly CacheStore[];
  readonly #byName = new Map<CacheLevelName, CacheStore>();
  readonly #memory: SyncCacheStore | undefined;
  readonly #onEvent: CacheEventHook | undefined;
  readonly #logger: CacheLogger | undefined;
  readonly #counters = new Map<string, StrategyCounters>();
  readonly #clock: CacheClock;

  constructor(options: MultiLevelCacheOptions) {
    for (const store of options.levels) {
      if (this.#byName.has(store.level)) throw new FortitudeError('config_invalid', `cache level "${store.level}" given twice`);
      this.#byName.set(store.level, store);
    }
    this.levels = CACHE_LEVELS.flatMap((name) => this.#byName.get(name) ?? []);
    const memory = this.#byName.get('memory');
    this.#memory = memory && isSyncCacheStore(memory) ? memory : undefined;
    this.#onEvent = options.onEvent;
    this.#logger = options.logger;
    this.#clock = options.clock ?? systemClock;
  }

  level(name: CacheLevelName): CacheStore | undefined {
    return this.#byName.get(name);
  }

  /** The selected levels that exist, fastest first. */
  select(names?: readonly CacheLevelName[]): CacheStore[] {
    return names === undefined ? [...this.levels] : this.levels.filter((store) => names.includes(store.level));
  }

  /**
   * The hot path: an L1 hit without a promise. Counts hits only; on undefined call `lookup`,
   * which counts the miss (so a miss is not counted twice).
   */
  getSync(key: string, selection: LevelSelection = {}): string | undefined {
    if (!this.#memory || (selection.levels && !selection.levels.includes('memory'))) return undefined;
    const value = this.#memory.getSync(key);
    if (value !== undefined) {
      const strategy = selection.strategy ?? 'default';
      const counters = this.#countersFor(strategy);
      counters.lookups++;
      counters.hitsByLevel.memory++;
      this.#onEvent?.('memory', strategy, 'hit');
    }
    return value;
  }

  async lookup(key: string, selection: LevelSelection = {}): Promise<CacheHit | undefined> {
    const strategy = selection.strategy ?? 'default';
    const counters = this.#countersFor(strategy);
    const stores = this.select(selection.levels);
    counters.lookups++;
    for (let index = 0; index < stores.length; index++) {
      const store = stores[index]!;
      try {
        const entry = index === 0 ? await this.#firstLevelEntry(store, key) : await store.getEntry(key);
        if (entry === undefined) {
          counters.missesByLevel[store.level]++;
          this.#onEvent?.(store.level, strategy, 'miss');
          continue;
        }
        counters.hitsByLevel[store.level]++;
        this.#onEvent?.(store.level, strategy, 'hit');
        if (index > 0) await this.#promote(stores.slice(0, index), key, entry.value, entry.expiresAt - this.#clock.now(), strategy);
        return { value: entry.value, level: store.level };
      } catch (error) {
        this.#levelError(store.level, strategy, 'get', error);
      }
    }
    counters.misses++;
    return undefined;
  }

  async get(key: string, selection: LevelSelection = {}): Promise<string | undefined> {
    return (await this.lookup(key, selection))?.value;
  }

  async set(key: string, value: string, ttlMs: number, selection: LevelSelection = {}): Promise<void> {
    const strategy = selection.strategy ?? 'default';
    await Promise.all(this.select(selection.levels).map((store) => this.#setOne(store, key, value, ttlMs, strategy)));
  }

  /** Deletes from every level (not only the selected ones): a stale copy anywhere would be served. */
  async delete(key: string): Promise<void> {
    await Promise.all(
      this.levels.map((store) => store.delete(key).catch((error: unknown) => this.#levelError(store.level, 'default', 'delete', error))),
    );
  }

  async clear(namespace?: string): Promise<ClearResult[]> {
    return Promise.all(
      this.levels.map(async (store): Promise<ClearResult> => {
        try {
          await store.clear(namespace);
          return { level: store.level, ok: true };
        } catch (error) {
          return { level: store.level, ok: false, error: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
  }

  async stats(): Promise<MultiLevelCacheStats> {
    const levels = await Promise.all(this.levels.map((store) => store.stats()));
    const strategies: MultiLevelCacheStats['strategies'] = {};
    for (const [name, counters] of this.#counters) {
      const hits = CACHE_LEVELS.reduce((sum, level) => sum + counters.hitsByLevel[level], 0);
      strategies[name] = { ...structuredClone(counters), hitRatio: counters.lookups === 0 ? 0 : hits / counters.lookups };
    }
    return { levels, strategies };
  }

  /** Closes the levels slowest first. */
  async close(): Promise<void> {
    for (const store of [...this.levels].reverse()) await store.close();
  }

  async #firstLevelEntry(store: CacheStore, key: string): Promise<{ value: string; expiresAt: number } | undefined> {
    // Nothing faster to promote into, so skip the expiry look-up (a second Redis command).
    const value = await store.get(key);
    return value === undefined ? undefined : { value, expiresAt: Number.POSITIVE_INFINITY };
  }

  async #promote(stores: CacheStore[], key: string, value: string, remainingMs: number, strategy: string): Promise<void> {
    if (!(remainingMs > 0)) return;
    this.#countersFor(strategy).promotions++;
    await Promise.all(stores.map((store) => this.#setOne(store, key, value, remainingMs, strategy)));
  }

  async #setOne(store: CacheStore, key: string, value: string, ttlMs: number, strategy: string): Promise<void> {
    try {
      if (!(await store.set(key, value, ttlMs))) return;
      this.#countersFor(strategy).setsByLevel[store.level]++;
      this.#onEvent?.(store.level, strategy, 'set');
    } catch (error) {
      this.#levelError(store.level, strategy, 'set', error);
    }
  }

  #levelError(level: CacheLevelName, strategy: string, operation: string, error: unknown): void {
    this.#countersFor(strategy).errorsByLevel[level]++;
    this.#onEvent?.(level, strategy, 'error');
    this.#logger?.warn({ cacheLevel: level, strategy, operation, error: error instanceof Error ? error.message : String(error) }, 'cache level operation failed');
  }

  #countersFor(strategy: string): StrategyCounters {
    let counters = this.#counters.get(strategy);
    if (!counters) {
      counters = newCounters();
      this.#counters.set(strategy, counters);
    }
    return counters;
  }
}

export function createMultiLevelCache(options: MultiLevelCacheOptions): MultiLevelCache {
  return new MultiLevelCache(options);
}
