import { describe, expect, it } from 'vitest';
import { renderCacheStats } from './admin-commands.js';

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
