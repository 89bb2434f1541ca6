import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../core/chat.js';
import { ProviderError } from '../../core/errors.js';
import { decodeStream, readFixture, streamText } from '../../../test/support/stream-fixture.js';
import { openaiWire } from './openai-wire.js';

const fixture = (name: string) => readFixture(import.meta.url, name);
const target = { baseUrl: 'https://api.openai.com/v1', apiKey: 'sk-test' };
const request: ChatRequest = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Say hello' },
  ],
  maxTokens: 50,
  temperature: 0.2,
  topP: 0.9,
  stop: ['END'],
  user: 'alice',
};

function expectProviderError(run: () => unknown, errorClass: string): ProviderError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).errorClass).toBe(errorClass);
    return error as ProviderError;
  }
  throw new Error('expected a ProviderError');
}

describe('openaiWire.buildChatRequest', () => {
  it('builds a Chat Completions request with bearer auth', () => {
    const spec = openaiWire.buildChatRequest(request, target, { stream: false });
    expect(spec.method).toBe('POST');
    expect(spec.path).toBe('/chat/completions');
    expect(spec.headers.authorization).toBe('Bearer sk-test');
    expect(JSON.parse(spec.body ?? '')).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Say hello' },
      ],
      max_completion_tokens: 50,
      temperature: 0.2,
      top_p: 0.9,
      stop: ['END'],
    });
  });

  it('asks for usage in streams', () => {
    const body = JSON.parse(openaiWire.buildChatRequest(request, target, { stream: true }).body ?? '');
    expect(body.stream).toBe(true);
    expect(body.stream_options).toEqual({ include_usage: true });
  });

  it('refuses to build a request without a key', () => {
    expectProviderError(() => openaiWire.buildChatRequest(request, { baseUrl: target.baseUrl }, { stream: false }), 'auth');
  });

  it('never puts the caller identity upstream', () => {
    expect(openaiWire.buildChatRequest(request, target, { stream: false }).body).not.toContain('alice');
  });
});

describe('openaiWire.parseChatResponse', () => {
  it('reads text, finish reason and usage from the documented response', () => {
    expect(openaiWire.parseChatResponse(JSON.parse(fixture('chat-completion.json')))).toEqual({
      id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
      model: 'gpt-4.1-2025-04-14',
      text: 'Hello! How can I assist you today?',
      finishReason: 'stop',
      usage: { inputTokens: 19, outputTokens: 10 },
    });
  });

  it('maps length and content_filter finish reasons', () => {
    const body = JSON.parse(fixture('chat-completion.json'));
    body.choices[0].finish_reason = 'length';
    expect(openaiWire.parseChatResponse(body).finishReason).toBe('length');
    body.choices[0].finish_reason = 'content_filter';
    expect(openaiWire.parseChatResponse(body).finishReason).toBe('content_filter');
  });

  it('throws a ProviderError for a body without choices', () => {
    expectProviderError(() => openaiWire.parseChatResponse({ object: 'chat.completion' }), 'server');
  });

  it('names the configured provider in errors when given', () => {
    const error = expectProviderError(() => openaiWire.parseChatResponse({}, { provider: 'primary' }), 'server');
    expect(error.provider).toBe('primary');
  });
});

describe('openaiWire stream decoding', () => {
  it('decodes the documented stream with include_usage', () => {
    const parts = decodeStream(openaiWire, request, [fixture('chat-stream.sse')]);
    expect(streamText(parts)).toBe('Hello there!');
    expect(parts.at(-1)).toEqual({
      type: 'finish',
      id: 'chatcmpl-123',
      model: 'gpt-4o-mini',
      finishReason: 'stop',
      usage: { inputTokens: 12, outputTokens: 3 },
    });
    expect(parts.filter((part) => part.type === 'finish')).toHaveLength(1);
  });

  it('gives the same parts for any chunking', () => {
    const text = fixture('chat-stream.sse');
    const whole = decodeStream(openaiWire, request, [text]);
    for (let cut = 1; cut < text.length; cut += 7) {
      expect(decodeStream(openaiWire, request, [text.slice(0, cut), text.slice(cut)])).toEqual(whole);
    }
  });

  it('throws stream_broken when the stream ends without finish_reason or [DONE]', () => {
    expectProviderError(() => decodeStream(openaiWire, request, [fixture('chat-stream-truncated.sse')]), 'stream_broken');
  });

  it('throws stream_broken when an event is cut mid-JSON', () => {
    const text = fixture('chat-stream.sse');
    expectProviderError(() => decodeStream(openaiWire, request, [text.slice(0, text.indexOf('there'))]), 'stream_broken');
  });

  it('throws a server error on an in-stream error object', () => {
    const error = 'data: {"error":{"message":"The server had an error","type":"server_error","param":null,"code":null}}\n\n';
    expectProviderError(() => decodeStream(openaiWire, request, [error]), 'server');
  });
});

describe('openaiWire embeddings', () => {
  it('builds an embeddings request', () => {
    const spec = openaiWire.buildEmbeddingRequest?.({ model: 'text-embedding-3-small', input: ['a', 'b'] }, target);
    expect(spec?.path).toBe('/embeddings');
    expect(JSON.parse(spec?.body ?? '')).toEqual({ model: 'text-embedding-3-small', input: ['a', 'b'], encoding_format: 'base64' });
  });

  it('puts vectors in input order by index', () => {
    const result = openaiWire.parseEmbeddingResponse?.(JSON.parse(fixture('embeddings.json')), {
      model: 'text-embedding-3-small',
      input: ['first', 'second'],
    });
    expect(result?.vectors).toEqual([
      [0.0023064255, -0.009327292, -0.0028842222],
      [0.5, -0.25, 0.125],
    ]);
    expect(result?.usage.inputTokens).toBe(8);
  });

  it('decodes base64 float32 embeddings', () => {
    const floats = new Float32Array([0.5, -0.25, 1]);
    const embedding = Buffer.from(floats.buffer).toString('base64');
    const result = openaiWire.parseEmbeddingResponse?.(
      { object: 'list', data: [{ object: 'embedding', index: 0, embedding }], model: 'm', usage: { prompt_tokens: 1 } },
      { model: 'm', input: ['x'] },
    );
    expect(result?.vectors).toEqual([[0.5, -0.25, 1]]);
  });

  it('rejects a response with the wrong number of vectors', () => {
    expectProviderError(
      () => openaiWire.parseEmbeddingResponse?.({ data: [] }, { model: 'm', input: ['x'] }),
      'server',
    );
  });
});

describe('openaiWire.parseError', () => {
  const body = (type: string, code: string | null, message = 'msg') =>
    JSON.stringify({ error: { message, type, param: null, code } });

  it.each([
    [401, body('invalid_request_error', 'invalid_api_key'), 'auth', 'invalid_api_key'],
    [400, body('invalid_request_error', 'missing_required_parameter'), 'bad_request', 'missing_required_parameter'],
    [404, body('invalid_request_error', 'model_not_found'), 'bad_request', 'model_not_found'],
    [429, body('requests', 'rate_limit_exceeded'), 'rate_limit', 'rate_limit_exceeded'],
    [429, body('insufficient_quota', 'insufficient_quota'), 'auth', 'insufficient_quota'],
    [400, body('invalid_request_error', 'content_policy_violation'), 'content_filter', 'content_policy_violation'],
    [500, body('server_error', null), 'server', 'server_error'],
    [503, body('server_error', null), 'server', 'server_error'],
    [408, 'timeout', 'timeout', undefined],
  ])('maps %i %s', (status, text, errorClass, providerCode) => {
    const parsed = openaiWire.parseError(status, text);
    expect(parsed.errorClass).toBe(errorClass);
    expect(parsed.providerCode).toBe(providerCode);
  });

  it('keeps the provider message and falls back to the raw body', () => {
    expect(openaiWire.parseError(500, body('server_error', null, 'The server had an error')).message).toBe(
      'The server had an error',
    );
    expect(openaiWire.parseError(502, '<html>Bad gateway</html>').message).toBe('<html>Bad gateway</html>');
    expect(openaiWire.parseError(502, '').message).toBe('HTTP 502');
  });
});
