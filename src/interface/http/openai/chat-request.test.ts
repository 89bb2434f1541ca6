import { describe, expect, it } from 'vitest';
import type { FortitudeError } from '../../../core/errors.js';
import { validateInput } from '../validate-input.js';
import { chatCompletionBodySchema, parseChatCompletionBody } from './chat-request.js';

const base = { model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }] };

/** What the schema alone says: its output, or the `bad_request` message. */
function bySchema(value: unknown): unknown {
  try {
    return { ok: validateInput(chatCompletionBodySchema, value, 'body') };
  } catch (error) {
    return { error: (error as FortitudeError).message };
  }
}

function byParser(value: unknown): unknown {
  try {
    return { ok: parseChatCompletionBody(value) };
  } catch (error) {
    return { error: (error as FortitudeError).message };
  }
}

describe('parseChatCompletionBody: the hand-checked common body agrees with the schema', () => {
  const bodies: unknown[] = [
    base,
    { ...base, max_tokens: 64, temperature: 0, top_p: 1, stream: true, stream_options: { include_usage: true }, user: 'u', seed: 7, n: 1, stop: ['\n'] },
    { ...base, max_completion_tokens: 10_000_000, temperature: 2, stop: 'END', stream: null, user: null, n: null },
    { ...base, messages: [{ role: 'developer', content: 'x', name: 'n' }, { role: 'assistant', content: null, refusal: null }, { role: 'user', content: '' }] },
    // Each of these is outside the common body: the schema decides, valid or not.
    { ...base, max_tokens: 0 },
    { ...base, max_tokens: 1.5 },
    { ...base, max_tokens: 10_000_001 },
    { ...base, temperature: 2.5 },
    { ...base, top_p: -0.1 },
    { ...base, n: 2 },
    { ...base, stop: ['a', 'b', 'c', 'd', 'e'] },
    { ...base, stop: [1] },
    { ...base, seed: 1.5 },
    { ...base, seed: 2 ** 60 },
    { ...base, user: 'x'.repeat(257) },
    { ...base, stream: 'yes' },
    { ...base, stream_options: { include_usage: true, other: 1 } },
    { ...base, model: '' },
    { ...base, model: 'm'.repeat(257) },
    { ...base, messages: [] },
    { ...base, messages: [{ role: 'user' }] },
    { ...base, messages: [{ role: 'user', content: 'x', name: null }] },
    { ...base, messages: [{ role: 'user', content: 'x', extra: true }] },
    { ...base, messages: [{ role: 'robot', content: 'x' }] },
    { ...base, messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] },
    { ...base, messages: [{ role: 'tool', tool_call_id: 'c1', content: 'x' }] },
    { ...base, messages: [{ role: 'system', content: 'x', refusal: null }] },
    { ...base, tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'auto' },
    { ...base, unknown_parameter: true },
    { ...base, functions: [] },
    { ...base, logprobs: true, top_logprobs: 2 },
    { model: 'm' },
    [],
    null,
    'text',
  ];

  it.each(bodies.map((body) => [JSON.stringify(body)?.slice(0, 90), body]))('%s', (_name, body) => {
    expect(byParser(body)).toEqual(bySchema(body));
  });

  it('returns the common body as it came (nothing for the schema to strip or transform)', () => {
    expect(parseChatCompletionBody(base)).toBe(base);
  });
});
