import { LRUCache } from 'lru-cache';
import { FortitudeError } from '../../core/errors.js';
import { keyNamespace } from './cache-key.js';
import type { CacheKeyStrategy } from './cache-key.js';
import { NORMAL_DIRECTIVES } from './cache-directives.js';
import type { CacheDirectives } from './cache-directives.js';
import type { CacheLevelName } from './cache-store.js';
import type { ClearResult, MultiLevelCache } from './multi-level-cache.js';
import { createSingleFlight } from './single-flight.js';
import { float32VectorCodec, jsonCodec } from './value-codec.js';
import type { ValueCodec } from './value-codec.js';

export const STRATEGY_NAMES = ['query_results', 'quality_evaluations', 'provider_responses', 'embeddings'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** Readable key prefix per strategy (`qr:v1:shared:<hash>`). */
export const STRATEGY_PREFIXES: Record<StrategyName, string> = {
  query_results: 'qr',
  quality_evaluations: 'qe',
  provider_responses: 'pr',
  embeddings: 'emb',
};

/** One kind of cached value (an entry of the seed's `caching.strategies`). */
export interface StrategyOptions {
  enabled?: boolean;
  /** The levels this kind is stored in, fastest first. */
  levels: readonly CacheLevelName[];
  /** How long an entry lives, seconds (each level may cap it); 0 disables the strategy. */
  ttlSeconds: number;
  keyStrategy?: CacheKeyStrategy;
  /** Concurrent identical computations share one upstream call. */
  deduplication?: boolean;
}

export type StrategiesOptions = Partial<Record<StrategyName, StrategyOptions>>;

/** Where an answer came from: a level, a fresh computation, or another caller's computation. */
export type CacheSource = CacheLevelName | 'computed' | 'shared';

export interface CacheOutcome<T> {
  value: T;
  source: CacheSource;
  /** Whether the value is (now) in the cache: false for bypass, partial values, disabled strategies. */
  cached: boolean;
}

export interface GetOrComputeOptions<T> {
  directives?: CacheDirectives;
  /** Veto storing a value (e.g. a partial stream); default `isCacheableValue`. */
  shouldCache?: (value: T) => boolean;
}

export interface CacheStrategy<T> {
  readonly name: StrategyName;
  readonly prefix: string;
  readonly enabled: boolean;
  /** The configured levels that exist, fastest first. */
  readonly levels: readonly CacheLevelName[];
  /** How long new entries live, ms (changes with `setTtlSeconds`). */
  readonly ttlMs: number;
  /**
   * Changes the TTL of entries written from now on (the optimizer's actuator); entries already
   * stored keep theirs. Only an enabled strategy's TTL can change (0 would disable it: refused).
   */
  setTtlSeconds(seconds: number): void;
  readonly keyStrategy: CacheKeyStrategy;
  readonly deduplication: boolean;
  /** Key prefix of this strategy (and tenant): pass to `MultiLevelCache.clear`. */
  namespace(tenant?: string): string;
  /** Synchronous L1 read for the hot path; undefined means "ask `get`". */
  peek(key: string): T | undefined;
  get(key: string): Promise<{ value: T; level: CacheLevelName } | undefined>;
  set(key: string, value: T): Promise<boolean>;
  delete(key: string): Promise<void>;
  /**
   * The cached value, or `compute()` stored for next time. With deduplication, concurrent
   * callers of one key share one lookup and one computation. Errors are never cached (every
   * waiter receives the error); values `shouldCache` rejects are returned but not stored.
   */
  getOrCompute(key: string, compute: () => Promise<T>, options?: GetOrComputeOptions<T>): Promise<CacheOutcome<T>>;
  clear(tenant?: string): Promise<ClearResult[]>;
}

export interface StrategyValues {
  query_results: unknown;
  quality_evaluations: unknown;
  provider_responses: unknown;
  embeddings: number[];
}

export type CacheStrategies<V extends StrategyValues = StrategyValues> = { readonly [K in StrategyName]: CacheStrategy<V[K]> };

/** Values flagged `{ partial: true }` (a stream cut short) are never cached; nor is `undefined`. */
export function isCacheableValue(value: unknown): boolean {
  if (value === undefined) return false;
  return !(typeof value === 'object' && value !== null && (value as { partial?: unknown }).partial === true);
}

const DISABLED: StrategyOptions = { enabled: false, levels: [], ttlSeconds: 0 };

/**
 * Decoded values of the hottest L1 entries, so a repeated hit costs a map look-up instead of a
 * JSON parse (on the cached-research path the parse was the largest allocation per request).
 * Bounded by the encoded text length (the decoded objects take a few times that).
 */
const DECODED_MEMO_ENTRIES = 512;
const DECODED_MEMO_TEXT_CHARS = 2 * 1024 * 1024;

/** Values shared between callers are frozen all the way down: a caller that mutates one fails loudly. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

export function createCacheStrategy<T>(name: StrategyName, options: StrategyOptions, cache: MultiLevelCache, codec: ValueCodec<T>): CacheStrategy<T> {
  const prefix = STRATEGY_PREFIXES[name];
  const levels = cache.select(options.levels).map((store) => store.level);
  const enabled = options.enabled !== false && levels.length > 0 && options.ttlSeconds > 0;
  let ttlMs = options.ttlSeconds * 1000;
  const selection = { levels, strategy: name };
  const flights = createSingleFlight<CacheOutcome<T>>();

  // Keyed by cache key; an entry is used only while L1 still returns the very text it was
  // decoded from (a pointer comparison for the same string), so a replaced value is re-read.
  const decoded = new LRUCache<string, { text: string; value: T }>({
    max: DECODED_MEMO_ENTRIES,
    maxSize: DECODED_MEMO_TEXT_CHARS,
    sizeCalculation: (entry) => Math.max(1, entry.text.length),
  });

  const decode = (key: string, text: string): T | undefined => {
    const memo = decoded.get(key);
    if (memo !== undefined && memo.text === text) return memo.value;
    let value: T;
    try {
      value = codec.decode(text);
    } catch {
      decoded.delete(key);
      void cache.delete(key);
      return undefined;
    }
    if (text.length <= DECODED_MEMO_TEXT_CHARS / 8) decoded.set(key, { text, value: deepFreeze(value) });
    return value;
  };

  const peek = (key: string): T | undefined => {
    if (!enabled) return undefined;
    const text = cache.getSync(key, selection);
    return text === undefined ? undefined : decode(key, text);
  };

  const get = async (key: string): Promise<{ value: T; level: CacheLevelName } | undefined> => {
    if (!enabled) return undefined;
    const hit = await cache.lookup(key, selection);
    if (!hit) return undefined;
    const value = decode(key, hit.value);
    return value === undefined ? undefined : { value, level: hit.level };
  };

  const set = async (key: string, value: T): Promise<boolean> => {
    if (!enabled) return false;
    decoded.delete(key);
    await cache.set(key, codec.encode(value), ttlMs, selection);
    return true;
  };

  const lookupThenCompute = async (key: string, compute: () => Promise<T>, directives: CacheDirectives, shouldCache: (value: T) => boolean): Promise<CacheOutcome<T>> => {
    if (directives.read) {
      const hit = await get(key);
      if (hit) return { value: hit.value, source: hit.level, cached: true };
    }
    const value = await compute();
    const cached = directives.write && shouldCache(value) && (await set(key, value));
    return { value, source: 'computed', cached };
  };

  return {
    name,
    prefix,
    enabled,
    levels,
    get ttlMs() {
      return ttlMs;
    },
    setTtlSeconds(seconds) {
      if (!enabled) throw new FortitudeError('bad_request', `cache strategy ${name} is disabled: its TTL cannot change while running`);
      if (!(Number.isFinite(seconds) && seconds >= 1)) throw new FortitudeError('bad_request', `cache strategy ${name}: TTL must be at least 1 second (got ${seconds})`);
      ttlMs = Math.round(seconds) * 1000;
    },
    keyStrategy: options.keyStrategy ?? 'exact',
    deduplication: options.deduplication === true,
    namespace: (tenant) => keyNamespace(prefix, tenant),
    peek,
    get,
    set,
    delete: (key) => {
      decoded.delete(key);
      return cache.delete(key);
    },
    async getOrCompute(key, compute, computeOptions = {}) {
      const directives = computeOptions.directives ?? NORMAL_DIRECTIVES;
      const shouldCache = computeOptions.shouldCache ?? isCacheableValue;
      if (!enabled || directives.mode === 'bypass') return { value: await compute(), source: 'computed', cached: false };
      if (directives.read) {
        const value = peek(key);
        if (value !== undefined) return { value, source: 'memory', cached: true };
      }
      if (options.deduplication !== true) return lookupThenCompute(key, compute, directives, shouldCache);
      // A refresh must not join a flight that may answer from the cache, so it flies apart.
      const flightKey = `${directives.mode}\u0000${key}`;
      const { value: outcome, shared } = await flights.run(flightKey, () => lookupThenCompute(key, compute, directives, shouldCache));
      return shared && outcome.source === 'computed' ? { ...outcome, source: 'shared' } : outcome;
    },
    clear: (tenant) => {
      decoded.clear();
      return cache.clear(keyNamespace(prefix, tenant));
    },
  };
}

/**
 * One typed strategy object per name; a missing entry is a disabled strategy (every call
 * computes). Embeddings use the float32 codec unless overridden.
 */
export function createCacheStrategies<V extends StrategyValues = StrategyValues>(
  options: StrategiesOptions,
  cache: MultiLevelCache,
  codecs: Partial<{ [K in StrategyName]: ValueCodec<V[K]> }> = {},
): CacheStrategies<V> {
  const codecFor = <K extends StrategyName>(name: K): ValueCodec<V[K]> =>
    codecs[name] ?? ((name === 'embeddings' ? float32VectorCodec : jsonCodec) as unknown as ValueCodec<V[K]>);
  const build = <K extends StrategyName>(name: K): CacheStrategy<V[K]> => createCacheStrategy(name, options[name] ?? DISABLED, cache, codecFor(name));
  return {
    query_results: build('query_results'),
    quality_evaluations: build('quality_evaluations'),
    provider_responses: build('provider_responses'),
    embeddings: build('embeddings'),
  };
}
