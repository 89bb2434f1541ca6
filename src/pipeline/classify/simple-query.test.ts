import { describe, expect, it } from 'vitest';
import { isSimpleQuery } from './simple-query.js';

describe('isSimpleQuery', () => {
  it('a short single question is simple', () => {
    expect(isSimpleQuery('What is the capital of France?')).toBe(true);
    expect(isSimpleQuery('define idempotency')).toBe(true);
  });

  it('long, multi-sentence, multi-line or code-bearing queries are not', () => {
    expect(isSimpleQuery('Compare PostgreSQL and MySQL. Which one should we pick for a write-heavy workload?')).toBe(false);
    expect(isSimpleQuery(Array.from({ length: 26 }, () => 'word').join(' '))).toBe(false);
    expect(isSimpleQuery('why does this fail\nat line 3')).toBe(false);
    expect(isSimpleQuery('why does `x()` throw')).toBe(false);
    expect(isSimpleQuery('   ')).toBe(false);
  });
});
