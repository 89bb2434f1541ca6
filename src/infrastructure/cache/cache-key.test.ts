import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  chatRequestCacheKey,
  embeddingCacheKey,
  keyNamespace,
  normaliseQuery,
  queryCacheKey,
  semanticHashText,
  tenantNamespace,
} from './cache-key.js';

describe('normaliseQuery', () => {
  it('applies NFKC, lower case, collapsed whitespace and trimmed edge punctuation', () => {
    expect(normaliseQuery('  How do I  USE\tﬁle locks?!  ')).toBe('how do i use file locks');
    expect(normaliseQuery('Ｒｕｓｔ async')).toBe('rust async');
    expect(normaliseQuery('"What is C++?"')).toBe('what is c++');
    expect(normaliseQuery('(C#)...')).toBe('c#');
    expect(normaliseQuery('What is C?')).not.toBe(normaliseQuery('What is C++?'));
  });
});

describe('semanticHashText', () => {
  it('normalises only what cannot change the meaning: case, Unicode form, whitespace, edge punctuation', () => {
    expect(semanticHashText('  What has  CHANGED\tyou?! ')).toBe('what has changed you');
    expect(semanticHashText('Ｒｕｓｔ async?')).toBe('rust async');
  });

  it('keeps pronouns, question words, modals, negation and order (the issue-19 false hits)', () => {
    const differ: Array<[string, string]> = [
      ['What has changed you?', 'What has changed?'],
      ['How was Napoleon?', 'Who was Napoleon?'],
      ['Can I deploy on Fridays?', 'Should I deploy on Fridays?'],
      ['Why is my query NOT using the index?', 'Why is my query using the index?'],
      ['convert celsius to fahrenheit', 'convert fahrenheit to celsius'],
      ['Please explain the borrow checker', 'explain the borrow checker'],
    ];
    for (const [left, right] of differ) expect(semanticHashText(left), `${left} / ${right}`).not.toBe(semanticHashText(right));
  });
});

describe('queryCacheKey', () => {
  const base = { query: 'How do I pin a Rust toolchain?', researchType: 'implementation', audience: 'beginner', domain: 'rust', model: 'm1' };

  it('has a readable prefix, version and tenant namespace, then a 128-bit hash', () => {
    expect(queryCacheKey('qr', base)).toMatch(/^qr:v1:shared:[0-9a-f]{32}$/);
    expect(queryCacheKey('qr', { ...base, tenant: 'team-a' })).toMatch(/^qr:v1:t-[0-9a-f]{16}:[0-9a-f]{32}$/);
  });

  it('is equal for the same question written differently', () => {
    expect(queryCacheKey('qr', base)).toBe(queryCacheKey('qr', { ...base, query: '  how do i pin a rust TOOLCHAIN ' }));
    expect(queryCacheKey('qr', base, 'semantic_hash')).toBe(queryCacheKey('qr', { ...base, query: '  how do i pin a rust TOOLCHAIN ' }, 'semantic_hash'));
    expect(queryCacheKey('qr', base, 'semantic_hash')).not.toBe(queryCacheKey('qr', { ...base, query: 'please how do I pin the Rust toolchain' }, 'semantic_hash'));
  });

  it('differs whenever something that changes the answer differs', () => {
    const key = queryCacheKey('qr', base);
    const variants = [
      { ...base, query: 'How do I unpin a Rust toolchain?' },
      { ...base, researchType: 'learning' },
      { ...base, audience: 'advanced' },
      { ...base, domain: 'devops' },
      { ...base, model: 'm2' },
      { ...base, parameters: { temperature: 0.2 } },
      { ...base, tenant: 'team-a' },
    ];
    const keys = new Set(variants.map((variant) => queryCacheKey('qr', variant)));
    expect(keys.size).toBe(variants.length);
    expect(keys.has(key)).toBe(false);
    expect(queryCacheKey('qr', base, 'semantic_hash')).not.toBe(key);
  });

  it('ignores parameter order and undefined parameters', () => {
    const a = queryCacheKey('qr', { ...base, parameters: { temperature: 0.2, maxTokens: 100, topP: undefined } });
    const b = queryCacheKey('qr', { ...base, parameters: { maxTokens: 100, temperature: 0.2 } });
    expect(a).toBe(b);
  });

  it('never puts the tenant name in the key', () => {
    expect(queryCacheKey('qr', { ...base, tenant: 'sk-secret-key' })).not.toContain('secret');
    expect(tenantNamespace(undefined)).toBe('shared');
    expect(keyNamespace('qr', 'team-a')).toBe(`qr:v1:${tenantNamespace('team-a')}:`);
    expect(queryCacheKey('qr', { ...base, tenant: 'team-a' }).startsWith(keyNamespace('qr', 'team-a'))).toBe(true);
    expect(queryCacheKey('qr', base).startsWith(keyNamespace('qr'))).toBe(true);
  });
});

describe('chatRequestCacheKey and embeddingCacheKey', () => {
  const request = { model: 'gpt-x', messages: [{ role: 'user' as const, content: 'hi  there' }], temperature: 0 };

  it('keeps prompts verbatim and includes provider and sampling parameters', () => {
    const key = chatRequestCacheKey('pr', request, { provider: 'openai' });
    expect(key).toMatch(/^pr:v1:shared:/);
    expect(chatRequestCacheKey('pr', { ...request, messages: [{ role: 'user', content: 'hi there' }] }, { provider: 'openai' })).not.toBe(key);
    expect(chatRequestCacheKey('pr', request, { provider: 'ollama' })).not.toBe(key);
    expect(chatRequestCacheKey('pr', { ...request, temperature: 0.7 }, { provider: 'openai' })).not.toBe(key);
    expect(chatRequestCacheKey('pr', { ...request, user: 'alice' }, { provider: 'openai' })).not.toBe(key);
    expect(chatRequestCacheKey('pr', { ...request }, { provider: 'openai' })).toBe(key);
  });

  it('keys embeddings by model and text', () => {
    expect(embeddingCacheKey('emb', 'm', 'text')).not.toBe(embeddingCacheKey('emb', 'm2', 'text'));
    expect(embeddingCacheKey('emb', 'm', 'text')).not.toBe(embeddingCacheKey('emb', 'm', 'Text'));
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
  });
});
