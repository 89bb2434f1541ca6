import { describe, expect, it } from 'vitest';
import { NO_TOOLS, type ChatCall, type SimMessage, type SimTool } from '../formats/sim-format.js';
import { createAnswerGenerator } from './answer-generator.js';
import { asksFor, replyTo } from './agent-reply.js';

const weather: SimTool = {
  name: 'get_weather',
  description: 'Get the current weather forecast for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
const search: SimTool = {
  name: 'searchDocs',
  description: 'Search the internal documentation pages',
  parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
};

function call(messages: SimMessage[], extra: Partial<ChatCall> = {}): ChatCall {
  return { model: 'm', messages, maxTokens: undefined, stop: [], stream: false, includeUsage: false, usageStyle: 'separate_chunk', ...NO_TOOLS, ...extra };
}

let ids = 0;
const reply = (value: ChatCall) => replyTo(value, createAnswerGenerator(), 'good', () => `id_${++ids}`);

describe('asksFor', () => {
  it.each([
    ['use get_weather please', weather, true],
    ['Will it rain? Check the weather', weather, true],
    ['What is the forecast for this city?', weather, true],
    ['Explain Rust lifetimes', weather, false],
    ['search the docs for retries', search, true],
    ['what is a documentation page?', search, true],
    ['What is a mutex?', search, false],
  ])('%s → %s', (prompt, tool, expected) => {
    expect(asksFor(prompt, tool)).toBe(expected);
  });
});

describe('replyTo', () => {
  it('calls every matching tool with ids, or only the first when parallel calls are off', () => {
    const messages: SimMessage[] = [{ role: 'user', text: 'Search the docs and tell me the weather in Oslo' }];
    expect(reply(call(messages, { tools: [weather, search] })).toolCalls.map((each) => each.name)).toEqual(['get_weather', 'searchDocs']);
    const one = reply(call(messages, { tools: [weather, search], parallelToolCalls: false })).toolCalls;
    expect(one).toEqual([{ id: expect.stringMatching(/^id_/), name: 'get_weather', arguments: '{"city":"Oslo"}' }]);
  });

  it('answers in text after tool results, naming each tool (found by call id) and quoting its result', () => {
    const answer = reply(
      call(
        [
          { role: 'user', text: 'weather in Oslo?' },
          { role: 'assistant', text: '', toolCalls: [{ id: 'c1', name: 'get_weather', arguments: '{}' }] },
          { role: 'tool', toolCallId: 'c1', text: '{"sky":"snow"}' },
        ],
        { tools: [weather] },
      ),
    );
    expect(answer.toolCalls).toEqual([]);
    expect(answer.answer.text).toContain('- get_weather: {"sky":"snow"}');
  });

  it('does not call tools when tool choice is none, and forces one when required', () => {
    expect(reply(call([{ role: 'user', text: 'weather in Oslo' }], { tools: [weather], toolChoice: 'none' })).toolCalls).toEqual([]);
    expect(reply(call([{ role: 'user', text: 'hello' }], { tools: [weather, search], toolChoice: 'required' })).toolCalls.map((each) => each.name)).toEqual([
      'get_weather',
    ]);
  });

  it('answers a json_object format with a JSON object', () => {
    const text = reply(call([{ role: 'user', text: 'Explain caching as JSON' }], { responseFormat: { type: 'json_object' } })).answer.text;
    expect(JSON.parse(text)).toEqual({ answer: expect.stringContaining('##') });
  });
});
