import { describe, expect, it } from 'vitest';
import { createBatchProcessor } from './batch-processor.js';
import type { BatchTiming } from './batch-processor.js';

describe('createBatchProcessor', () => {
  it('returns results in input order, errors included, never rejecting', async () => {
    const processor = createBatchProcessor({ batchSize: 3, maxConcurrent: 2 });
    const items = [5, 1, 4, 2, 3, 0, 6];
    const results = await processor.process(items, async (item) => {
      await new Promise((resolve) => setTimeout(resolve, item));
      if (item === 4) throw new Error('four');
      return item * 10;
    });
    expect(results.map((result) => (result.ok ? result.value : (result.error as Error).message))).toEqual([50, 10, 'four', 20, 30, 0, 60]);
  });

  it('runs chunks one after another and never exceeds max_concurrent', async () => {
    const processor = createBatchProcessor({ batchSize: 4, maxConcurrent: 2 });
    let running = 0;
    let peak = 0;
    const events: string[] = [];
    await processor.process([0, 1, 2, 3, 4, 5], async (item) => {
      running += 1;
      peak = Math.max(peak, running);
      events.push(`start ${item}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
      events.push(`end ${item}`);
      running -= 1;
      return item;
    });
    expect(peak).toBe(2);
    // Items 4 and 5 (second chunk) start only after every item of the first chunk ended.
    const lastEndOfFirstChunk = Math.max(...[0, 1, 2, 3].map((item) => events.indexOf(`end ${item}`)));
    expect(events.indexOf('start 4')).toBeGreaterThan(lastEndOfFirstChunk);
  });

  it('reports one timing per item', async () => {
    const timings: BatchTiming[] = [];
    const processor = createBatchProcessor({ batchSize: 2, maxConcurrent: 2 }, { onItem: (timing) => timings.push(timing) });
    await processor.process(['a', 'b', 'c'], async (item) => {
      if (item === 'b') throw new Error('b');
      return item;
    });
    expect(timings.map((timing) => [timing.index, timing.ok]).sort()).toEqual([
      [0, true],
      [1, false],
      [2, true],
    ]);
    expect(timings.every((timing) => timing.durationMs >= 0)).toBe(true);
  });
});
