import { describe, expect, it } from 'vitest';
import { estimatePromptTokens, estimateTokens } from './token-estimate.js';
import { parseDurationMs, splitSystemMessages } from './wire-support.js';

describe('estimateTokens', () => {
  it('charges one token per started four characters of each word', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('the')).toBe(1);
    expect(estimateTokens('research')).toBe(2);
    expect(estimateTokens('PostgreSQL tuning\n\n  guide')).toBe(3 + 2 + 2);
    expect(estimatePromptTokens(['hi', 'there'])).toBe(1 + 3 + 2 + 3);
  });
});

describe('parseDurationMs', () => {
  it.each([
    ['1s', 1000],
    ['6m0s', 360_000],
    ['120ms', 120],
    ['1.5s', 1500],
    ['31s', 31_000],
    ['2', 2000],
    ['1h2m', 3_720_000],
  ])('reads %s', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it('rejects garbage', () => {
    expect(parseDurationMs('soon')).toBeUndefined();
    expect(parseDurationMs('')).toBeUndefined();
  });
});

describe('splitSystemMessages', () => {
  it('joins system messages and merges same-role turns', () => {
    expect(
      splitSystemMessages([
        { role: 'system', content: 'a' },
        { role: 'user', content: 'b' },
        { role: 'system', content: 'c' },
        { role: 'user', content: 'd' },
      ]),
    ).toEqual({ system: 'a\n\nc', turns: [{ role: 'user', content: 'b\n\nd', messages: [{ role: 'user', content: 'b' }, { role: 'user', content: 'd' }] }] });
  });
});
