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

  it('writes a text answer byte for byte as JSON.stringify writes the object', () => {
    const object = (id: string, text: string, input: number, output: number, finish: string, fingerprint: string | null) =>
      JSON.stringify({
        id,
        object: 'chat.completion',
        created: 1_700_000_000,
        model: 'gpt-4o-mini',
        choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: finish }],
        usage: { prompt_tokens: input, completion_tokens: output, total_tokens: input + output },
        system_fingerprint: fingerprint,
      });
    const text = 'line\n"quoted" \u2028 é 😀 \\ </script>';
    expect(renderChatCompletion({ id: 'c-1', model: 'gpt-4o-mini', text, finishReason: 'content_filter', usage: { inputTokens: 25, outputTokens: 12 } }, 1_700_000_000)).toBe(
      object('c-1', text, 25, 12, 'content_filter', null),
    );
    expect(renderChatCompletion({ id: 'c-2', model: 'gpt-4o-mini', text: '', finishReason: 'error', usage: { inputTokens: Number.NaN, outputTokens: 0 } }, 1_700_000_000, true)).toBe(
      object('c-2', '', Number.NaN, 0, 'stop', 'fortitude-simulator'),
    );
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
