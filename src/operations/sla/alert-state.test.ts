import { describe, expect, it } from 'vitest';
import { initialStatus, stepAlert } from './alert-state.js';

describe('alert lifecycle', () => {
  it('goes pending, waits out the duration, fires, resolves, and can go pending again', () => {
    const status = initialStatus(0);
    const duration = 300_000;
    expect(stepAlert(status, false, 50, 0, duration)).toBeUndefined();
    expect(stepAlert(status, true, 250, 10_000, duration)).toMatchObject({ from: 'inactive', to: 'pending', at: 10_000, value: 250 });
    expect(stepAlert(status, true, 260, 300_000, duration)).toBeUndefined(); // held 290 s: not yet
    expect(status.state).toBe('pending');
    expect(stepAlert(status, true, 270, 310_000, duration)).toMatchObject({ from: 'pending', to: 'firing', activeSince: 10_000, value: 270 });
    expect(stepAlert(status, true, 280, 320_000, duration)).toBeUndefined();
    expect(stepAlert(status, false, 120, 330_000, duration)).toMatchObject({ from: 'firing', to: 'resolved', value: 120 });
    expect(status).toMatchObject({ state: 'resolved', since: 330_000, activeSince: null });
    expect(stepAlert(status, true, 300, 340_000, duration)).toMatchObject({ from: 'resolved', to: 'pending' });
  });

  it('drops back to inactive when the condition stops holding before the duration', () => {
    const status = initialStatus(0);
    stepAlert(status, true, 1, 0, 60_000);
    expect(stepAlert(status, false, null, 30_000, 60_000)).toMatchObject({ from: 'pending', to: 'inactive', value: null });
    // The hold restarts from scratch.
    stepAlert(status, true, 1, 40_000, 60_000);
    expect(stepAlert(status, true, 1, 90_000, 60_000)).toBeUndefined();
    expect(stepAlert(status, true, 1, 100_000, 60_000)).toMatchObject({ to: 'firing' });
  });

  it('fires at once with a zero duration', () => {
    const status = initialStatus(0);
    expect(stepAlert(status, true, 1, 5, 0)).toMatchObject({ from: 'inactive', to: 'firing' });
  });
});
