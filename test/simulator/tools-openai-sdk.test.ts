import { Ajv } from 'ajv';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/providers/simulator/simulator.js';

/** The official `openai` SDK's agent features against the simulator: tools, streamed tool calls, JSON schema. */

let sim: RunningSimulator;
let client: OpenAI;
const MODEL = 'gpt-4o-mini';

beforeAll(async () => {
  sim = await startSimulator({ seed: 21 });
  client = new OpenAI({ apiKey: 'sk-simulated', baseURL: sim.baseUrlFor('openai'), maxRetries: 0 });
});
afterAll(() => sim.close());

const tools: OpenAI.ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Get the current weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
      strict: true,
    },
  },
  {
    type: 'function',
    function: {
      name: 'get_time',
      description: 'Current local time in a timezone',
      parameters: { type: 'object', properties: { timezone: { type: 'string' } }, required: ['timezone'] },
    },
  },
];

/** The client side of a tool loop: run every call, send the results, until the model answers. */
async function toolLoop(messages: OpenAI.ChatCompletionMessageParam[], stream: boolean): Promise<{ steps: number; answer: string }> {
  for (let steps = 1; steps <= 5; steps++) {
    const message = stream
      ? (await client.chat.completions.stream({ model: MODEL, messages, tools }).finalChatCompletion()).choices[0]?.message
      : (await client.chat.completions.create({ model: MODEL, messages, tools })).choices[0]?.message;
    if (message === undefined) throw new Error('no choice');
    const calls = message.tool_calls ?? [];
    if (calls.length === 0) return { steps, answer: message.content ?? '' };
    messages.push({ role: 'assistant', content: message.content, tool_calls: calls });
    for (const call of calls) {
      if (call.type !== 'function') continue;
      const args = JSON.parse(call.function.arguments) as Record<string, string>;
      const content = call.function.name === 'get_weather' ? JSON.stringify({ city: args.city, sky: 'sunny', celsius: 21 }) : '14:05';
      messages.push({ role: 'tool', tool_call_id: call.id, content });
    }
  }
  throw new Error('the tool loop did not finish');
}

describe('openai SDK tools → simulator', () => {
  it('calls a tool the prompt asks for, with arguments from the prompt', async () => {
    const completion = await client.chat.completions.create({ model: MODEL, tools, messages: [{ role: 'user', content: "What's the weather in Paris?" }] });
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBeNull();
    const call = choice?.message.tool_calls?.[0];
    expect(call?.type).toBe('function');
    expect(call?.id).toMatch(/^call_/);
    expect(call?.type === 'function' ? [call.function.name, JSON.parse(call.function.arguments)] : []).toEqual(['get_weather', { city: 'Paris' }]);
  });

  it.each([false, true])('completes a multi-step tool loop (streamed: %s) and answers with the result', async (stream) => {
    const result = await toolLoop([{ role: 'user', content: "What's the weather in Paris?" }], stream);
    expect(result.steps).toBe(2);
    expect(result.answer).toContain('get_weather');
    expect(result.answer).toContain('sunny');
  });

  it('makes parallel tool calls, and one call with parallel_tool_calls false', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the weather in Paris and the local time there?' }];
    const parallel = await client.chat.completions.create({ model: MODEL, tools, messages });
    const names = parallel.choices[0]?.message.tool_calls?.map((call) => (call.type === 'function' ? call.function.name : ''));
    expect(names).toEqual(['get_weather', 'get_time']);
    const single = await client.chat.completions.create({ model: MODEL, tools, messages, parallel_tool_calls: false });
    expect(single.choices[0]?.message.tool_calls).toHaveLength(1);
  });

  it('streams tool calls as index/id/name deltas followed by argument fragments', async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      tools,
      stream: true,
      messages: [{ role: 'user', content: 'What is the weather in Paris and the local time there?' }],
    });
    const deltas: OpenAI.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      deltas.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    const heads = deltas.filter((delta) => delta.id !== undefined);
    expect(heads.map((delta) => [delta.index, delta.function?.name, delta.function?.arguments])).toEqual([
      [0, 'get_weather', ''],
      [1, 'get_time', ''],
    ]);
    expect(deltas.filter((delta) => delta.id === undefined && delta.index === 0).length).toBeGreaterThan(1);
    const args = (index: number) => deltas.filter((delta) => delta.index === index).map((delta) => delta.function?.arguments ?? '').join('');
    expect(JSON.parse(args(0))).toEqual({ city: 'Paris' });
    expect(finish).toBe('tool_calls');
  });

  it('follows tool_choice: required, named and none', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Tell me a joke' }];
    const auto = await client.chat.completions.create({ model: MODEL, tools, messages });
    expect(auto.choices[0]?.finish_reason).toBe('stop');
    const required = await client.chat.completions.create({ model: MODEL, tools, messages, tool_choice: 'required' });
    expect(required.choices[0]?.message.tool_calls).toHaveLength(1);
    const named = await client.chat.completions.create({ model: MODEL, tools, messages, tool_choice: { type: 'function', function: { name: 'get_time' } } });
    const call = named.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' ? call.function.name : '').toBe('get_time');
    const none = await client.chat.completions.create({ model: MODEL, tools, tool_choice: 'none', messages: [{ role: 'user', content: 'weather in Paris?' }] });
    expect(none.choices[0]?.message.tool_calls).toBeUndefined();
  });

  it('answers response_format json_schema with JSON valid against the schema', async () => {
    const schema = {
      type: 'object',
      properties: {
        name: { type: 'string' },
        steps: { type: 'array', items: { type: 'object', properties: { order: { type: 'integer' }, text: { type: 'string' } }, required: ['order', 'text'], additionalProperties: false } },
        difficulty: { type: 'string', enum: ['easy', 'medium', 'hard'] },
        vegetarian: { type: 'boolean' },
      },
      required: ['name', 'steps', 'difficulty', 'vegetarian'],
      additionalProperties: false,
    };
    const completion = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Give me a hard recipe with name "Beef Wellington".' }],
      response_format: { type: 'json_schema', json_schema: { name: 'recipe', schema, strict: true } },
    });
    const value = JSON.parse(completion.choices[0]?.message.content ?? '') as Record<string, unknown>;
    const validate = new Ajv().compile(schema);
    expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
    expect(value).toMatchObject({ name: 'Beef Wellington', difficulty: 'hard' });
  });

  it('answers json_object with a JSON object, and refuses it when no message mentions JSON, as OpenAI does', async () => {
    const completion = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Summarise Redis persistence as JSON.' }],
      response_format: { type: 'json_object' },
    });
    expect(typeof JSON.parse(completion.choices[0]?.message.content ?? '')).toBe('object');
    await expect(
      client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], response_format: { type: 'json_object' } }),
    ).rejects.toMatchObject({ status: 400, param: 'messages' });
  });

  it('rejects a tool message that answers no tool call, with OpenAI’s message', async () => {
    const error = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }, { role: 'tool', tool_call_id: 'call_x', content: '1' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toMatch(/must be a response to a preceeding message with 'tool_calls'/);
  });

  it('accepts image parts and says so', async () => {
    const completion = await client.chat.completions.create({
      model: MODEL,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this screenshot?' },
            { type: 'image_url', image_url: { url: 'https://example.com/screenshot.png', detail: 'low' } },
          ],
        },
      ],
    });
    expect(completion.choices[0]?.message.content).toMatch(/^I received 1 attachment/);
  });

  it('gives every completion a unique id, across requests and simulator instances', async () => {
    const request = { model: MODEL, messages: [{ role: 'user' as const, content: 'hi' }] };
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) ids.add((await client.chat.completions.create(request)).id);
    const other = await startSimulator({ seed: 21 });
    try {
      const otherClient = new OpenAI({ apiKey: 'sk-simulated', baseURL: other.baseUrlFor('openai'), maxRetries: 0 });
      ids.add((await otherClient.chat.completions.create(request)).id);
    } finally {
      await other.close();
    }
    expect(ids.size).toBe(6);
  });
});

describe('openai SDK tools → OpenAI-compatible simulator (Ollama style)', () => {
  it('streams each tool call whole in one delta, as Ollama does', async () => {
    const compat = new OpenAI({ apiKey: 'ollama', baseURL: sim.baseUrlFor('compat'), maxRetries: 0 });
    const stream = await compat.chat.completions.create({
      model: 'llama3.2',
      tools,
      stream: true,
      messages: [{ role: 'user', content: "What's the weather in Paris?" }],
    });
    const deltas: OpenAI.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
    for await (const chunk of stream) deltas.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
    expect(deltas).toHaveLength(1);
    expect(JSON.parse(deltas[0]?.function?.arguments ?? '')).toEqual({ city: 'Paris' });
  });
});
