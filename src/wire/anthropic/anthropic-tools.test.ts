import { describe, expect, it } from 'vitest';
import type { ChatRequest, StreamPart } from '../../core/chat.js';
import { ProviderError } from '../../core/errors.js';
import { decodeStream, readFixture, streamText } from '../../../test/support/stream-fixture.js';
import { anthropicWire } from './anthropic-wire.js';

/** Tools, tool results, images, files and structured output in the Anthropic Messages format. */

const fixture = (name: string) => readFixture(import.meta.url, name);
const target = { baseUrl: 'https://api.anthropic.com', apiKey: 'sk-ant-test' };
const weather = {
  name: 'get_weather',
  description: 'Get the current weather in a location',
  parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
};
const base: ChatRequest = { model: 'claude-sonnet-4-20250514', messages: [{ role: 'user', content: 'Weather in SF and NY?' }] };

const body = (request: ChatRequest, stream = false) =>
  JSON.parse(anthropicWire.buildChatRequest(request, target, { stream }).body ?? '') as Record<string, unknown>;

function errorOf(run: () => unknown): ProviderError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error('expected a ProviderError');
}

describe('anthropicWire request: tools', () => {
  it('sends tools with input_schema and no tool_choice when none is asked', () => {
    expect(body({ ...base, tools: [weather] })).toMatchObject({
      tools: [{ name: 'get_weather', description: 'Get the current weather in a location', input_schema: weather.parameters }],
    });
    expect(body({ ...base, tools: [weather] }).tool_choice).toBeUndefined();
  });

  it.each([
    ['auto', { type: 'auto' }],
    ['none', { type: 'none' }],
    ['required', { type: 'any' }],
    [{ name: 'get_weather' }, { type: 'tool', name: 'get_weather' }],
  ] as const)('maps tool choice %j to %j', (choice, expected) => {
    expect(body({ ...base, tools: [weather], toolChoice: choice }).tool_choice).toEqual(expected);
  });

  it('turns parallelToolCalls false into disable_parallel_tool_use', () => {
    expect(body({ ...base, tools: [weather], parallelToolCalls: false }).tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(body({ ...base, tools: [weather], toolChoice: 'required', parallelToolCalls: false }).tool_choice).toEqual({
      type: 'any',
      disable_parallel_tool_use: true,
    });
  });

  it('gives a parameterless tool an object input_schema', () => {
    const tools = body({ ...base, tools: [{ name: 'now', parameters: {} }] }).tools as unknown[];
    expect(tools[0]).toEqual({ name: 'now', input_schema: { type: 'object' } });
  });

  it('refuses a named tool choice without tools', () => {
    const error = errorOf(() => body({ ...base, toolChoice: { name: 'x' } }));
    expect(error.errorClass).toBe('bad_request');
    expect(error.message).toMatch(/tool_choice/);
  });
});

describe('anthropicWire request: tool calls and results', () => {
  const conversation: ChatRequest = {
    ...base,
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Weather in SF and NY?' },
      {
        role: 'assistant',
        content: 'Checking.',
        toolCalls: [
          { id: 'toolu_1', name: 'get_weather', arguments: '{"location":"SF"}' },
          { id: 'toolu_2', name: 'get_weather', arguments: '' },
        ],
      },
      { role: 'tool', toolCallId: 'toolu_1', content: '{"temp":18}' },
      { role: 'tool', toolCallId: 'toolu_2', content: 'sunny' },
      { role: 'user', content: 'And tomorrow?' },
    ],
  };

  it('sends tool_use blocks with parsed input and consecutive results in one user turn, results first', () => {
    expect(body(conversation)).toMatchObject({
      system: 'Be brief.',
      messages: [
        { role: 'user', content: 'Weather in SF and NY?' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'SF' } },
            { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: '{"temp":18}' },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: 'sunny' },
            { type: 'text', text: 'And tomorrow?' },
          ],
        },
      ],
    });
  });

  it('names the field when tool call arguments are not a JSON object', () => {
    const broken: ChatRequest = {
      ...base,
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: '', toolCalls: [{ id: 't', name: 'get_weather', arguments: '[1,2]' }] },
        { role: 'tool', toolCallId: 't', content: 'ok' },
      ],
    };
    const error = errorOf(() => body(broken));
    expect(error.errorClass).toBe('bad_request');
    expect(error.message).toContain('messages[1].tool_calls[0].function.arguments');
  });

  it('refuses a tool result without its tool call id', () => {
    const error = errorOf(() => body({ ...base, messages: [{ role: 'user', content: 'x' }, { role: 'tool', content: 'ok' }] }));
    expect(error.message).toContain('messages[1].tool_call_id');
  });
});

describe('anthropicWire request: images and files', () => {
  it('sends base64 (data URL or data + mediaType) and URL images, and PDFs as documents', () => {
    const request: ChatRequest = {
      ...base,
      messages: [
        {
          role: 'user',
          content: 'What is in these?',
          parts: [
            { type: 'text', text: 'What is in these?' },
            { type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=' },
            { type: 'image', data: '/9j/4AAQ', mediaType: 'image/jpeg' },
            { type: 'image', url: 'https://example.com/cat.jpg' },
            { type: 'file', data: 'JVBERi0x', mediaType: 'application/pdf', filename: 'a.pdf' },
          ],
        },
      ],
    };
    expect((body(request).messages as unknown[])[0]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'What is in these?' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
        { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
        { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
        { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0x' } },
      ],
    });
  });

  it('refuses a file type Anthropic documents do not take, naming the part', () => {
    const request: ChatRequest = {
      ...base,
      messages: [{ role: 'user', content: '', parts: [{ type: 'file', data: 'AA==', mediaType: 'audio/wav' }] }],
    };
    expect(errorOf(() => body(request)).message).toContain('messages[0].content[0]');
  });
});

describe('anthropicWire request: structured output and unsupported parameters', () => {
  const schema = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] };

  it('emulates json_schema with a forced json_response tool', () => {
    const sent = body({ ...base, responseFormat: { type: 'json_schema', name: 'person', schema } });
    expect(sent.tools).toEqual([{ name: 'json_response', description: expect.stringContaining('person'), input_schema: schema }]);
    expect(sent.tool_choice).toEqual({ type: 'tool', name: 'json_response' });
  });

  it('emulates json_object with an open object schema, and requires some tool when the caller has tools', () => {
    const sent = body({ ...base, tools: [weather], responseFormat: { type: 'json_object' } });
    expect((sent.tools as { name: string }[]).map((tool) => tool.name)).toEqual(['get_weather', 'json_response']);
    expect(sent.tool_choice).toEqual({ type: 'any' });
  });

  it('refuses logprobs and top_logprobs, naming the parameter and the provider', () => {
    for (const extra of [{ logprobs: true }, { topLogprobs: 3 }]) {
      const error = errorOf(() => body({ ...base, ...extra }));
      expect(error.errorClass).toBe('bad_request');
      expect(error.message).toMatch(/^anthropic: (logprobs|top_logprobs) is not supported by the Anthropic Messages API/);
    }
  });

  it('ignores seed (best-effort) and sends the client end-user id as metadata.user_id, never the caller identity', () => {
    const sent = body({ ...base, seed: 42, endUser: 'user-7', user: 'fortitude-key-name' });
    expect(sent.seed).toBeUndefined();
    expect(sent.metadata).toEqual({ user_id: 'user-7' });
    expect(JSON.stringify(body({ ...base, user: 'fortitude-key-name' }))).not.toContain('fortitude-key-name');
  });
});

describe('anthropicWire response: tool_use', () => {
  it('reads tool_use blocks as tool calls (arguments are the input as JSON text)', () => {
    expect(anthropicWire.parseChatResponse(JSON.parse(fixture('message-tool-use.json')))).toEqual({
      id: 'msg_01Aq9w938a90dw8q',
      model: 'claude-sonnet-4-20250514',
      text: "I'll check the weather in both cities.",
      toolCalls: [
        { id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' },
        { id: 'toolu_01B19r01rx01mr028946mr0', name: 'get_weather', arguments: '{"location":"New York, NY"}' },
      ],
      finishReason: 'tool_calls',
      usage: { inputTokens: 472, outputTokens: 91 },
    });
  });

  it('returns the emulated JSON answer as the text with a stop finish', () => {
    const result = anthropicWire.parseChatResponse(JSON.parse(fixture('message-json-response.json')));
    expect(JSON.parse(result.text)).toEqual({ name: 'Ada', languages: ['en', 'fr'] });
    expect(result.toolCalls).toBeUndefined();
    expect(result.finishReason).toBe('stop');
  });
});

describe('anthropicWire stream: tool_use', () => {
  const toolParts = (parts: StreamPart[]) => parts.filter((part) => part.type === 'tool_call');

  it('names each call at content_block_start (index = tool ordinal) and appends input_json_delta', () => {
    const parts = decodeStream(anthropicWire, base, [fixture('message-stream-tool-use.sse')]);
    expect(streamText(parts)).toBe("Okay, let's check the weather.");
    expect(toolParts(parts)).toEqual([
      { type: 'tool_call', index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', argumentsDelta: '' },
      { type: 'tool_call', index: 0, argumentsDelta: '{"location":' },
      { type: 'tool_call', index: 0, argumentsDelta: ' "San Francisco, CA"}' },
      { type: 'tool_call', index: 1, id: 'toolu_01Vk4mFz7rAvbNmA4DH9cxyq', name: 'get_time', argumentsDelta: '' },
      { type: 'tool_call', index: 1, argumentsDelta: '{}' },
    ]);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'tool_calls', usage: { inputTokens: 472, outputTokens: 89 } });
  });

  it('gives the same parts for any chunking', () => {
    const text = fixture('message-stream-tool-use.sse');
    const whole = decodeStream(anthropicWire, base, [text]);
    for (let cut = 1; cut < text.length; cut += 13) {
      expect(decodeStream(anthropicWire, base, [text.slice(0, cut), text.slice(cut)])).toEqual(whole);
    }
  });

  it('streams the emulated JSON answer as text with a stop finish', () => {
    const parts = decodeStream(anthropicWire, base, [fixture('message-stream-json-response.sse')]);
    expect(toolParts(parts)).toEqual([]);
    expect(JSON.parse(streamText(parts))).toEqual({ name: 'Ada', languages: ['en'] });
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
  });
});
