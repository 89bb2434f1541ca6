import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../core/chat.js';
import { ProviderError } from '../../core/errors.js';
import { decodeStream, readFixture, streamText } from '../../../test/support/stream-fixture.js';
import { geminiWire } from './gemini-wire.js';

const fixture = (name: string) => readFixture(import.meta.url, name);
const target = { baseUrl: 'https://generativelanguage.googleapis.com', apiKey: 'AIza-test' };
const request: ChatRequest = {
  model: 'gemini-2.0-flash',
  messages: [
    { role: 'system', content: 'Explain simply.' },
    { role: 'user', content: 'What is AI?' },
    { role: 'assistant', content: 'A field of CS.' },
    { role: 'user', content: 'More detail.' },
  ],
  maxTokens: 200,
  temperature: 0.1,
  topP: 0.8,
  stop: ['END'],
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

describe('geminiWire.buildChatRequest', () => {
  it('builds generateContent with systemInstruction, user/model roles and generationConfig', () => {
    const spec = geminiWire.buildChatRequest(request, target, { stream: false });
    expect(spec.path).toBe('/v1beta/models/gemini-2.0-flash:generateContent');
    expect(spec.headers['x-goog-api-key']).toBe('AIza-test');
    expect(JSON.parse(spec.body ?? '')).toEqual({
      contents: [
        { role: 'user', parts: [{ text: 'What is AI?' }] },
        { role: 'model', parts: [{ text: 'A field of CS.' }] },
        { role: 'user', parts: [{ text: 'More detail.' }] },
      ],
      systemInstruction: { parts: [{ text: 'Explain simply.' }] },
      generationConfig: { maxOutputTokens: 200, temperature: 0.1, topP: 0.8, stopSequences: ['END'] },
    });
  });

  it('streams through streamGenerateContent?alt=sse and accepts models/ prefixes', () => {
    const spec = geminiWire.buildChatRequest({ ...request, model: 'models/gemini-2.0-flash' }, target, { stream: true });
    expect(spec.path).toBe('/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse');
  });

  it('omits generationConfig when nothing is set', () => {
    const body = JSON.parse(
      geminiWire.buildChatRequest({ model: 'g', messages: [{ role: 'user', content: 'x' }] }, target, { stream: false }).body ?? '',
    );
    expect(body).toEqual({ contents: [{ role: 'user', parts: [{ text: 'x' }] }] });
  });
});

describe('geminiWire.parseChatResponse', () => {
  it('reads candidates, finishReason and usageMetadata (thinking tokens are output)', () => {
    expect(geminiWire.parseChatResponse(JSON.parse(fixture('generate-content.json')))).toEqual({
      id: 'WP4UaOfnD7iT1dkPgryn-Ak',
      model: 'gemini-2.0-flash',
      text: 'AI learns patterns from data.',
      finishReason: 'stop',
      usage: { inputTokens: 8, outputTokens: 9 },
    });
  });

  it.each([
    ['MAX_TOKENS', 'length'],
    ['SAFETY', 'content_filter'],
    ['RECITATION', 'content_filter'],
    ['OTHER', 'other'],
  ])('maps finishReason %s to %s', (reason, expected) => {
    const body = JSON.parse(fixture('generate-content.json'));
    body.candidates[0].finishReason = reason;
    expect(geminiWire.parseChatResponse(body).finishReason).toBe(expected);
  });

  it('treats a blocked prompt as content_filter with no text', () => {
    const result = geminiWire.parseChatResponse({
      promptFeedback: { blockReason: 'SAFETY' },
      usageMetadata: { promptTokenCount: 5, totalTokenCount: 5 },
    });
    expect(result).toMatchObject({ text: '', finishReason: 'content_filter', usage: { inputTokens: 5, outputTokens: 0 } });
  });

  it('skips thought parts', () => {
    const body = JSON.parse(fixture('generate-content.json'));
    body.candidates[0].content.parts.unshift({ text: 'thinking…', thought: true });
    expect(geminiWire.parseChatResponse(body).text).toBe('AI learns patterns from data.');
  });
});

describe('geminiWire stream decoding', () => {
  it('decodes CRLF-framed chunks; the finishReason chunk completes the stream', () => {
    const parts = decodeStream(geminiWire, request, [fixture('stream.sse')]);
    expect(streamText(parts)).toBe('AI learns patterns from data.');
    expect(parts.at(-1)).toEqual({
      type: 'finish',
      id: 'r-1',
      model: 'gemini-2.0-flash',
      finishReason: 'stop',
      usage: { inputTokens: 8, outputTokens: 7 },
    });
  });

  it('gives the same parts for any chunking', () => {
    const text = fixture('stream.sse');
    const whole = decodeStream(geminiWire, request, [text]);
    for (let cut = 1; cut < text.length; cut += 5) {
      expect(decodeStream(geminiWire, request, [text.slice(0, cut), text.slice(cut)])).toEqual(whole);
    }
  });

  it('reports a stream without a finishReason as broken', () => {
    const text = fixture('stream.sse');
    const cut = text.slice(0, text.lastIndexOf('data:'));
    expect(errorOf(() => decodeStream(geminiWire, request, [cut])).errorClass).toBe('stream_broken');
  });

  it('raises a server error for an error object in the stream', () => {
    const text = 'data: {"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}\r\n\r\n';
    expect(errorOf(() => decodeStream(geminiWire, request, [text])).errorClass).toBe('server');
  });
});

describe('geminiWire embeddings', () => {
  it('builds batchEmbedContents with one request per input', () => {
    const spec = geminiWire.buildEmbeddingRequest?.({ model: 'text-embedding-004', input: ['a', 'b'] }, target);
    expect(spec?.path).toBe('/v1beta/models/text-embedding-004:batchEmbedContents');
    expect(JSON.parse(spec?.body ?? '')).toEqual({
      requests: [
        { model: 'models/text-embedding-004', content: { parts: [{ text: 'a' }] } },
        { model: 'models/text-embedding-004', content: { parts: [{ text: 'b' }] } },
      ],
    });
  });

  it('reads embeddings[].values in order', () => {
    const result = geminiWire.parseEmbeddingResponse?.(
      { embeddings: [{ values: [0.1, 0.2] }, { values: [0.3, 0.4] }] },
      { model: 'text-embedding-004', input: ['a', 'b'] },
    );
    expect(result?.vectors).toEqual([
      [0.1, 0.2],
      [0.3, 0.4],
    ]);
    expect(result?.usage.inputTokens).toBe(2);
  });
});

describe('geminiWire.parseError', () => {
  it('reads RESOURCE_EXHAUSTED with RetryInfo as a rate limit with a retry delay', () => {
    expect(geminiWire.parseError(429, fixture('error-429.json'))).toEqual({
      errorClass: 'rate_limit',
      message: 'You exceeded your current quota, please check your plan and billing details.',
      providerCode: 'RESOURCE_EXHAUSTED',
      retryAfterMs: 31_000,
    });
  });

  it('maps an invalid key (a 400) to auth', () => {
    expect(geminiWire.parseError(400, fixture('error-api-key-invalid.json')).errorClass).toBe('auth');
  });

  it.each([
    [400, 'INVALID_ARGUMENT', 'bad_request'],
    [403, 'PERMISSION_DENIED', 'auth'],
    [404, 'NOT_FOUND', 'bad_request'],
    [500, 'INTERNAL', 'server'],
    [503, 'UNAVAILABLE', 'server'],
    [504, 'DEADLINE_EXCEEDED', 'server'],
  ])('maps %i %s', (status, code, errorClass) => {
    const body = JSON.stringify({ error: { code: status, message: 'm', status: code } });
    expect(geminiWire.parseError(status, body)).toEqual({ errorClass, message: 'm', providerCode: code });
  });

  it('unwraps an error sent as a one-element array', () => {
    const body = JSON.stringify([{ error: { code: 500, message: 'Internal error', status: 'INTERNAL' } }]);
    expect(geminiWire.parseError(500, body).message).toBe('Internal error');
  });
});
