import { describe, expect, it } from 'vitest';
import type { FortitudeError } from '../../../core/errors.js';
import { validateInput } from '../validate-input.js';
import { messagesBodySchema, parseMessagesBody } from './messages-request.js';

const base = { model: 'claude-3-5-haiku-20241022', max_tokens: 64, system: 'Be brief.', messages: [{ role: 'user', content: 'Hi' }] };

const outcome = (parse: () => unknown) => {
  try {
    return { ok: parse() };
  } catch (error) {
    return { error: (error as FortitudeError).message };
  }
};

describe('parseMessagesBody: the hand-checked common body agrees with the schema', () => {
  const bodies: unknown[] = [
    base,
    { ...base, temperature: 1, top_p: 0.5, top_k: 0, stop_sequences: ['\n\nHuman:'], stream: true },
    { ...base, messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: '' }, { role: 'user', content: 'b' }] },
    // Outside the common body: the schema decides, valid or not.
    { ...base, max_tokens: undefined },
    { ...base, max_tokens: 0 },
    { ...base, max_tokens: 2.5 },
    { ...base, temperature: 1.5 },
    { ...base, temperature: null },
    { ...base, top_k: -1 },
    { ...base, stop_sequences: Array.from({ length: 17 }, () => 'x') },
    { ...base, stream: null },
    { ...base, system: [{ type: 'text', text: 'Be brief.' }] },
    { ...base, system: null },
    { ...base, model: '' },
    { ...base, messages: [] },
    { ...base, messages: [{ role: 'system', content: 'x' }] },
    { ...base, messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] },
    { ...base, messages: [{ role: 'user', content: 'x', extra: 1 }] },
    { ...base, metadata: { user_id: 'u' } },
    { ...base, tools: [{ name: 't', input_schema: {} }] },
    { ...base, unknown: true },
    [],
    null,
  ];

  it.each(bodies.map((body) => [JSON.stringify(body)?.slice(0, 90), body]))('%s', (_name, body) => {
    expect(outcome(() => parseMessagesBody(body))).toEqual(outcome(() => validateInput(messagesBodySchema, body, 'body')));
  });

  it('returns the common body as it came', () => {
    expect(parseMessagesBody(base)).toBe(base);
  });
});

describe('messages content of the wrong type', () => {
  it('says what content may be, naming the field', () => {
    expect(() => parseMessagesBody({ ...base, messages: [{ role: 'user', content: 5 }] })).toThrow(
      'messages[0].content: expected a string or an array of content blocks (text, image, document, tool_use, tool_result or thinking)',
    );
  });
});
