import { describe, expect, it } from 'vitest';
import { createRollingWindow, mergeWindowStates, slotAdd, slotObserve } from './rolling-window.js';

describe('rolling window', () => {
  it('records into 10 s slots and forgets slots older than the window', () => {
    let now = 1_000_000;
    const window = createRollingWindow({ bucketMs: 10_000, windowMs: 60_000, now: () => now });
    for (let second = 0; second < 120; second += 1) {
      slotAdd(window.current(), 'requests');
      slotObserve(window.current(), 'latency', second);
      now += 1000;
    }
    const state = window.state();
    const requests = state.slots.reduce((sum, slot) => sum + (Object.fromEntries(slot.counters).requests ?? 0), 0);
    // 60 s window on 10 s buckets: the slots overlapping the last 60 s (7 slots, the oldest partly).
    expect(state.slots.length).toBeLessThanOrEqual(7);
    expect(requests).toBeGreaterThanOrEqual(60);
    expect(requests).toBeLessThanOrEqual(70);
    expect(state.slots.every((slot) => slot.start >= now - 70_000)).toBe(true);
    // The oldest recorded seconds are gone.
    const smallest = Math.min(...state.slots.flatMap((slot) => slot.sketches.map(([, sketch]) => sketch.min)));
    expect(smallest).toBeGreaterThanOrEqual(50);
  });

  it('recycles a ring slot when time wraps around instead of adding to stale counts', () => {
    let now = 0;
    const window = createRollingWindow({ bucketMs: 1000, windowMs: 3000, now: () => now });
    slotAdd(window.current(), 'n', 5);
    now = 4000; // same ring position (4 slots), a different time
    slotAdd(window.current(), 'n', 1);
    const state = window.state();
    expect(state.slots).toHaveLength(1);
    expect(state.slots[0]!.counters).toEqual([['n', 1]]);
  });

  it('merges windows slot by slot', () => {
    let now = 50_000;
    const a = createRollingWindow({ bucketMs: 10_000, windowMs: 60_000, now: () => now });
    const b = createRollingWindow({ bucketMs: 10_000, windowMs: 60_000, now: () => now });
    slotAdd(a.current(), 'n', 2);
    slotAdd(b.current(), 'n', 3);
    slotObserve(b.current(), 'latency', 7);
    now = 61_000;
    slotAdd(b.current(), 'n', 1);
    const merged = mergeWindowStates([a.state(), JSON.parse(JSON.stringify(b.state()))]);
    expect(merged.slots.map((slot) => [slot.start, slot.counters])).toEqual([
      [50_000, [['n', 5]]],
      [60_000, [['n', 1]]],
    ]);
    expect(merged.slots[0]!.sketches[0]![1].count).toBe(1);
  });

  it('refuses to merge windows with different bucket widths', () => {
    const a = createRollingWindow({ bucketMs: 1000 });
    const b = createRollingWindow({ bucketMs: 2000 });
    expect(() => mergeWindowStates([a.state(), b.state()])).toThrow(/buckets/);
  });
});

describe('rolling window on the system clock', () => {
  it('moves to a new slot when the slot timer expires (one clock read per slot)', async () => {
    const window = createRollingWindow({ bucketMs: 40, windowMs: 10_000 });
    slotAdd(window.current(), 'n');
    const first = window.current();
    await new Promise((resolve) => setTimeout(resolve, 120));
    slotAdd(window.current(), 'n');
    expect(window.current()).not.toBe(first);
    const state = window.state();
    expect(state.slots).toHaveLength(2);
    expect(state.slots.every((slot) => slot.start % 40 === 0)).toBe(true);
    window.close();
  });
});
