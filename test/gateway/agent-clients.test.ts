/**
 * Issue 16: agents through the gateway, with clients nobody on the team wrote — the official
 * `openai` SDK, the Vercel AI SDK and LangChain — against `fortitude serve` as shipped (one
 * worker, embedded defaults, the built-in simulator behind every provider). A multi-step tool
 * loop completes in each; structured output parses and matches its schema.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { AIMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import { generateObject, generateText, stepCountIs, streamText, tool } from 'ai';
import { Ajv } from 'ajv';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { spawnServer, type SpawnedServer } from '../observability/spawn-server.js';

let server: SpawnedServer;
let client: OpenAI;

beforeAll(async () => {
  server = await spawnServer({ env: { FORTITUDE_GATEWAY__MODEL_ALIASES__GPT_5_TURBO: 'gpt-4o-mini' } });
  client = new OpenAI({ apiKey: 'unused-on-loopback', baseURL: `${server.url}/v1`, maxRetries: 0, timeout: 20_000 });
}, 90_000);

afterAll(async () => {
  await server?.close();
});

const weatherTool: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Get the current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
const timeTool: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_time',
    description: 'Get the current local time for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('the openai SDK', () => {
  it('calls a tool, takes its result and answers in text (a two-step loop), labelled simulated', async () => {
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Use get_weather: what is the weather in Paris?' }];
    const { data: first, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools: [weatherTool] }).withResponse();
    expect(response.headers.get('x-fortitude-simulated')).toBe('true');
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(call?.type).toBe('function');
    if (call?.type !== 'function') throw new Error('no function call');
    expect(call.function.name).toBe('get_weather');
    expect(typeof (JSON.parse(call.function.arguments) as { city: unknown }).city).toBe('string');

    messages.push(first.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: '{"temperature_c": 18, "sky": "clear"}' });
    const second = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools: [weatherTool] });
    expect(second.choices[0]?.finish_reason).toBe('stop');
    expect(second.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(second.choices[0]?.message.tool_calls ?? []).toEqual([]);
  });

  it('streams tool calls as deltas the SDK assembles, parallel when several tools match', async () => {
    const runner = client.chat.completions.stream({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Call get_weather and get_time for Berlin.' }],
      tools: [weatherTool, timeTool],
      parallel_tool_calls: true,
    });
    const completion = await runner.finalChatCompletion();
    const calls = completion.choices[0]?.message.tool_calls ?? [];
    expect(calls.map((call) => (call.type === 'function' ? call.function.name : '')).sort()).toEqual(['get_time', 'get_weather']);
    for (const call of calls) if (call.type === 'function') expect(() => JSON.parse(call.function.arguments) as unknown).not.toThrow();
    expect(new Set(calls.map((call) => call.id)).size).toBe(calls.length);
  });

  it('response_format json_schema returns JSON that matches the schema', async () => {
    const schema = {
      type: 'object',
      properties: { name: { type: 'string' }, stars: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } }, kind: { type: 'string', enum: ['library', 'framework'] } },
      required: ['name', 'stars', 'tags', 'kind'],
      additionalProperties: false,
    };
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Describe the tokio crate.' }],
      response_format: { type: 'json_schema', json_schema: { name: 'crate', schema, strict: true } },
    });
    const parsed = JSON.parse(completion.choices[0]?.message.content ?? '') as unknown;
    const validate = new Ajv().compile(schema);
    expect(validate(parsed), JSON.stringify(validate.errors)).toBe(true);
  });

  it('completion ids are unique across requests', async () => {
    const ids = new Set<string>();
    for (let index = 0; index < 5; index++) {
      const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'same question' }] });
      ids.add(completion.id);
    }
    expect(ids.size).toBe(5);
  });

  it('models: list, retrieve, an alias, auto, and a 404 for an unknown name', async () => {
    const list = await client.models.list();
    const ids = list.data.map((model) => model.id);
    expect(ids).toEqual(expect.arrayContaining(['gpt-4o-mini', 'auto', 'gpt_5_turbo']));
    expect((await client.models.retrieve('gpt-4o-mini')).id).toBe('gpt-4o-mini');
    await expect(client.models.retrieve('gpt-5-ultra')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const error = await client.chat.completions.create({ model: 'gpt-5-ultra', messages: [{ role: 'user', content: 'x' }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
    const viaAlias = await client.chat.completions.create({ model: 'gpt_5_turbo', messages: [{ role: 'user', content: 'hello alias' }] });
    expect(viaAlias.choices[0]?.message.content?.length).toBeGreaterThan(0);
    const viaAuto = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello auto' }] });
    expect(viaAuto.choices[0]?.message.content?.length).toBeGreaterThan(0);
  });

  it('embeddings honour dimensions', async () => {
    const embedding = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['tokio tasks'], dimensions: 256 });
    expect(embedding.data[0]?.embedding).toHaveLength(256);
  });
});

describe('the Vercel AI SDK (chat completions provider)', () => {
  const provider = () => createOpenAI({ apiKey: 'unused-on-loopback', baseURL: `${server.url}/v1` });

  it('generateText with a tool runs the loop to a text answer', async () => {
    const result = await generateText({
      model: provider().chat('gpt-4o-mini'),
      tools: {
        get_weather: tool({
          description: 'Get the current weather for a city',
          inputSchema: z.object({ city: z.string() }),
          execute: async ({ city }) => ({ city, temperatureC: 18 }),
        }),
      },
      stopWhen: stepCountIs(4),
      prompt: 'Use get_weather: what is the weather in Lisbon?',
    });
    expect(result.steps.length).toBeGreaterThanOrEqual(2);
    expect(result.steps[0]?.toolCalls.map((call) => call.toolName)).toEqual(['get_weather']);
    expect(result.text.length).toBeGreaterThan(0);
  });

  it('generateObject returns an object matching the zod schema', async () => {
    const { object } = await generateObject({
      model: provider().chat('gpt-4o-mini'),
      schema: z.object({ title: z.string(), steps: z.array(z.string()), difficulty: z.enum(['easy', 'hard']) }),
      prompt: 'Plan a migration from Express to Fastify.',
    });
    expect(typeof object.title).toBe('string');
    expect(Array.isArray(object.steps)).toBe(true);
    expect(['easy', 'hard']).toContain(object.difficulty);
  });

  it('streamText streams text', async () => {
    const result = streamText({ model: provider().chat('gpt-4o-mini'), prompt: 'Say something about Rust.' });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    expect(text.length).toBeGreaterThan(0);
  });
});

describe('LangChain', () => {
  const model = () => new ChatOpenAI({ model: 'gpt-4o-mini', apiKey: 'unused-on-loopback', configuration: { baseURL: `${server.url}/v1` }, maxRetries: 0 });

  it('bindTools: the model calls the tool', async () => {
    const bound = model().bindTools([weatherTool]);
    const message = await bound.invoke('Use get_weather: what is the weather in Oslo?');
    expect(message.tool_calls?.map((call) => call.name)).toEqual(['get_weather']);
  });

  it('withStructuredOutput parses into the schema', async () => {
    const structured = model().withStructuredOutput(z.object({ answer: z.string(), confidence: z.number() }));
    const result = await structured.invoke('Is Postgres a good event store?');
    expect(typeof result.answer).toBe('string');
    expect(typeof result.confidence).toBe('number');
  });
});

describe('LangChain with useResponsesApi (POST /v1/responses)', () => {
  const model = () => new ChatOpenAI({ model: 'gpt-4o-mini', apiKey: 'unused-on-loopback', configuration: { baseURL: `${server.url}/v1` }, maxRetries: 0, useResponsesApi: true });

  it('answers in text, with usage', async () => {
    const message = await model().invoke('What is a write-ahead log?');
    expect(typeof message.content === 'string' ? message.content : message.text).not.toBe('');
    expect(message.usage_metadata?.output_tokens).toBeGreaterThan(0);
    // The request went to the Responses API: its response id is on the message.
    expect(String(message.response_metadata.id ?? message.id)).toMatch(/^resp_/);
  });

  it('bindTools: a two-step tool loop completes', async () => {
    const bound = model().bindTools([weatherTool]);
    const question = new HumanMessage('Use get_weather: what is the weather in Oslo?');
    const first = await bound.invoke([question]);
    const call = first.tool_calls?.[0];
    expect(call?.name).toBe('get_weather');
    const second = await bound.invoke([question, first, new ToolMessage({ tool_call_id: call!.id!, content: '{"temperature_c": 4}' })]);
    expect(second.tool_calls ?? []).toEqual([]);
    expect(second.text).not.toBe('');
  });

  it('continues a stored response by previous_response_id', async () => {
    const first = await model().invoke('Remember the word heron. What does a heron eat?');
    const previous = String(first.response_metadata.id ?? first.id);
    const next = await model().invoke([new HumanMessage('Which word did I ask you to remember?')], { previous_response_id: previous });
    expect(next.text).not.toBe('');
    expect(next.usage_metadata!.input_tokens).toBeGreaterThan(first.usage_metadata!.input_tokens);
  });

  it('streams text chunks', async () => {
    let text = '';
    for await (const chunk of await model().stream('Explain backpressure in one paragraph.')) text += chunk.text;
    expect(text.length).toBeGreaterThan(0);
  });

  it('withStructuredOutput parses into the schema', async () => {
    const structured = model().withStructuredOutput(z.object({ answer: z.string(), confidence: z.number() }));
    const result = await structured.invoke('Is Postgres a good event store?');
    expect(typeof result.answer).toBe('string');
    expect(typeof result.confidence).toBe('number');
  });

  it('an assistant message from history is accepted as input', async () => {
    const message = await model().invoke([new HumanMessage('Hi'), new AIMessage('Hello! How can I help?'), new HumanMessage('Explain DNS briefly.')]);
    expect(message.text).not.toBe('');
  });
});
