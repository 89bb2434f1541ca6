import { describe, expect, it } from 'vitest';
import { wilsonInterval } from './wilson.js';

describe('wilsonInterval', () => {
  it('matches the textbook values', () => {
    // 1 of 10: 95 % Wilson interval 0.0179–0.4042.
    const value = wilsonInterval(1, 10);
    expect(value.rate).toBe(0.1);
    expect(value.low).toBeCloseTo(0.0179, 3);
    expect(value.high).toBeCloseTo(0.4042, 3);
  });

  it('stays inside 0–1 at the edges and says nothing without data', () => {
    expect(wilsonInterval(0, 50).low).toBe(0);
    expect(wilsonInterval(0, 50).high).toBeCloseTo(0.0714, 3);
    expect(wilsonInterval(50, 50).high).toBe(1);
    expect(wilsonInterval(0, 0)).toMatchObject({ rate: 0, low: 0, high: 1 });
  });
});
