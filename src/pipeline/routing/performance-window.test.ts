import { describe, expect, it } from 'vitest';
import { createPerformanceWindow } from './performance-window.js';
import { createSeededRandom } from '../../core/seeded-random.js';
import { sampleNormal } from './random.js';

describe('performance window', () => {
  it('averages the calls inside the window and forgets older ones as the clock moves', () => {
    let now = 0;
    const window = createPerformanceWindow({ windowMs: 60_000, bucketMs: 1_000 }, { now: () => now });
    window.record('p', { at: now, ok: true, latencyMs: 100, costUsd: 0.01 });
    now = 30_000;
    window.record('p', { at: now, ok: false, latencyMs: 300, costUsd: 0 });
    expect(window.stats('p')).toMatchObject({ samples: 2, successes: 1, latencyMeanMs: 200, costMeanUsd: 0.01 });
    expect(window.stats('p').latencySdMs).toBeCloseTo(100, 9);
    now = 60_500;
    expect(window.stats('p')).toMatchObject({ samples: 1, successes: 0, latencyMeanMs: 300, costMeanUsd: 0 });
    now = 91_000;
    expect(window.stats('p').samples).toBe(0);
    expect(window.series()).toEqual([]);
  });

  it('restarts the window at a change point when a provider degrades', () => {
    let now = 0;
    const random = createSeededRandom(5);
    const window = createPerformanceWindow({ windowMs: 3_600_000 }, { now: () => now });
    const call = (medianMs: number, availability: number) => {
      now += 250;
      return window.record('p', { at: now, ok: random() < availability, latencyMs: medianMs * Math.exp(0.3 * sampleNormal(random)), costUsd: 0.001 });
    };
    let falseAlarms = 0;
    for (let index = 0; index < 2_000; index++) if (call(450, 0.99).changed) falseAlarms += 1;
    expect(falseAlarms).toBe(0);
    expect(window.stats('p').samples).toBe(2_000);
    let detectedAfter: number | undefined;
    for (let index = 1; index <= 50 && detectedAfter === undefined; index++) if (call(1_800, 0.75).changed) detectedAfter = index;
    expect(detectedAfter).toBeDefined();
    expect(detectedAfter!).toBeLessThanOrEqual(10);
    // The window now holds only the calls since the estimated change point.
    const after = window.stats('p');
    expect(after.samples).toBeLessThanOrEqual(Math.max(5, detectedAfter!));
    expect(after.latencyMeanMs).toBeGreaterThan(900);
  });

  it('does not call a steady but noisy provider changed', () => {
    let now = 0;
    const random = createSeededRandom(9);
    const window = createPerformanceWindow({ windowMs: 3_600_000 }, { now: () => now });
    let changes = 0;
    for (let index = 0; index < 10_000; index++) {
      now += 100;
      if (window.record('p', { at: now, ok: random() < 0.9, latencyMs: 800 * Math.exp(0.5 * sampleNormal(random)), costUsd: 0 }).changed) changes += 1;
    }
    expect(changes).toBe(0);
  });
});
