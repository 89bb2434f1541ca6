import { describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.js';
import { DueEntry, DueTimers } from './due-timers.js';

describe('DueTimers', () => {
  it('fires each entry at its own time through one timer per delay, skipping cancelled ones', async () => {
    const clock = createManualClock(0);
    const timers = new DueTimers(clock);
    const fired: string[] = [];
    const entry = (name: string) => new DueEntry({ onDue: (kind) => fired.push(`${name}@${clock.now()}:${kind}`) }, 7);
    const [a, b, c] = [entry('a'), entry('b'), entry('c')];
    timers.schedule(a, 100);
    await clock.advance(50);
    timers.schedule(b, 100);
    timers.schedule(c, 31); // rounded up to 40
    expect(clock.pendingTimers()).toBe(2);
    timers.cancel(a);
    await clock.advance(50);
    expect(fired).toEqual(['c@90:7']); // a was cancelled: at 100 its list's timer re-armed for b
    await clock.advance(49);
    expect(fired).toHaveLength(1);
    await clock.advance(1);
    expect(fired).toEqual(['c@90:7', 'b@150:7']);
    expect(clock.pendingTimers()).toBe(0);
  });
});
