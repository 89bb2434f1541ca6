/**
 * Issue 16: the OpenAI Responses API on the gateway, with `openai` SDK `responses.create` and the
 * Vercel AI SDK's default provider (`openai(model)` speaks the Responses API), against
 * `fortitude serve` with the built-in simulator.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { generateObject, generateText, stepCountIs, streamText, tool } from 'ai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { spawnServer, type SpawnedServer } from '../observability/spawn-server.js';

let server: SpawnedServer;
let client: OpenAI;

beforeAll(async () => {
  server = await spawnServer();
  client = new OpenAI({ apiKey: 'unused-on-loopback', baseURL: `${server.url}/v1`, maxRetries: 0, timeout: 20_000 });
}, 90_000);

afterAll(async () => {
  await server?.close();
});

const weather: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Get the current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};

describe('openai SDK responses.create', () => {
  it('text in, output_text out, with usage', async () => {
    const response = await client.responses.create({ model: 'gpt-4o-mini', input: 'What is a tokio task?' });
    expect(response.object).toBe('response');
    expect(response.status).toBe('completed');
    expect(response.output_text.length).toBeGreaterThan(0);
    expect(response.usage?.output_tokens).toBeGreaterThan(0);
  });

  it('a tool loop with function_call and function_call_output items', async () => {
    const input: OpenAI.Responses.ResponseInput = [{ role: 'user', content: 'Use get_weather: what is the weather in Vienna?' }];
    const first = await client.responses.create({ model: 'gpt-4o-mini', input, tools: [weather] });
    const call = first.output.find((item) => item.type === 'function_call');
    if (call?.type !== 'function_call') throw new Error('no function_call item');
    expect(call.name).toBe('get_weather');
    input.push(call, { type: 'function_call_output', call_id: call.call_id, output: '{"temperature_c": 12}' });
    const second = await client.responses.create({ model: 'gpt-4o-mini', input, tools: [weather] });
    expect(second.output.some((item) => item.type === 'function_call')).toBe(false);
    expect(second.output_text.length).toBeGreaterThan(0);
  });

  it('streams events the SDK assembles into the final response', async () => {
    const stream = client.responses.stream({ model: 'gpt-4o-mini', input: 'Explain backpressure in one paragraph.' });
    let deltas = '';
    stream.on('response.output_text.delta', (event) => (deltas += event.delta));
    const final = await stream.finalResponse();
    expect(deltas.length).toBeGreaterThan(0);
    expect(final.output_text).toBe(deltas);
  });

  it('structured output with text.format json_schema', async () => {
    const response = await client.responses.create({
      model: 'gpt-4o-mini',
      input: 'Describe serde.',
      text: { format: { type: 'json_schema', name: 'crate', schema: { type: 'object', properties: { name: { type: 'string' }, downloads: { type: 'integer' } }, required: ['name', 'downloads'], additionalProperties: false }, strict: true } },
    });
    const parsed = JSON.parse(response.output_text) as { name: unknown; downloads: unknown };
    expect(typeof parsed.name).toBe('string');
    expect(Number.isInteger(parsed.downloads)).toBe(true);
  });

  it('an unknown previous_response_id is a 404 naming the parameter (stored responses: responses-stored.test.ts)', async () => {
    const error = await client.responses.create({ model: 'gpt-4o-mini', input: 'x', previous_response_id: 'resp_123' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).param).toBe('previous_response_id');
  });
});

describe('the Vercel AI SDK default provider (Responses API)', () => {
  const provider = () => createOpenAI({ apiKey: 'unused-on-loopback', baseURL: `${server.url}/v1` });

  it('generateText with a tool and several steps', async () => {
    const result = await generateText({
      model: provider()('gpt-4o-mini'),
      tools: { get_weather: tool({ description: 'Get the current weather for a city', inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => ({ city, temperatureC: 9 }) }) },
      stopWhen: stepCountIs(4),
      providerOptions: { openai: { store: false } },
      prompt: 'Use get_weather: what is the weather in Prague?',
    });
    expect(result.steps[0]?.toolCalls.map((call) => call.toolName)).toEqual(['get_weather']);
    expect(result.text.length).toBeGreaterThan(0);
  });

  it('generateObject and streamText', async () => {
    const { object } = await generateObject({ model: provider()('gpt-4o-mini'), schema: z.object({ summary: z.string(), risk: z.enum(['low', 'high']) }), prompt: 'Assess a Postgres major upgrade.' });
    expect(['low', 'high']).toContain(object.risk);
    const streamed = streamText({ model: provider()('gpt-4o-mini'), prompt: 'One line about Go channels.' });
    let text = '';
    for await (const delta of streamed.textStream) text += delta;
    expect(text.length).toBeGreaterThan(0);
  });
});
