import { describe, expect, it } from 'vitest';
import { TOKENIZE_MAX_CHARS, estimateChatTokens, loadTokenizer } from './token-estimator.js';

const request = (...contents: string[]) => ({ model: 'm', messages: contents.map((content) => ({ role: 'user' as const, content })) });

describe('estimateChatTokens', () => {
  it('counts with cl100k_base once loaded, plus the chat-format overhead', async () => {
    await loadTokenizer();
    // "hello world" is 2 cl100k tokens; +3 per message, +3 reply priming.
    expect(estimateChatTokens(request('hello world'))).toBe(8);
    expect(estimateChatTokens(request('hello world', 'hello world'))).toBe(13);
  });

  it('matches the encoder on whole texts although it counts piece by piece', async () => {
    const encoder = await loadTokenizer();
    const text = "Here's how: `tokio::select! { _ = token.cancelled() => {} }` — don't block!\n\n  Ünïcode 12345 😀\r\n\tend";
    expect(estimateChatTokens(request(text))).toBe(encoder.encode(text).length + 6);
    expect(estimateChatTokens(request(text))).toBe(encoder.encode(text).length + 6); // from the piece table
  });

  it('counts the same text the same every time, remembering no texts', async () => {
    const encoder = await loadTokenizer();
    const texts = Array.from({ length: 500 }, (_, index) => `question ${index}: why is the sky ${index % 2 === 0 ? 'blue' : 'red'}?`);
    for (const text of texts) expect(estimateChatTokens(request(text))).toBe(encoder.encode(text).length + 6);
    for (const text of texts.slice(0, 50)) expect(estimateChatTokens(request(text))).toBe(encoder.encode(text).length + 6);
  });

  it('matches the encoder on text mixing every kind of character (the pieces tile the text)', async () => {
    const encoder = await loadTokenizer();
    const alphabet = ['a', 'Z', 'é', 'ß', '字', 'и', '7', '٣', ' ', '  ', '\t', '\n', '\r\n', "'s", "'LL", "'", '!', '?!', '—', '😀', '\u0301', '_', '{', '} ', '\u00a0', '12345'];
    let seed = 7;
    const random = () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
    for (let round = 0; round < 200; round++) {
      const text = Array.from({ length: 1 + Math.floor(random() * 60) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      expect(estimateChatTokens(request(text)), JSON.stringify(text)).toBe(encoder.encode(text).length + 6);
    }
  });

  it('counts text containing special tokens as text instead of throwing', async () => {
    await loadTokenizer();
    // "<|endoftext|>" spelt out is several ordinary tokens, not the one special token.
    expect(estimateChatTokens(request('before <|endoftext|> after'))).toBeGreaterThan(estimateChatTokens(request('before  after')) + 2);
  });

  it('uses the fast estimate for huge messages', async () => {
    await loadTokenizer();
    const huge = 'word '.repeat(TOKENIZE_MAX_CHARS);
    // One token per short word from the heuristic.
    expect(estimateChatTokens(request(huge))).toBe(TOKENIZE_MAX_CHARS + 6);
  });
});
