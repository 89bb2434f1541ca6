import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../core/chat.js';
import { ProviderError } from '../../core/errors.js';
import { decodeStream, readFixture, streamText } from '../../../test/support/stream-fixture.js';
import { geminiWire } from './gemini-wire.js';
import { toGeminiSchema } from './gemini-schema.js';

/** Function calling, images, structured output, seed and logprobs in the Gemini format. */

const fixture = (name: string) => readFixture(import.meta.url, name);
const target = { baseUrl: 'https://generativelanguage.googleapis.com', apiKey: 'AIza-test' };
const weather = {
  name: 'get_weather',
  description: 'Current weather',
  parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'], additionalProperties: false },
};
const base: ChatRequest = { model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'Weather in Paris?' }] };

const body = (request: ChatRequest) =>
  JSON.parse(geminiWire.buildChatRequest(request, target, { stream: false }).body ?? '') as Record<string, unknown>;

function errorOf(run: () => unknown): ProviderError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error('expected a ProviderError');
}

describe('geminiWire request: tools', () => {
  it('sends functionDeclarations with parameters in Gemini’s schema subset', () => {
    expect(body({ ...base, tools: [weather, { name: 'now', parameters: { type: 'object', properties: {} } }] }).tools).toEqual([
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            description: 'Current weather',
            parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
          },
          // Gemini rejects an OBJECT without properties: a parameterless function has no parameters.
          { name: 'now' },
        ],
      },
    ]);
  });

  it.each([
    ['auto', { mode: 'AUTO' }],
    ['none', { mode: 'NONE' }],
    ['required', { mode: 'ANY' }],
    [{ name: 'get_weather' }, { mode: 'ANY', allowedFunctionNames: ['get_weather'] }],
  ] as const)('maps tool choice %j to functionCallingConfig %j', (choice, expected) => {
    expect(body({ ...base, tools: [weather], toolChoice: choice }).toolConfig).toEqual({ functionCallingConfig: expected });
  });

  it('sends assistant tool calls as functionCall parts and results as functionResponse parts', () => {
    const request: ChatRequest = {
      ...base,
      messages: [
        { role: 'user', content: 'Weather in Paris and the time?' },
        {
          role: 'assistant',
          content: '',
          toolCalls: [
            { id: 'call_0', name: 'get_weather', arguments: '{"location":"Paris"}' },
            { id: 'call_1', name: 'get_time', arguments: '{}' },
          ],
        },
        { role: 'tool', toolCallId: 'call_0', content: '{"temp":21}' },
        { role: 'tool', toolCallId: 'call_1', name: 'get_time', content: '"12:00"' },
        { role: 'tool', toolCallId: 'call_1', content: 'not json' },
      ],
    };
    expect(body(request).contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris and the time?' }] },
      {
        role: 'model',
        parts: [{ functionCall: { name: 'get_weather', args: { location: 'Paris' } } }, { functionCall: { name: 'get_time', args: {} } }],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { temp: 21 } } },
          { functionResponse: { name: 'get_time', response: { result: '12:00' } } },
          { functionResponse: { name: 'get_time', response: { result: 'not json' } } },
        ],
      },
    ]);
  });

  it('refuses a tool result whose function cannot be named', () => {
    const error = errorOf(() => body({ ...base, messages: [{ role: 'user', content: 'x' }, { role: 'tool', toolCallId: 'zz', content: '1' }] }));
    expect(error.errorClass).toBe('bad_request');
    expect(error.message).toContain('messages[1]');
  });
});

describe('geminiWire request: images, structured output, seed, logprobs', () => {
  it('sends inline images as inlineData and URLs as fileData', () => {
    const request: ChatRequest = {
      ...base,
      messages: [
        {
          role: 'user',
          content: 'Describe',
          parts: [
            { type: 'text', text: 'Describe' },
            { type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=' },
            { type: 'image', url: 'https://example.com/photo.webp' },
            { type: 'file', data: 'JVBERi0x', mediaType: 'application/pdf' },
          ],
        },
      ],
    };
    expect(body(request).contents).toEqual([
      {
        role: 'user',
        parts: [
          { text: 'Describe' },
          { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
          { fileData: { mimeType: 'image/webp', fileUri: 'https://example.com/photo.webp' } },
          { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0x' } },
        ],
      },
    ]);
  });

  it('maps json_schema to responseMimeType + responseSchema, seed and logprobs into generationConfig', () => {
    const schema = {
      type: 'object',
      properties: {
        name: { type: 'string', format: 'email' },
        tags: { type: 'array', items: { $ref: '#/$defs/tag' } },
        note: { type: ['string', 'null'] },
        kind: { const: 'person' },
      },
      required: ['name'],
      additionalProperties: false,
      $defs: { tag: { type: 'string', enum: ['a', 'b'] } },
    };
    const sent = body({ ...base, responseFormat: { type: 'json_schema', name: 'p', schema }, seed: 7, logprobs: true, topLogprobs: 2 });
    expect(sent.generationConfig).toEqual({
      responseMimeType: 'application/json',
      responseSchema: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] } },
          note: { type: 'string', nullable: true },
          kind: { type: 'string', enum: ['person'] },
        },
        required: ['name'],
      },
      seed: 7,
      responseLogprobs: true,
      logprobs: 2,
    });
  });

  it('maps json_object to responseMimeType alone', () => {
    expect(body({ ...base, responseFormat: { type: 'json_object' } }).generationConfig).toEqual({ responseMimeType: 'application/json' });
  });

  it('converts anyOf with null to nullable and keeps the other variant', () => {
    expect(toGeminiSchema({ type: 'object', properties: { a: { anyOf: [{ type: 'integer' }, { type: 'null' }] } } })).toEqual({
      type: 'object',
      properties: { a: { type: 'integer', nullable: true } },
    });
  });
});

describe('geminiWire response: function calls', () => {
  it('reads functionCall parts as tool calls with generated ids and a tool_calls finish', () => {
    expect(geminiWire.parseChatResponse(JSON.parse(fixture('generate-content-function-call.json')))).toEqual({
      id: 'fc-1',
      model: 'gemini-2.0-flash',
      text: '',
      toolCalls: [
        { id: 'call_0', name: 'get_weather', arguments: '{"location":"Paris"}' },
        { id: 'call_1', name: 'get_time', arguments: '{}' },
      ],
      finishReason: 'tool_calls',
      usage: { inputTokens: 60, outputTokens: 12 },
    });
  });

  it('streams each functionCall as one complete tool_call part, keeping ids Gemini gives', () => {
    const parts = decodeStream(geminiWire, base, [fixture('stream-function-call.sse')]);
    expect(streamText(parts)).toBe('Let me look.');
    expect(parts.filter((part) => part.type === 'tool_call')).toEqual([
      { type: 'tool_call', index: 0, id: 'call_0', name: 'get_weather', argumentsDelta: '{"location":"Paris"}' },
      { type: 'tool_call', index: 1, id: 'fc_abc', name: 'get_time', argumentsDelta: '{}' },
    ]);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'tool_calls', usage: { inputTokens: 60, outputTokens: 12 } });
  });
});

describe('geminiWire embeddings dimensions', () => {
  it('sends dimensions as outputDimensionality on every request', () => {
    const spec = geminiWire.buildEmbeddingRequest?.({ model: 'text-embedding-004', input: ['a', 'b'], dimensions: 256 }, target);
    const sent = JSON.parse(spec?.body ?? '') as { requests: { outputDimensionality?: number }[] };
    expect(sent.requests.map((request) => request.outputDimensionality)).toEqual([256, 256]);
  });
});
