import { describe, expect, it } from 'vitest';
import { createSeededRandom } from './seeded-random.js';

describe('createSeededRandom', () => {
  it('repeats its sequence for a seed, differs for another, and stays within [0, 1)', () => {
    const a = createSeededRandom(99);
    const b = createSeededRandom(99);
    const values = Array.from({ length: 1000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
    expect(createSeededRandom(100)()).not.toBe(values[0]);
  });

  it('is mulberry32: the sequence that recorded runs and benchmarks depend on', () => {
    const random = createSeededRandom(42);
    expect(Array.from({ length: 4 }, random)).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099, 0.6697340414393693]);
  });
});
