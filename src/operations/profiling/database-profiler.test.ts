import { afterEach, describe, expect, it, vi } from 'vitest';
import { profileStorage } from './database-profiler.js';

describe('profileStorage', () => {
  // The clock is faked: only the slow call takes time (25 ms), so a busy machine descheduling
  // this thread cannot make a quick call look slow (it once timed an instant call at ≥ 15 ms).
  afterEach(() => vi.useRealTimers());

  it('times repository calls, lists those at or above the threshold, and unwraps afterwards', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
    const gate: { release?: () => void } = {};
    const storage = {
      dialect: 'sqlite',
      db: { mustNotBeTouched: () => 'db' },
      learning: {
        listRecent: async () => [],
        slow: () => new Promise<void>((resolve) => (gate.release = resolve)),
      },
      providerRequests: {
        insertMany: async () => {
          throw new Error('disk full');
        },
      },
    };
    const originalDb = storage.db.mustNotBeTouched;
    const controller = new AbortController();
    const profiling = profileStorage(storage, { durationMs: 60_000, minDurationMs: 15, signal: controller.signal });
    await storage.learning.listRecent();
    await storage.learning.listRecent();
    await expect(storage.providerRequests.insertMany()).rejects.toThrow('disk full');
    const slow = storage.learning.slow();
    vi.advanceTimersByTime(25);
    gate.release!();
    await slow;
    controller.abort();
    const profile = await profiling;

    expect(profile.totalQueries).toBe(4);
    const byName = Object.fromEntries(profile.operations.map((entry) => [entry.operation, entry]));
    expect(byName['learning.listRecent']!.count).toBe(2);
    expect(byName['providerRequests.insertMany']!.errors).toBe(1);
    expect(profile.slowQueries.map((query) => query.name)).toEqual(['learning.slow']);
    expect(profile.slowQueries[0]!.durationMs).toBeGreaterThanOrEqual(15);
    expect(profile.slowCount).toBe(1);
    expect(profile.operations[0]!.operation).toBe('learning.slow'); // slowest p95 first
    expect(storage.db.mustNotBeTouched).toBe(originalDb);
    await storage.learning.listRecent();
    expect(profile.totalQueries).toBe(4);
  });
});
