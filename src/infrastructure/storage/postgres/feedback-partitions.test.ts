import { describe, expect, it } from 'vitest';
import { feedbackPartitionName, upcomingMonths } from './feedback-partitions.js';

describe('upcomingMonths', () => {
  it('names the current UTC month and the next ones in the seed form, across a year end', () => {
    const months = upcomingMonths(Date.UTC(2025, 10, 30, 23, 59), 2);
    expect(months).toEqual([
      { name: 'user_feedback_y2025m11', from: '2025-11-01T00:00:00.000Z', to: '2025-12-01T00:00:00.000Z' },
      { name: 'user_feedback_y2025m12', from: '2025-12-01T00:00:00.000Z', to: '2026-01-01T00:00:00.000Z' },
      { name: 'user_feedback_y2026m01', from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' },
    ]);
  });

  it('returns just the current month for zero months ahead', () => {
    expect(upcomingMonths(Date.UTC(2025, 0, 1), 0).map((month) => month.name)).toEqual([feedbackPartitionName(2025, 0)]);
  });
});
