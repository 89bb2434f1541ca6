import { describe, expect, it } from 'vitest';
import { proposeCacheSettings } from './cache-rules.js';
import type { OptimizerSettings } from './optimization.js';
import type { OptimizerWindow } from './optimizer-window.js';
import { windowOf } from '../../../test/support/optimizer-window-fixture.js';

const AT = 1_700_000_000_000;
const MB = 1024 * 1024;
const settings: OptimizerSettings = { cache: { strategies: { query_results: { ttlSeconds: 1800 } }, memory: { maxSizeMb: 512, ttlSeconds: 300 } } };

function cacheWindow(parts: { hits: number; misses: number; expired?: number; usedMb?: number; evictions?: number; sets?: number; levelHits?: number }): OptimizerWindow {
  const stats = { hits: parts.hits, misses: parts.misses, hitRatio: parts.hits / (parts.hits + parts.misses) };
  const levelHits = parts.levelHits ?? parts.hits;
  return windowOf(AT, {
    cache: {
      ...stats,
      byStrategy: { query_results: stats },
      byLevel: { memory: { hits: levelHits, misses: parts.misses, hitRatio: levelHits / (levelHits + parts.misses) } },
      ...(parts.expired === undefined ? {} : { expiredMisses: { query_results: parts.expired } }),
    },
    memoryCache: { usedBytes: (parts.usedMb ?? 100) * MB, maxBytes: 512 * MB, evictions: parts.evictions ?? 0, sets: parts.sets ?? parts.misses },
  });
}

describe('cache settings rule', () => {
  it('raises a low-hit TTL confidently when the misses were expiries and memory has room', () => {
    const [ttl] = proposeCacheSettings(cacheWindow({ hits: 300, misses: 700, expired: 650 }), settings, new Set());
    expect(ttl).toMatchObject({ key: 'cache_settings:ttl:query_results', safe: true, change: { strategy: 'query_results', ttlSeconds: 3600 }, target: { name: 'cache_hit_ratio', subject: 'query_results', direction: 'increase' } });
    expect(ttl!.confidence).toBeGreaterThan(0.9);
  });

  it('only proposes (below the apply threshold) when it cannot tell why keys missed', () => {
    const [ttl] = proposeCacheSettings(cacheWindow({ hits: 300, misses: 700 }), settings, new Set());
    expect(ttl!.confidence).toBeLessThanOrEqual(0.9);
    const [fresh] = proposeCacheSettings(cacheWindow({ hits: 300, misses: 700, expired: 10 }), settings, new Set());
    expect(fresh!.confidence).toBeLessThan(ttl!.confidence);
  });

  it('is not safe when memory is nearly full, and silent when the hit ratio is fine or traffic is thin', () => {
    expect(proposeCacheSettings(cacheWindow({ hits: 300, misses: 700, expired: 650, usedMb: 480 }), settings, new Set())[0]!.safe).toBe(false);
    expect(proposeCacheSettings(cacheWindow({ hits: 800, misses: 200, usedMb: 300 }), settings, new Set())).toEqual([]);
    expect(proposeCacheSettings(cacheWindow({ hits: 10, misses: 50, usedMb: 300 }), settings, new Set())).toEqual([]);
    expect(proposeCacheSettings(cacheWindow({ hits: 300, misses: 700, expired: 650, usedMb: 300 }), settings, new Set(['cache_settings:ttl:query_results']))).toEqual([]);
  });

  it('grows an evicting L1 only within a memory budget', () => {
    const evicting = cacheWindow({ hits: 800, misses: 200, usedMb: 510, evictions: 150, sets: 200 });
    const unbounded = proposeCacheSettings(evicting, settings, new Set()).find((entry) => entry.key === 'cache_settings:memory_size')!;
    expect(unbounded).toMatchObject({ safe: false, change: { memoryMaxSizeMb: 768 } });
    const bounded = proposeCacheSettings(evicting, settings, new Set(), { maxMemorySizeMb: 640 }).find((entry) => entry.key === 'cache_settings:memory_size')!;
    expect(bounded).toMatchObject({ safe: true, change: { memoryMaxSizeMb: 640 }, target: { name: 'cache_level_hit_ratio', subject: 'memory', direction: 'increase' } });
    expect(bounded.confidence).toBeGreaterThan(0.9);
  });

  it('shrinks a mostly empty L1 as a saving that must not lower the hit ratio', () => {
    const [shrink] = proposeCacheSettings(cacheWindow({ hits: 800, misses: 200, usedMb: 40 }), settings, new Set());
    expect(shrink).toMatchObject({ key: 'cache_settings:memory_size', safe: true, change: { memoryMaxSizeMb: 256 }, target: { direction: 'hold' } });
    expect(shrink!.confidence).toBeGreaterThan(0.9);
  });
});
