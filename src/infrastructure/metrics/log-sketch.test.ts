import { describe, expect, it } from 'vitest';
import { RELATIVE_ERROR, createSketch, sketchMerge, sketchObserve, sketchQuantile, sketchToState } from './log-sketch.js';

/** Deterministic PRNG (mulberry32) so the data set is the same on every run. */
function prng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const nearestRank = (sorted: number[], q: number) => sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;

describe('log sketch', () => {
  it('answers quantiles within the documented relative error on a skewed latency distribution', () => {
    const random = prng(7);
    const sketch = createSketch();
    const values: number[] = [];
    for (let index = 0; index < 20_000; index += 1) {
      // log-normal-ish: most requests a few ms, a long tail into seconds
      const value = Math.exp(1 + 1.5 * (random() + random() + random() - 1.5) * 2);
      values.push(value);
      sketchObserve(sketch, value);
    }
    values.sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.95, 0.99, 0.999]) {
      const exact = nearestRank(values, q);
      const estimate = sketchQuantile(sketch, q)!;
      expect(Math.abs(estimate - exact) / exact).toBeLessThanOrEqual(RELATIVE_ERROR + 1e-9);
    }
    expect(sketch.count).toBe(20_000);
    expect(sketchQuantile(sketch, 1)).toBe(values.at(-1));
  });

  it('merges exactly: two halves give the same answers as the whole', () => {
    const random = prng(3);
    const whole = createSketch();
    const left = createSketch();
    const right = createSketch();
    for (let index = 0; index < 5000; index += 1) {
      const value = random() * 1000;
      sketchObserve(whole, value);
      sketchObserve(index % 2 ? left : right, value);
    }
    const merged = createSketch();
    sketchMerge(merged, left);
    sketchMerge(merged, JSON.parse(JSON.stringify(sketchToState(right))));
    for (const q of [0.01, 0.5, 0.95, 0.99]) expect(sketchQuantile(merged, q)).toBe(sketchQuantile(whole, q));
    expect(merged.count).toBe(whole.count);
    expect(merged.sum).toBeCloseTo(whole.sum, 6);
  });

  it('keeps zeros, ignores negative and NaN input, and is undefined when empty', () => {
    const sketch = createSketch();
    expect(sketchQuantile(sketch, 0.5)).toBeUndefined();
    sketchObserve(sketch, 0);
    sketchObserve(sketch, 0);
    sketchObserve(sketch, 10);
    sketchObserve(sketch, -1);
    sketchObserve(sketch, Number.NaN);
    expect(sketch.count).toBe(3);
    expect(sketchQuantile(sketch, 0.5)).toBe(0);
    expect(sketchQuantile(sketch, 0.99)).toBeCloseTo(10, 0);
  });

  it('ignores an empty state whose infinite bounds became null in JSON', () => {
    const sketch = createSketch();
    sketchObserve(sketch, 5);
    sketchMerge(sketch, JSON.parse(JSON.stringify(sketchToState(createSketch()))));
    expect(sketch.min).toBe(5);
    expect(sketch.count).toBe(1);
  });
});
