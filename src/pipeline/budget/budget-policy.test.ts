import { describe, expect, it } from 'vitest';
import { activeActions, calendarPeriods, DEFAULT_BUDGET_ACTIONS, expensiveProviders, parseBudgetActions, worstCaseCostUsd } from './budget-policy.js';

describe('budget policy', () => {
  const thresholds = parseBudgetActions(DEFAULT_BUDGET_ACTIONS);

  it('parses the seed actions in threshold order', () => {
    expect(thresholds).toEqual([
      { fraction: 0.8, action: 'alert' },
      { fraction: 0.9, action: 'throttle' },
      { fraction: 0.95, action: 'pause_expensive_providers' },
      { fraction: 1, action: 'emergency_stop' },
    ]);
    expect(() => parseBudgetActions({ eighty: 'alert' })).toThrow(/80_percent/);
  });

  it('applies every action whose threshold is reached', () => {
    expect(activeActions(thresholds, 0.79)).toMatchObject({ threshold: undefined, alert: false, throttle: false });
    expect(activeActions(thresholds, 0.8)).toMatchObject({ alert: true, throttle: false, pauseExpensive: false, emergencyStop: false });
    expect(activeActions(thresholds, 0.9)).toMatchObject({ alert: true, throttle: true, pauseExpensive: false });
    expect(activeActions(thresholds, 0.95)).toMatchObject({ throttle: true, pauseExpensive: true, emergencyStop: false });
    expect(activeActions(thresholds, 1)).toMatchObject({ pauseExpensive: true, emergencyStop: true, threshold: { fraction: 1 } });
  });

  it('names the UTC day and month of a moment', () => {
    const periods = calendarPeriods(Date.UTC(2025, 1, 28, 23, 59, 59));
    expect(periods.day).toEqual({ key: 'day:2025-02-28', start: Date.UTC(2025, 1, 28), end: Date.UTC(2025, 2, 1) });
    expect(periods.month).toEqual({ key: 'month:2025-02', start: Date.UTC(2025, 1, 1), end: Date.UTC(2025, 2, 1) });
  });

  it('prices the worst case as estimated input (with margin) plus every output token', () => {
    const price = { input_per_million: 2, output_per_million: 10 };
    expect(worstCaseCostUsd(price, 1_000, 500)).toBeCloseTo((1_000 * 2 + 500 * 10) / 1e6, 12);
    expect(worstCaseCostUsd(price, 1_000, 500, 1.1)).toBeCloseTo((1_100 * 2 + 500 * 10) / 1e6, 12);
    expect(worstCaseCostUsd(undefined, 1_000, 500)).toBe(0);
  });

  it('calls providers above the median price expensive', () => {
    expect(expensiveProviders({ openai: 90, claude: 18, gemini: 0.5 })).toEqual(new Set(['openai']));
    expect(expensiveProviders({ a: 1, b: 2, c: 3, d: 4 })).toEqual(new Set(['c', 'd']));
    expect(expensiveProviders({ a: 1, b: 1 })).toEqual(new Set());
  });
});
