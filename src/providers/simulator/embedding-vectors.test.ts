import { describe, expect, it } from 'vitest';
import { embedText } from './embedding-vectors.js';

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((sum, value, index) => sum + value * (b[index] ?? 0), 0);

describe('embedText', () => {
  it('is unit length and deterministic', () => {
    const vector = embedText('How do I tune PostgreSQL autovacuum?', 256);
    expect(cosine(vector, vector)).toBeCloseTo(1, 5);
    expect(Array.from(embedText('How do I tune PostgreSQL autovacuum?', 256))).toEqual(Array.from(vector));
  });

  it('puts paraphrases closer than unrelated texts', () => {
    const a = embedText('How do I tune PostgreSQL autovacuum settings?', 512);
    const b = embedText('How should I tune autovacuum settings in PostgreSQL', 512);
    const c = embedText('Best sourdough hydration for a crisp crust', 512);
    expect(cosine(a, b)).toBeGreaterThan(0.7);
    expect(cosine(a, c)).toBeLessThan(0.3);
  });

  it('gives empty text a valid vector', () => {
    expect(embedText('', 8)[0]).toBe(1);
  });
});
