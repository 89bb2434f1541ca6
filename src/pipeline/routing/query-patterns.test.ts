import { describe, expect, it } from 'vitest';
import { queryPattern } from './query-patterns.js';

describe('query patterns', () => {
  it('keeps research type, domain and stemmed key terms, independent of word order and filler', () => {
    const a = queryPattern('How do I drain connections gracefully in Axum?', 'implementation', 'rust');
    const b = queryPattern('axum: gracefully draining connection, how?', 'implementation', 'rust');
    expect(a.key).toBe(b.key);
    expect(a.terms).toEqual(['axum', 'connection', 'drain', 'graceful']);
    expect(a.key).toBe('implementation:rust:axum+connection+drain+graceful');
    expect(queryPattern('How do I drain connections gracefully in Axum?', 'troubleshooting', 'rust').key).not.toBe(a.key);
  });

  it('keeps at most maxTerms, preferring the longest (most specific) words', () => {
    const pattern = queryPattern('postgres vacuum autovacuum bloat index tables 2024', 'troubleshooting', 'database', 3);
    expect(pattern.terms).toEqual(['autovacuum', 'postgr', 'vacuum']);
  });
});
