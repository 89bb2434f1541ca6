import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../core/chat.js';
import { ProviderError } from '../../core/errors.js';
import { estimatePromptTokens, estimateTokens } from '../token-estimate.js';
import { decodeStream, readFixture, streamText } from '../../../test/support/stream-fixture.js';
import { openaiCompatibleWire } from './openai-compatible-wire.js';

const fixture = (name: string) => readFixture(import.meta.url, name);
const request: ChatRequest = { model: 'llama3.2', messages: [{ role: 'user', content: 'Say hi' }], maxTokens: 20 };

describe('openaiCompatibleWire', () => {
  it('builds a request without a key and uses max_tokens', () => {
    const spec = openaiCompatibleWire.buildChatRequest(request, { baseUrl: 'http://127.0.0.1:11434/v1' }, { stream: true });
    expect(spec.headers.authorization).toBeUndefined();
    const body = JSON.parse(spec.body ?? '');
    expect(body.max_tokens).toBe(20);
    expect(body.max_completion_tokens).toBeUndefined();
    expect(body.stream_options).toEqual({ include_usage: true });
  });

  it('sends a key when one is configured', () => {
    const spec = openaiCompatibleWire.buildChatRequest(request, { baseUrl: 'http://x/v1', apiKey: 'local' }, { stream: false });
    expect(spec.headers.authorization).toBe('Bearer local');
  });

  it('estimates usage for an Ollama stream that reports none', () => {
    const parts = decodeStream(openaiCompatibleWire, request, [fixture('ollama-stream.sse')]);
    expect(streamText(parts)).toBe('Hi there');
    expect(parts.at(-1)).toEqual({
      type: 'finish',
      id: 'chatcmpl-417',
      model: 'llama3.2',
      finishReason: 'stop',
      usage: { inputTokens: estimatePromptTokens(['Say hi']), outputTokens: estimateTokens('Hi there') },
    });
  });

  it('takes usage from the finish chunk and finishes without [DONE] (vLLM)', () => {
    const parts = decodeStream(openaiCompatibleWire, request, [fixture('vllm-stream-usage-with-finish.sse')]);
    expect(streamText(parts)).toBe('Use Rust.');
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'length', usage: { inputTokens: 9, outputTokens: 2 } });
  });

  it('treats [DONE] without a finish reason as a clean stop', () => {
    const text = 'data: {"id":"x","choices":[{"index":0,"delta":{"content":"ok"}}]}\n\ndata: [DONE]\n\n';
    expect(decodeStream(openaiCompatibleWire, request, [text]).at(-1)).toMatchObject({ finishReason: 'stop' });
  });

  it('still reports a stream cut before any completion signal as broken', () => {
    const text = 'data: {"id":"x","choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":null}]}\n\n';
    expect(() => decodeStream(openaiCompatibleWire, request, [text])).toThrowError(ProviderError);
    try {
      decodeStream(openaiCompatibleWire, request, [text]);
    } catch (error) {
      expect((error as ProviderError).errorClass).toBe('stream_broken');
    }
  });

  it('ignores empty-string finish reasons some servers send mid-stream', () => {
    const text = 'data: {"id":"x","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":""}]}\n\n';
    expect(() => decodeStream(openaiCompatibleWire, request, [text])).toThrowError(/stream ended/);
  });

  it('estimates output usage when a non-stream response has none', () => {
    const result = openaiCompatibleWire.parseChatResponse({
      id: 'x',
      model: 'llama3.2',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello world' }, finish_reason: 'stop' }],
    });
    expect(result.usage).toEqual({ inputTokens: 0, outputTokens: estimateTokens('Hello world') });
  });

  it('requests float embeddings, which local servers support', () => {
    const spec = openaiCompatibleWire.buildEmbeddingRequest?.({ model: 'nomic-embed-text', input: ['a'] }, { baseUrl: 'http://x/v1' });
    expect(JSON.parse(spec?.body ?? '').encoding_format).toBe('float');
  });

  it.each([
    [404, '{"error":"model \\"llama9\\" not found, try pulling it first"}', 'bad_request', 'model "llama9" not found, try pulling it first'],
    [400, '{"object":"error","message":"max_tokens is too large","type":"BadRequestError","param":null,"code":400}', 'bad_request', 'max_tokens is too large'],
    [422, '{"detail":[{"loc":["body","messages"],"msg":"Field required","type":"missing"}]}', 'bad_request', 'Field required'],
    [500, '{"detail":"CUDA out of memory"}', 'server', 'CUDA out of memory'],
  ])('reads the %i error shape of compatible servers', (status, body, errorClass, message) => {
    expect(openaiCompatibleWire.parseError(status, body)).toMatchObject({ errorClass, message });
  });
});
