import { describe, expect, it } from 'vitest';
import { renderCacheStats, renderWarmRun } from './admin-commands.js';

describe('cache status', () => {
  const memory = { level: 'memory', healthy: true, hits: 3, misses: 1, sets: 1, evictions: 0, entries: 1, usedBytes: 2048 };
  it('says the Redis level is not in use when the config enables it and the server built none', () => {
    expect(renderCacheStats({ levels: [memory] }, true)).toContain('redis: not in use (caching.levels.redis is enabled, but the server was started without REDIS_URL)');
  });

  it('says nothing more when the server has the Redis level, or the config does not enable it', () => {
    expect(renderCacheStats({ levels: [memory, { ...memory, level: 'redis' }] }, true)).not.toContain('not in use');
    expect(renderCacheStats({ levels: [memory] }, false)).not.toContain('not in use');
  });
});

describe('cache warm', () => {
  it('prints the run as a sentence, not a JSON blob', () => {
    const run = {
      popular: { considered: 5, alreadyCached: 2, warmed: 3, failed: 0 },
      patterns: { considered: 4, alreadyCached: 0, warmed: 1, failed: 0, belowThreshold: 3 },
      embeddings: { considered: 6, alreadyCached: 2, computed: 4 },
      executed: 4,
      cost: 0.00123,
      stoppedBy: 'max_queries',
    };
    expect(renderWarmRun(run)).toBe(
      'popular queries 3 warmed of 5 (2 already cached, 0 failed); recent patterns 1 warmed of 4 (0 already cached, 0 failed, 3 below the frequency threshold); embeddings 4 computed of 6 (2 already cached); 4 queries run for $0.0012, stopped by caching.warming max_queries',
    );
    expect(renderWarmRun({ other: 1 })).toBe('{"other":1}');
  });
});
