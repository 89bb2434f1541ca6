import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage, ChatRequest, ChatResult, StreamPart, ToolCall, ToolDefinition } from '../../src/core/chat.js';
import { startSimulator, type RunningSimulator } from '../../src/providers/simulator/simulator.js';
import { anthropicWire } from '../../src/wire/anthropic/anthropic-wire.js';
import { geminiWire } from '../../src/wire/gemini/gemini-wire.js';
import { openaiCompatibleWire } from '../../src/wire/openai/openai-compatible-wire.js';
import { openaiWire } from '../../src/wire/openai/openai-wire.js';
import { createSseParser } from '../../src/wire/sse.js';
import type { WireFormat } from '../../src/wire/wire-format.js';

/**
 * Tool loops and structured output through each wire format against the simulator over HTTP,
 * as the transport uses them: the wire builds the request, the simulator answers in the
 * provider's format, the wire parses it back into core types.
 */

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 9 });
});
afterAll(() => sim.close());

const CASES: { provider: string; wire: WireFormat; model: string }[] = [
  { provider: 'openai', wire: openaiWire, model: 'gpt-4o-mini' },
  { provider: 'compat', wire: openaiCompatibleWire, model: 'llama3.2' },
  { provider: 'claude', wire: anthropicWire, model: 'claude-3-5-haiku-20241022' },
  { provider: 'gemini', wire: geminiWire, model: 'gemini-2.0-flash' },
];

const weather: ToolDefinition = {
  name: 'get_weather',
  description: 'Get the current weather for a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
    required: ['city', 'unit'],
    additionalProperties: false,
  },
};
const time: ToolDefinition = {
  name: 'get_time',
  description: 'Current local time in a timezone',
  parameters: { type: 'object', properties: { timezone: { type: 'string' } }, required: ['timezone'] },
};

async function call(provider: string, wire: WireFormat, request: ChatRequest): Promise<ChatResult> {
  const target = { baseUrl: sim.baseUrlFor(provider), apiKey: 'simulated-key' };
  const spec = wire.buildChatRequest(request, target, { stream: false });
  const response = await fetch(`${target.baseUrl}${spec.path}`, { method: spec.method, headers: spec.headers, body: spec.body ?? null });
  const body: unknown = await response.json();
  if (!response.ok) throw new Error(`${response.status} ${JSON.stringify(body)}`);
  return wire.parseChatResponse(body);
}

async function stream(provider: string, wire: WireFormat, request: ChatRequest): Promise<StreamPart[]> {
  const target = { baseUrl: sim.baseUrlFor(provider), apiKey: 'simulated-key' };
  const spec = wire.buildChatRequest(request, target, { stream: true });
  const response = await fetch(`${target.baseUrl}${spec.path}`, { method: spec.method, headers: spec.headers, body: spec.body ?? null });
  expect(response.status).toBe(200);
  const parser = createSseParser();
  const decoder = wire.createStreamDecoder(request, { provider });
  const parts: StreamPart[] = [];
  for (const event of [...parser.feed(await response.text()), ...parser.flush()]) parts.push(...decoder.push(event));
  parts.push(...decoder.end());
  return parts;
}

/** Joins a stream's tool_call pieces into whole calls, by index. */
function assemble(parts: readonly StreamPart[]): ToolCall[] {
  const calls: ToolCall[] = [];
  for (const part of parts) {
    if (part.type !== 'tool_call') continue;
    const existing = calls[part.index];
    if (existing === undefined) calls[part.index] = { id: part.id ?? '', name: part.name ?? '', arguments: part.argumentsDelta };
    else existing.arguments += part.argumentsDelta;
  }
  return calls;
}

/** What a client's tool runner does: answers each call. */
function run(calls: readonly ToolCall[]): ChatMessage[] {
  return calls.map((each) => ({
    role: 'tool',
    toolCallId: each.id,
    content: each.name === 'get_weather' ? JSON.stringify({ temperature: 21, sky: 'sunny' }) : '"14:05"',
  }));
}

describe.each(CASES)('$provider: tools through the wire', ({ provider, wire, model }) => {
  const ask = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
    model,
    messages: [{ role: 'user', content }],
    tools: [weather, time],
    ...extra,
  });

  it('completes a two-step tool loop: a call with schema-valid arguments, then a text answer quoting the result', async () => {
    const request = ask('What is the weather in the city of Paris, in celsius?');
    const first = await call(provider, wire, request);
    expect(first.finishReason).toBe('tool_calls');
    expect(first.toolCalls).toHaveLength(1);
    const [weatherCall] = first.toolCalls ?? [];
    expect(weatherCall?.name).toBe('get_weather');
    expect(JSON.parse(weatherCall?.arguments ?? '')).toEqual({ city: 'Paris', unit: 'celsius' });
    expect(weatherCall?.id).not.toBe('');

    const followUp: ChatRequest = {
      ...request,
      messages: [...request.messages, { role: 'assistant', content: first.text, toolCalls: first.toolCalls ?? [] }, ...run(first.toolCalls ?? [])],
    };
    const second = await call(provider, wire, followUp);
    expect(second.finishReason).toBe('stop');
    expect(second.toolCalls).toBeUndefined();
    expect(second.text).toContain('get_weather');
    expect(second.text).toContain('sunny');
  });

  it('calls both tools when the prompt asks for both, and one when parallel calls are off', async () => {
    const prompt = 'What is the weather in Paris and the local time there?';
    const both = await call(provider, wire, ask(prompt));
    expect(both.toolCalls?.map((each) => each.name)).toEqual(['get_weather', 'get_time']);
    expect(new Set(both.toolCalls?.map((each) => each.id)).size).toBe(2);
    if (provider !== 'gemini') {
      // Gemini has no switch for parallel calls (docs/gateway.md).
      const one = await call(provider, wire, ask(prompt, { parallelToolCalls: false }));
      expect(one.toolCalls?.map((each) => each.name)).toEqual(['get_weather']);
    }
  });

  it('follows tool choice: none answers in text, a named tool is called whatever the prompt', async () => {
    expect((await call(provider, wire, ask('Weather in Paris?', { toolChoice: 'none' }))).toolCalls).toBeUndefined();
    const named = await call(provider, wire, ask('Tell me a joke', { toolChoice: { name: 'get_time' } }));
    expect(named.toolCalls?.map((each) => each.name)).toEqual(['get_time']);
  });

  it('streams the same tool calls as the plain response', async () => {
    const request = ask('What is the weather in Paris and the local time there?');
    const plain = await call(provider, wire, request);
    const parts = await stream(provider, wire, request);
    const streamed = assemble(parts);
    expect(streamed.map(({ name, arguments: args }) => ({ name, args: JSON.parse(args) as unknown }))).toEqual(
      (plain.toolCalls ?? []).map(({ name, arguments: args }) => ({ name, args: JSON.parse(args) as unknown })),
    );
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'tool_calls' });
  });

  it('answers with JSON valid against a json_schema response format', async () => {
    const schema = {
      type: 'object',
      properties: {
        title: { type: 'string' },
        year: { type: 'integer', minimum: 1900, maximum: 2100 },
        tags: { type: 'array', items: { type: 'string' }, minItems: 2 },
        kind: { type: 'string', enum: ['book', 'film'] },
        rating: { type: 'number' },
        available: { type: 'boolean' },
      },
      required: ['title', 'year', 'tags', 'kind', 'rating', 'available'],
      additionalProperties: false,
    };
    const result = await call(provider, wire, {
      model,
      messages: [{ role: 'user', content: 'Describe the film with title "Metropolis" as JSON, year 1927.' }],
      responseFormat: { type: 'json_schema', name: 'work', schema, strict: true },
    });
    expect(result.finishReason).toBe('stop');
    const value = JSON.parse(result.text) as Record<string, unknown>;
    const validate = new Ajv().compile(schema);
    expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
    expect(value).toMatchObject({ title: 'Metropolis', year: 1927, kind: 'film' });
  });

  it('accepts an image part and says it received it', async () => {
    const result = await call(provider, wire, {
      model,
      messages: [
        {
          role: 'user',
          content: 'What does this diagram show?',
          parts: [
            { type: 'text', text: 'What does this diagram show?' },
            { type: 'image', url: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==' },
          ],
        },
      ],
    });
    expect(result.text).toMatch(/^I received 1 attachment/);
  });
});
