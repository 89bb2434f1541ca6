import { describe, expect, it } from 'vitest';
import { createChunkRenderer, renderChatCompletion } from './chat-response.js';

describe('OpenAI response rendering', () => {
  it('renders chat.completion exactly', () => {
    const json = renderChatCompletion(
      { id: 'chatcmpl-1', model: 'gpt-4o-mini', text: 'hi "there"', finishReason: 'length', usage: { inputTokens: 3, outputTokens: 4 } },
      1_700_000_000,
    );
    expect(JSON.parse(json)).toEqual({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: 'hi "there"', refusal: null }, logprobs: null, finish_reason: 'length' }],
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
      system_fingerprint: null,
    });
  });

  it('generates an id when the provider gave none', () => {
    const json = renderChatCompletion({ id: '', model: 'm', text: '', finishReason: 'other', usage: { inputTokens: 0, outputTokens: 0 } }, 1);
    const body = JSON.parse(json) as { id: string; choices: { finish_reason: string }[] };
    expect(body.id).toMatch(/^chatcmpl-[A-Za-z0-9_-]{16}$/);
    expect(body.choices[0]?.finish_reason).toBe('stop');
  });

  it('renders chunk frames that parse as OpenAI chunks, escaping text', () => {
    const renderer = createChunkRenderer({ id: 'c1', model: 'm', created: 5, includeUsage: true });
    const text = renderer.text('line\n"quoted" \u2028');
    expect(text.startsWith('data: ')).toBe(true);
    expect(text.endsWith('\n\n')).toBe(true);
    expect(text.slice(6, -2)).not.toContain('\n');
    expect(JSON.parse(text.slice(6))).toEqual({
      id: 'c1',
      object: 'chat.completion.chunk',
      created: 5,
      model: 'm',
      system_fingerprint: null,
      choices: [{ index: 0, delta: { content: 'line\n"quoted" \u2028' }, logprobs: null, finish_reason: null }],
      usage: null,
    });
    const frames = renderer
      .finish({ type: 'finish', id: 'x', model: 'm', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 2 } })
      .split('\n\n')
      .filter(Boolean);
    expect(frames).toHaveLength(3);
    expect(JSON.parse(frames[0]!.slice(6)).choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' });
    expect(JSON.parse(frames[1]!.slice(6))).toMatchObject({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } });
    expect(frames[2]).toBe('data: [DONE]');
  });
});
