import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../core/chat.js';
import { estimateTokens } from '../wire/token-estimate.js';
import { compressWhitespace, cutMiddle, optimizeTokens } from './token-optimization.js';

const words = (count: number, prefix = 'word') => Array.from({ length: count }, (_, index) => `${prefix}${index}`).join(' ');

describe('token optimisation', () => {
  it('collapses whitespace outside code fences and keeps indentation inside them', () => {
    const text = 'Hello   there,\t\tfriend.   \n\n\n\n  Indented   prose\n```python\ndef f():\n    return  1   \n```\n';
    expect(compressWhitespace(text)).toBe('Hello there, friend.\n\nIndented prose\n```python\ndef f():\n    return  1\n```');
  });

  it('cuts the middle of a long message, keeping its start and end', () => {
    const text = words(400);
    const cut = cutMiddle(text, 100);
    expect(cut.startsWith('word0 word1')).toBe(true);
    expect(cut.endsWith('word398 word399')).toBe(true);
    expect(cut).toMatch(/\[… \d+ tokens omitted …\]/);
    expect(estimateTokens(cut)).toBeLessThan(130);
  });

  it('fits maxInputTokens by trimming the longest messages and caps maxOutputTokens', () => {
    const request: ChatRequest = {
      model: 'gpt-4',
      maxTokens: 4_000,
      messages: [
        { role: 'system', content: 'You are a careful research assistant.' },
        { role: 'user', content: `${words(1_500, 'context')} QUESTION: how do I drain connections?` },
      ],
    };
    const result = optimizeTokens(request, { maxInputTokens: 2_000, maxOutputTokens: 1_000, compressContext: true });
    expect(result.inputTokensBefore).toBeGreaterThan(2_000);
    expect(result.inputTokensAfter).toBeLessThanOrEqual(2_000);
    expect(result.truncatedMessages).toBe(1);
    expect(result.request.maxTokens).toBe(1_000);
    expect(result.request.messages[0]!.content).toBe('You are a careful research assistant.');
    expect(result.request.messages[1]!.content.endsWith('QUESTION: how do I drain connections?')).toBe(true);
    expect(request.messages[1]!.content.length).toBeGreaterThan(result.request.messages[1]!.content.length); // input untouched
  });

  it('leaves a request within limits alone', () => {
    const request: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'short question' }], maxTokens: 200 };
    const result = optimizeTokens(request, { maxInputTokens: 2_000, maxOutputTokens: 1_000 });
    expect(result.truncatedMessages).toBe(0);
    expect(result.request).toEqual(request);
    expect(optimizeTokens({ model: 'm', messages: [] }, { maxOutputTokens: 64 }).request.maxTokens).toBe(64);
  });
});
