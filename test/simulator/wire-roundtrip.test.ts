import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatRequest, ChatResult, StreamPart } from '../../src/core/chat.js';
import { ProviderError } from '../../src/core/errors.js';
import { startSimulator, type RunningSimulator } from '../../src/providers/simulator/simulator.js';
import { anthropicWire } from '../../src/wire/anthropic/anthropic-wire.js';
import { geminiWire } from '../../src/wire/gemini/gemini-wire.js';
import { openaiCompatibleWire } from '../../src/wire/openai/openai-compatible-wire.js';
import { openaiWire } from '../../src/wire/openai/openai-wire.js';
import { createSseParser } from '../../src/wire/sse.js';
import type { ParsedWireError, WireFormat, WireTarget } from '../../src/wire/wire-format.js';

/**
 * Each wire format over real HTTP against the simulator, the way the transport uses them:
 * build → fetch → parse / SSE-frame + decode / parseError. Proves wire and simulator agree.
 */

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 5 });
});
afterAll(() => sim.close());

interface Case {
  provider: string;
  wire: WireFormat;
  model: string;
  embeddingModel?: string;
}

const CASES: Case[] = [
  { provider: 'openai', wire: openaiWire, model: 'gpt-4o-mini', embeddingModel: 'text-embedding-3-small' },
  { provider: 'compat', wire: openaiCompatibleWire, model: 'llama3.2', embeddingModel: 'nomic-embed-text' },
  { provider: 'claude', wire: anthropicWire, model: 'claude-3-5-haiku-20241022' },
  { provider: 'gemini', wire: geminiWire, model: 'gemini-2.0-flash', embeddingModel: 'text-embedding-004' },
];

const target = (provider: string): WireTarget => ({ baseUrl: sim.baseUrlFor(provider), apiKey: 'simulated-key' });

function chatRequest(model: string, extra: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model,
    messages: [
      { role: 'system', content: 'You are a research assistant.' },
      { role: 'user', content: 'How do I tune connection pooling for PostgreSQL in a Rust service?' },
    ],
    ...extra,
  };
}

async function send(wire: WireFormat, provider: string, request: ChatRequest, stream: boolean, scenario?: string): Promise<Response> {
  const spec = wire.buildChatRequest(request, target(provider), { stream });
  return fetch(`${target(provider).baseUrl}${spec.path}`, {
    method: spec.method,
    headers: { ...spec.headers, ...(scenario === undefined ? {} : { 'x-simulator-scenario': scenario }) },
    ...(spec.body === undefined ? {} : { body: spec.body }),
  });
}

async function chat(wire: WireFormat, provider: string, request: ChatRequest, scenario?: string): Promise<ChatResult | ParsedWireError> {
  const response = await send(wire, provider, request, false, scenario);
  if (!response.ok) return wire.parseError(response.status, await response.text());
  return wire.parseChatResponse(await response.json());
}

async function stream(wire: WireFormat, provider: string, request: ChatRequest, scenario?: string): Promise<StreamPart[]> {
  const response = await send(wire, provider, request, true, scenario);
  expect(response.status).toBe(200);
  const parser = createSseParser();
  const decoder = wire.createStreamDecoder(request, { provider });
  const text = new TextDecoder();
  const parts: StreamPart[] = [];
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    for (const event of parser.feed(text.decode(chunk, { stream: true }))) parts.push(...decoder.push(event));
  }
  for (const event of parser.feed(text.decode())) parts.push(...decoder.push(event));
  for (const event of parser.flush()) parts.push(...decoder.push(event));
  parts.push(...decoder.end());
  return parts;
}

async function streamError(wire: WireFormat, provider: string, request: ChatRequest, scenario: string): Promise<ProviderError> {
  const error = await stream(wire, provider, request, scenario).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ProviderError);
  expect((error as ProviderError).provider).toBe(provider);
  return error as ProviderError;
}

describe.each(CASES)('$provider wire ↔ simulator', ({ provider, wire, model, embeddingModel }) => {
  it('answers a chat request and streams the identical answer and usage', async () => {
    const result = (await chat(wire, provider, chatRequest(model))) as ChatResult;
    expect(result.finishReason).toBe('stop');
    expect(result.text).toContain('## Implementation');
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    const parts = await stream(wire, provider, chatRequest(model));
    const finish = parts.at(-1);
    expect(parts.filter((part) => part.type === 'finish')).toHaveLength(1);
    expect(parts.map((part) => (part.type === 'text' ? part.text : '')).join('')).toBe(result.text);
    expect(finish).toMatchObject({ type: 'finish', finishReason: 'stop', usage: result.usage });
  });

  it('reports max tokens as a length finish', async () => {
    const result = (await chat(wire, provider, chatRequest(model, { maxTokens: 10 }))) as ChatResult;
    expect(result.finishReason).toBe('length');
    expect(result.usage.outputTokens).toBeLessThanOrEqual(10);
  });

  it('reports the safety finish as content_filter', async () => {
    const result = (await chat(wire, provider, chatRequest(model), 'content_filter')) as ChatResult;
    expect(result).toMatchObject({ text: '', finishReason: 'content_filter' });
  });

  it('turns a truncated stream into stream_broken and an in-stream error into server', async () => {
    expect((await streamError(wire, provider, chatRequest(model), 'truncate')).errorClass).toBe('stream_broken');
    const error = await streamError(wire, provider, chatRequest(model), 'stream_error');
    expect(error.errorClass).toBe('server');
    expect(error.retryable).toBe(true);
  });

  it.each([
    ['error_500', 'server'],
    ['error_503', 'server'],
    ['overloaded', 'server'],
    ['rate_limit', 'rate_limit'],
    ['unauthorized', 'auth'],
    ['bad_request', 'bad_request'],
    ['not_found', 'bad_request'],
  ])('maps the %s scenario to %s', async (scenario, errorClass) => {
    const parsed = (await chat(wire, provider, chatRequest(model), scenario)) as ParsedWireError;
    expect(parsed.errorClass).toBe(errorClass);
    expect(parsed.message.length).toBeGreaterThan(0);
    expect(parsed.message).not.toContain('simulated-key');
  });

  it.skipIf(embeddingModel === undefined)('embeds a batch in input order', async () => {
    const request = { model: embeddingModel ?? '', input: ['alpha beta', 'gamma', 'alpha beta'] };
    const spec = wire.buildEmbeddingRequest?.(request, target(provider));
    if (spec === undefined) throw new Error('no embeddings');
    const response = await fetch(`${target(provider).baseUrl}${spec.path}`, { method: spec.method, headers: spec.headers, body: spec.body ?? null });
    expect(response.status).toBe(200);
    const result = wire.parseEmbeddingResponse?.(await response.json(), request);
    expect(result?.vectors).toHaveLength(3);
    expect(result?.vectors[0]).toEqual(result?.vectors[2]);
    expect(result?.vectors[0]).not.toEqual(result?.vectors[1]);
    expect(result?.usage.inputTokens).toBeGreaterThan(0);
  });
});

describe('OpenAI-compatible server that never reports stream usage', () => {
  it('gets the same usage from the wire estimate as the server counted', async () => {
    sim.setProfile('compat', { streamUsage: 'none' });
    try {
      const request = chatRequest('llama3.2');
      const plain = (await chat(openaiCompatibleWire, 'compat', request)) as ChatResult;
      const response = await send(openaiCompatibleWire, 'compat', request, true);
      expect(await response.clone().text()).not.toContain('"usage"');
      const parts = await stream(openaiCompatibleWire, 'compat', request);
      expect(parts.at(-1)).toMatchObject({ type: 'finish', usage: plain.usage });
    } finally {
      sim.setProfile('compat', { streamUsage: 'with_finish' });
    }
  });
});

describe('Gemini rate limits carry RetryInfo', () => {
  it('parses retryDelay from the simulator 429 body', async () => {
    sim.setProfile('gemini', { retryAfterSeconds: 7 });
    const parsed = (await chat(geminiWire, 'gemini', chatRequest('gemini-2.0-flash'), 'rate_limit')) as ParsedWireError;
    sim.setProfile('gemini', { retryAfterSeconds: 1 });
    expect(parsed).toMatchObject({ errorClass: 'rate_limit', providerCode: 'RESOURCE_EXHAUSTED', retryAfterMs: 7000 });
  });
});
