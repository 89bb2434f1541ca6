import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../core/chat.js';
import { ProviderError } from '../../core/errors.js';
import { decodeStream, readFixture, streamText } from '../../../test/support/stream-fixture.js';
import { anthropicWire } from './anthropic-wire.js';

const fixture = (name: string) => readFixture(import.meta.url, name);
const target = { baseUrl: 'https://api.anthropic.com', apiKey: 'sk-ant-test' };
const request: ChatRequest = {
  model: 'claude-3-5-haiku-20241022',
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Hello' },
    { role: 'user', content: 'Are you there?' },
    { role: 'assistant', content: 'Yes.' },
    { role: 'user', content: 'Good.' },
  ],
  temperature: 0.5,
  topP: 0.9,
  stop: ['###'],
};

function errorOf(run: () => unknown): ProviderError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error('expected a ProviderError');
}

describe('anthropicWire.buildChatRequest', () => {
  it('builds a Messages request with x-api-key, version, top-level system and default max_tokens', () => {
    const spec = anthropicWire.buildChatRequest(request, target, { stream: false });
    expect(spec.path).toBe('/v1/messages');
    expect(spec.headers['x-api-key']).toBe('sk-ant-test');
    expect(spec.headers['anthropic-version']).toBe('2023-06-01');
    expect(spec.headers.authorization).toBeUndefined();
    expect(JSON.parse(spec.body ?? '')).toEqual({
      model: 'claude-3-5-haiku-20241022',
      max_tokens: 1024,
      system: 'You are terse.',
      messages: [
        { role: 'user', content: 'Hello\n\nAre you there?' },
        { role: 'assistant', content: 'Yes.' },
        { role: 'user', content: 'Good.' },
      ],
      temperature: 0.5,
      stop_sequences: ['###'],
    });
  });

  it('passes max_tokens and stream through', () => {
    const body = JSON.parse(anthropicWire.buildChatRequest({ ...request, maxTokens: 99 }, target, { stream: true }).body ?? '');
    expect(body.max_tokens).toBe(99);
    expect(body.stream).toBe(true);
  });

  it('has no embeddings endpoint', () => {
    expect(anthropicWire.buildEmbeddingRequest).toBeUndefined();
  });

  it('refuses to build without a key', () => {
    expect(errorOf(() => anthropicWire.buildChatRequest(request, { baseUrl: target.baseUrl }, { stream: false })).errorClass).toBe(
      'auth',
    );
  });
});

describe('anthropicWire.parseChatResponse', () => {
  it('reads text, stop reason and usage (cache reads count as input)', () => {
    expect(anthropicWire.parseChatResponse(JSON.parse(fixture('message.json')))).toEqual({
      id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
      model: 'claude-3-5-haiku-20241022',
      text: 'Hi! My name is Claude.',
      finishReason: 'stop',
      usage: { inputTokens: 2195, outputTokens: 503 },
    });
  });

  it.each([
    ['max_tokens', 'length'],
    ['stop_sequence', 'stop'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['something_new', 'other'],
  ])('maps stop_reason %s to %s', (reason, expected) => {
    const body = { ...JSON.parse(fixture('message.json')), stop_reason: reason };
    expect(anthropicWire.parseChatResponse(body).finishReason).toBe(expected);
  });

  it('throws on a body without content', () => {
    expect(errorOf(() => anthropicWire.parseChatResponse({ type: 'message' })).errorClass).toBe('server');
  });
});

describe('anthropicWire stream decoding', () => {
  it('decodes the documented event sequence, usage from message_start and message_delta', () => {
    const parts = decodeStream(anthropicWire, request, [fixture('message-stream.sse')]);
    expect(streamText(parts)).toBe('Hello!');
    expect(parts.at(-1)).toEqual({
      type: 'finish',
      id: 'msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY',
      model: 'claude-3-5-haiku-20241022',
      finishReason: 'stop',
      usage: { inputTokens: 25, outputTokens: 15 },
    });
  });

  it('gives the same parts with CRLF framing cut anywhere', () => {
    const text = fixture('message-stream.sse').replace(/\n/g, '\r\n');
    const whole = decodeStream(anthropicWire, request, [text]);
    for (let cut = 1; cut < text.length; cut += 11) {
      expect(decodeStream(anthropicWire, request, [text.slice(0, cut), text.slice(cut)])).toEqual(whole);
    }
  });

  it('reports a stream without message_stop as broken, even after message_delta', () => {
    const text = fixture('message-stream.sse');
    const cut = text.slice(0, text.indexOf('event: message_stop'));
    expect(errorOf(() => decodeStream(anthropicWire, request, [cut])).errorClass).toBe('stream_broken');
  });

  it('raises a server error for an in-stream error event', () => {
    const error = errorOf(() => decodeStream(anthropicWire, request, [fixture('message-stream-overloaded.sse')]));
    expect(error.errorClass).toBe('server');
    expect(error.message).toContain('Overloaded');
    expect(error.retryable).toBe(true);
  });
});

describe('anthropicWire.parseError', () => {
  const body = (type: string, message: string) => JSON.stringify({ type: 'error', error: { type, message } });

  it.each([
    [400, 'invalid_request_error', 'bad_request'],
    [401, 'authentication_error', 'auth'],
    [403, 'permission_error', 'auth'],
    [404, 'not_found_error', 'bad_request'],
    [413, 'request_too_large', 'bad_request'],
    [429, 'rate_limit_error', 'rate_limit'],
    [500, 'api_error', 'server'],
    [529, 'overloaded_error', 'server'],
  ])('maps %i %s', (status, type, errorClass) => {
    expect(anthropicWire.parseError(status, body(type, 'boom'))).toEqual({ errorClass, message: 'boom', providerCode: type });
  });
});
