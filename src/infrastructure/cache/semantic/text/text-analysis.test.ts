import { describe, expect, it } from 'vitest';
import { porterStem } from './porter-stemmer.js';
import { analyseText, canonicalTerm, normaliseQuery } from './text-analysis.js';

describe('porterStem', () => {
  it('conflates inflections and derivations', () => {
    expect(porterStem('configuration')).toBe(porterStem('configure'));
    expect(porterStem('connected')).toBe(porterStem('connection'));
    expect(porterStem('libraries')).toBe(porterStem('library'));
    expect(porterStem('running')).toBe('run');
  });

  it('leaves short and non-alphabetic words alone', () => {
    expect(porterStem('go')).toBe('go');
    expect(porterStem('v2')).toBe('v2');
  });
});

describe('normaliseQuery', () => {
  it('lowercases, collapses whitespace and drops trailing punctuation', () => {
    expect(normaliseQuery('  How do I  install\tRedis?? ')).toBe('how do i install redis');
  });
});

describe('analyseText', () => {
  it('expands contractions into a negation token', () => {
    expect(analyseText("Why isn't it working").map((token) => token.lower)).toEqual(['why', 'is', 'not', 'it', 'working']);
    expect(analyseText("I can't connect").map((token) => token.lower)).toContain('not');
  });

  it('marks code spans, identifiers, camel case and known names as entities', () => {
    const tokens = analyseText('Use `load_dataset` with PyTorch and redis, not the library');
    const entity = (lower: string) => tokens.find((token) => token.lower === lower)?.entityLike;
    expect(entity('load_dataset')).toBe(true);
    expect(entity('pytorch')).toBe(true);
    expect(entity('redis')).toBe(true);
    expect(entity('library')).toBe(false);
  });

  it('does not treat a sentence-initial capital as a name, nor an ambiguous lowercase tech word', () => {
    const tokens = analyseText('Install the express package and go home');
    expect(tokens.find((token) => token.lower === 'install')?.entityLike).toBe(false);
    expect(tokens.find((token) => token.lower === 'express')?.entityLike).toBe(false);
    expect(tokens.find((token) => token.lower === 'go')?.entityLike).toBe(false);
    expect(analyseText('Is Go faster').find((token) => token.lower === 'go')?.entityLike).toBe(true);
  });

  it('reads numbers in digits, words, thousands and versions', () => {
    const values = (text: string) => analyseText(text).filter((token) => token.kind === 'number').map((token) => token.value);
    expect(values('two replicas, 50k models, 1,000 rows')).toEqual(['2', '50000', '1000']);
    expect(values('Python 3.10 and 2.10.0')).toEqual(['3.10', '2.10.0']);
    expect(values('the first step, 2nd try')).toEqual(['1th', '2th']);
  });

  it('rewrites phrases and maps synonyms to one term', () => {
    const terms = (text: string) => analyseText(text).filter((token) => !token.stopword).map((token) => token.term);
    expect(terms('a state-of-the-art library')).toEqual(terms('a cutting-edge package'));
    expect(canonicalTerm('build')).toBe(canonicalTerm('create'));
    expect(canonicalTerm('install')).not.toBe(canonicalTerm('uninstall'));
    expect(terms("What's the best way to deploy it")[0]).toBe(terms('How to deploy it')[0]);
  });

  it('keeps names whole so HTTPS is not a plural of HTTP', () => {
    const [http, https] = analyseText('HTTP HTTPS');
    expect(http?.term).not.toBe(https?.term);
  });
});
