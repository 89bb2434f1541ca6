import type { Optimization, OptimizerSettings } from './optimization.js';
import type { OptimizerWindow } from './optimizer-window.js';
import { evidence } from './statistics.js';

/**
 * CacheSettings: a longer TTL for a strategy that misses a lot while memory has room, and a
 * bigger or smaller L1. The window says how often keys missed but not why, so a TTL increase is
 * only confident (and applied) when the cache reports that the misses were expiries; without
 * that it is proposed for an operator to judge.
 */

export interface CacheRuleOptions {
  /** A strategy whose hit ratio is below this is a TTL candidate (default 0.6). */
  lowHitRatio?: number;
  /** Fewest lookups in a window before a strategy is judged (default 100). */
  minLookups?: number;
  /** TTL multiplier per step (default 2) and ceiling (default 24 h). */
  ttlFactor?: number;
  maxTtlSeconds?: number;
  /** L1 fill above which no change may add memory (default 0.8). */
  fillHeadroom?: number;
  /** Evictions per write above which the L1 is too small (default 0.1). */
  evictionRateHigh?: number;
  /** L1 growth per step (default 1.5) and the memory budget it may grow to; without one, growth is never safe. */
  memorySizeFactor?: number;
  maxMemorySizeMb?: number;
  /** An L1 filled below this with no evictions may shrink (default 0.25), never under `minMemorySizeMb` (default 16). */
  lowFill?: number;
  minMemorySizeMb?: number;
}

const BYTES_PER_MB = 1024 * 1024;

export function proposeCacheSettings(window: OptimizerWindow, settings: OptimizerSettings, active: ReadonlySet<string>, options: CacheRuleOptions = {}): Optimization[] {
  const lowHitRatio = options.lowHitRatio ?? 0.6;
  const minLookups = options.minLookups ?? 100;
  const ttlFactor = options.ttlFactor ?? 2;
  const maxTtlSeconds = options.maxTtlSeconds ?? 86_400;
  const fillHeadroom = options.fillHeadroom ?? 0.8;
  const evictionRateHigh = options.evictionRateHigh ?? 0.1;
  const sizeFactor = options.memorySizeFactor ?? 1.5;
  const lowFill = options.lowFill ?? 0.25;
  const minSizeMb = options.minMemorySizeMb ?? 16;
  const proposals: Optimization[] = [];
  const memory = window.memoryCache;
  const fill = memory && memory.maxBytes > 0 ? memory.usedBytes / memory.maxBytes : undefined;
  const evictionRate = memory && memory.sets > 0 ? memory.evictions / memory.sets : 0;

  for (const [strategy, stats] of Object.entries(window.cache.byStrategy).sort(([a], [b]) => a.localeCompare(b))) {
    const key = `cache_settings:ttl:${strategy}`;
    const current = settings.cache?.strategies?.[strategy]?.ttlSeconds;
    const lookups = stats.hits + stats.misses;
    if (active.has(key) || current === undefined || current <= 0 || lookups < minLookups || stats.hitRatio === null || stats.hitRatio >= lowHitRatio) continue;
    const ttlSeconds = Math.min(maxTtlSeconds, Math.round(current * ttlFactor));
    if (ttlSeconds <= current) continue;
    const expired = window.cache.expiredMisses?.[strategy];
    // Share of misses a longer TTL could have turned into hits; unknown → a modest prior.
    const expiredShare = expired === undefined ? 0.5 : stats.misses > 0 ? Math.min(1, expired / stats.misses) : 0;
    const roomy = fill !== undefined && fill < fillHeadroom && evictionRate < evictionRateHigh;
    proposals.push({
      type: 'cache_settings',
      key,
      description: `Raise the ${strategy} TTL from ${current} s to ${ttlSeconds} s (hit ratio ${(stats.hitRatio * 100).toFixed(1)} %)`,
      confidence: evidence(lookups, minLookups / 10) * (0.5 + 0.5 * expiredShare),
      safe: roomy,
      expectedEffect: `entries live ${ttlFactor}× longer, so repeats of expired keys hit instead of recomputing`,
      target: { name: 'cache_hit_ratio', subject: strategy, direction: 'increase' },
      evidence: { lookups, hitRatio: stats.hitRatio, expiredMisses: expired ?? null, fill: fill ?? null, evictionRate },
      change: { strategy, ttlSeconds },
    });
  }

  const size = settings.cache?.memory?.maxSizeMb;
  const sizeKey = 'cache_settings:memory_size';
  if (memory && fill !== undefined && size !== undefined && !active.has(sizeKey)) {
    const level = window.cache.byLevel.memory;
    const lookups = level ? level.hits + level.misses : 0;
    if (evictionRate > evictionRateHigh && memory.sets >= minLookups / 10) {
      const budget = options.maxMemorySizeMb;
      const grown = Math.ceil(size * sizeFactor);
      const target = budget === undefined ? grown : Math.min(budget, grown);
      if (target > size) {
        proposals.push({
          type: 'cache_settings',
          key: sizeKey,
          description: `Grow the memory cache from ${size} MB to ${target} MB (${(evictionRate * 100).toFixed(0)} % of writes evict an entry)`,
          confidence: evidence(memory.sets, minLookups / 10) * Math.min(1, evictionRate / (2 * evictionRateHigh)),
          safe: budget !== undefined,
          expectedEffect: 'fewer evictions of entries that would have been read again',
          target: { name: 'cache_level_hit_ratio', subject: 'memory', direction: 'increase' },
          evidence: { fill, evictions: memory.evictions, sets: memory.sets, evictionRate, budgetMb: budget ?? null },
          change: { memoryMaxSizeMb: target },
        });
      }
    } else if (fill < lowFill && memory.evictions === 0 && size > minSizeMb && lookups >= minLookups) {
      const usedMb = memory.usedBytes / BYTES_PER_MB;
      const target = Math.max(minSizeMb, Math.ceil(size / 2), Math.ceil(usedMb * 2));
      if (target < size) {
        proposals.push({
          type: 'cache_settings',
          key: sizeKey,
          description: `Shrink the memory cache from ${size} MB to ${target} MB (${(fill * 100).toFixed(0)} % full, no evictions)`,
          confidence: evidence(lookups, minLookups / 10) * 0.95,
          safe: true,
          expectedEffect: 'memory returned to the process with the hit ratio unchanged',
          target: { name: 'cache_level_hit_ratio', subject: 'memory', direction: 'hold' },
          evidence: { fill, usedMb, lookups, hitRatio: level?.hitRatio ?? null },
          change: { memoryMaxSizeMb: target },
        });
      }
    }
  }
  return proposals;
}
