import { describe, expect, it } from 'vitest';
import { MemoryCacheStore } from './memory/memory-store.js';
import { MemoryPressureMonitor } from './memory-pressure.js';

const MB = 1024 * 1024;

describe('MemoryPressureMonitor', () => {
  it('halves L1 when usage crosses the threshold, then waits out the cooldown', async () => {
    const store = new MemoryCacheStore({ maxSizeBytes: MB, ttlSeconds: 60 });
    for (let index = 0; index < 40; index++) await store.set(`k${String(index).padStart(2, '0')}`, 'x'.repeat(1000), 60_000);
    const before = (await store.stats()).usedBytes!;
    let usage = 500;
    let now = 0;
    const warnings: string[] = [];
    const monitor = new MemoryPressureMonitor(
      { limitBytes: 1000, threshold: 0.85, intervalMs: 0, cooldownMs: 10_000 },
      { targets: [store], readMemory: () => usage, now: () => now, logger: { warn: (_object, message) => warnings.push(message) } },
    );

    expect(monitor.check()).toBe(false);
    usage = 900;
    expect(monitor.check()).toBe(true);
    expect((await store.stats()).usedBytes).toBeLessThanOrEqual(before / 2);
    expect(store.getSync('k39')).toBeDefined();
    expect(store.getSync('k00')).toBeUndefined();

    now = 5_000;
    expect(monitor.check()).toBe(false); // still cooling down
    now = 20_000;
    expect(monitor.check()).toBe(true);
    expect((await store.stats()).usedBytes).toBeLessThanOrEqual(before / 4);

    const stats = monitor.stats();
    expect(stats).toMatchObject({ checks: 4, shrinks: 2, lastUsageBytes: 900, limitBytes: 1000 });
    expect(stats.evicted).toBe(30);
    expect(warnings).toHaveLength(2);
    monitor.close();
  });

  it('defaults to the V8 heap limit and a timer that does not hold the process open', () => {
    const monitor = new MemoryPressureMonitor({ intervalMs: 60_000 }, { targets: [] });
    expect(monitor.stats().limitBytes).toBeGreaterThan(0);
    expect(monitor.check()).toBe(false);
    monitor.close();
  });
});
