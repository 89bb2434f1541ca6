import { describe, expect, it } from 'vitest';
import { fts5Query, searchTerms, tsQuery } from './full-text.js';

describe('searchTerms', () => {
  it('keeps lower-cased letters and digits, drops English stop words and duplicates', () => {
    expect(searchTerms('How do I tune the Node.js HTTP agent? node AGENT gpt-4o')).toEqual(['tune', 'node', 'js', 'http', 'agent', 'gpt', '4o']);
  });

  it('reduces query syntax of either engine to plain words', () => {
    expect(searchTerms('a" OR b* NEAR(c) & !d | e:* -f')).toEqual(['b', 'near', 'c', 'd', 'e', 'f']);
    expect(searchTerms('the of and')).toEqual([]);
  });

  it('keeps non-ASCII words and caps the number of terms', () => {
    expect(searchTerms('Größe café')).toEqual(['größe', 'café']);
    expect(searchTerms(Array.from({ length: 50 }, (_, index) => `w${index}`).join(' '))).toHaveLength(32);
  });
});

describe('engine query strings', () => {
  it('quotes FTS5 terms and joins them by AND (implicit) or OR', () => {
    expect(fts5Query(['node', 'js'], 'all')).toBe('"node" "js"');
    expect(fts5Query(['node', 'js'], 'any')).toBe('"node" OR "js"');
  });

  it('joins tsquery terms with & or |', () => {
    expect(tsQuery(['node', 'js'], 'all')).toBe('node & js');
    expect(tsQuery(['node', 'js'], 'any')).toBe('node | js');
  });
});
