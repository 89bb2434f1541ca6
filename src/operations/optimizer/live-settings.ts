import { FortitudeError } from '../../core/errors.js';
import type { CacheSettingsChange, ConcurrencyChange, OptimizerActions, OptimizerSettings, Undo } from './optimization.js';

/** A cache strategy whose TTL can change while running (infrastructure/cache/cache-strategies.ts). */
export interface TunableStrategy {
  readonly enabled: boolean;
  readonly ttlMs: number;
  setTtlSeconds(seconds: number): void;
}

/** The L1 level, resizable while running. */
export interface TunableMemoryLevel {
  readonly maxSizeBytes: number;
  readonly ttlSeconds: number;
  resize(maxSizeBytes: number): void;
}

/** A provider's rate limiter, whose concurrency limit can change while running. */
export interface TunableLimiter {
  readonly maxConcurrent: number | undefined;
  setMaxConcurrent(limit: number): void;
}

export interface LiveSettingsDeps {
  strategies: Readonly<Record<string, TunableStrategy>>;
  memory?: TunableMemoryLevel | undefined;
  /** Per provider name. */
  limiters: Readonly<Record<string, TunableLimiter>>;
}

/** What the optimizer reads and changes in this process; also what `/api/admin/routing` reports. */
export type LiveSettings = Required<Pick<OptimizerActions, 'current' | 'setCacheSettings' | 'setConcurrency'>>;

const MB = 1024 * 1024;

/**
 * The optimizer's actuators for cache and concurrency proposals: a strategy's TTL, the memory
 * level's size, a provider's `max_concurrent`, changed in the running process; each change
 * returns its undo. There is no API-wide in-flight limit in this server, so an `api` concurrency
 * change is refused (and `current()` reports none, so the rule never proposes one).
 */
export function createLiveSettings(deps: LiveSettingsDeps): LiveSettings {
  return {
    current(): OptimizerSettings {
      const strategies: Record<string, { ttlSeconds: number }> = {};
      for (const [name, strategy] of Object.entries(deps.strategies)) if (strategy.enabled) strategies[name] = { ttlSeconds: strategy.ttlMs / 1000 };
      const concurrency: Record<string, number> = {};
      for (const [name, limiter] of Object.entries(deps.limiters)) if (limiter.maxConcurrent !== undefined) concurrency[name] = limiter.maxConcurrent;
      return {
        cache: {
          strategies,
          ...(deps.memory ? { memory: { maxSizeMb: Math.round((deps.memory.maxSizeBytes / MB) * 100) / 100, ttlSeconds: deps.memory.ttlSeconds } } : {}),
        },
        concurrency,
      };
    },

    setCacheSettings(change: CacheSettingsChange): Undo {
      const undos: Undo[] = [];
      if (change.ttlSeconds !== undefined) {
        const strategy = change.strategy === undefined ? undefined : deps.strategies[change.strategy];
        if (!strategy) throw new FortitudeError('bad_request', `cache TTL change: no strategy "${change.strategy ?? ''}" in this server`);
        const previous = strategy.ttlMs / 1000;
        strategy.setTtlSeconds(change.ttlSeconds);
        undos.push(() => strategy.setTtlSeconds(previous));
      }
      if (change.memoryMaxSizeMb !== undefined) {
        const memory = deps.memory;
        if (!memory) throw new FortitudeError('bad_request', 'memory cache size change: the memory level is disabled');
        const previous = memory.maxSizeBytes;
        memory.resize(change.memoryMaxSizeMb * MB);
        undos.push(() => memory.resize(previous));
      }
      return () => {
        for (const undo of undos.reverse()) void undo();
      };
    },

    setConcurrency(change: ConcurrencyChange): Undo {
      const limiter = deps.limiters[change.scope];
      if (!limiter) throw new FortitudeError('bad_request', `concurrency change: "${change.scope}" is not a provider of this server (there is no API-wide limit to change)`);
      const previous = limiter.maxConcurrent;
      limiter.setMaxConcurrent(change.limit);
      return () => limiter.setMaxConcurrent(previous ?? Number.MAX_SAFE_INTEGER);
    },
  };
}
