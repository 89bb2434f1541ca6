import { describe, expect, it } from 'vitest';
import { estimatePromptTokens } from '../../wire/token-estimate.js';
import { toAnswer } from './answer/answer-generator.js';
import { buildCompletion, promptOf } from './completion.js';
import { NO_TOOLS, type ChatCall } from './formats/sim-format.js';

const call = (extra: Partial<ChatCall> = {}): ChatCall => ({
  model: 'm',
  messages: [
    { role: 'system', text: 'sys' },
    { role: 'user', text: 'first' },
    { role: 'assistant', text: 'reply' },
    { role: 'user', text: 'second question' },
  ],
  maxTokens: undefined,
  stop: [],
  stream: false,
  includeUsage: false,
  usageStyle: 'separate_chunk',
  ...NO_TOOLS,
  ...extra,
});
const ids = { id: 'x', created: 1 };
const answer = toAnswer('alpha beta STOP gamma delta END epsilon');

describe('buildCompletion', () => {
  it('passes a short answer through with a stop finish and prompt usage', () => {
    const completion = buildCompletion(call(), answer, ids, false);
    expect(completion).toMatchObject({ text: answer.text, finish: 'stop', outputTokens: answer.tokens });
    expect(completion.inputTokens).toBe(estimatePromptTokens(['sys', 'first', 'reply', 'second question']));
  });

  it('cuts at the earliest stop sequence', () => {
    const completion = buildCompletion(call({ stop: ['END', 'STOP'] }), answer, ids, false);
    expect(completion).toMatchObject({ text: 'alpha beta ', finish: 'stop_sequence', stopSequence: 'STOP' });
  });

  it('cuts at max tokens on a word boundary', () => {
    const completion = buildCompletion(call({ maxTokens: 3 }), answer, ids, false);
    expect(completion).toMatchObject({ text: 'alpha beta', finish: 'length', outputTokens: 3 });
  });

  it('empties a content-filtered answer', () => {
    expect(buildCompletion(call(), answer, ids, true)).toMatchObject({ text: '', finish: 'content_filter', outputTokens: 0 });
  });

  it('reports a mode-cut answer as length', () => {
    expect(buildCompletion(call(), toAnswer('partial', true), ids, false).finish).toBe('length');
  });
});

describe('promptOf', () => {
  it('takes the last user message and joins system prompts', () => {
    expect(promptOf(call())).toEqual({ prompt: 'second question', context: 'sys' });
  });
});
