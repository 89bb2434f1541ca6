import { describe, expect, it } from 'vitest';
import { createApiBatch } from './api-batch.js';

describe('api batch', () => {
  it('hands back observations in order, says when it is full, and empties on drain', () => {
    const batch = createApiBatch(3);
    expect(batch.push('/a', 'GET', 200, 1.5)).toBe(false);
    expect(batch.push('/b', 'POST', 503, 20)).toBe(false);
    expect(batch.push('/c', 'GET', 404, 0.25)).toBe(true);
    const seen: unknown[] = [];
    batch.drain((...entry) => seen.push(entry));
    expect(seen).toEqual([
      ['/a', 'GET', 200, 1.5],
      ['/b', 'POST', 503, 20],
      ['/c', 'GET', 404, 0.25],
    ]);
    expect(batch.length).toBe(0);
    batch.drain(() => seen.push('again'));
    expect(seen).toHaveLength(3);
  });
});
