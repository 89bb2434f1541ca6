import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/providers/simulator/simulator.js';

/** The official `@anthropic-ai/sdk` with tools against the simulator: tool_use, input_json_delta, tool_result. */

let sim: RunningSimulator;
let client: Anthropic;
const MODEL = 'claude-sonnet-4-20250514';

beforeAll(async () => {
  sim = await startSimulator({ seed: 17 });
  client = new Anthropic({ apiKey: 'sk-ant-simulated', baseURL: sim.baseUrlFor('claude'), maxRetries: 0 });
});
afterAll(() => sim.close());

const tools: Anthropic.Tool[] = [
  {
    name: 'get_weather',
    description: 'Get the current weather in a given location',
    input_schema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
  },
  {
    name: 'get_time',
    description: 'Current local time in a timezone',
    input_schema: { type: 'object', properties: { timezone: { type: 'string' } }, required: ['timezone'] },
  },
];

function toolUses(message: Anthropic.Message): Anthropic.ToolUseBlock[] {
  return message.content.filter((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use');
}

/** The client side of a tool loop: run every tool_use, send the tool_result blocks, until end_turn. */
async function toolLoop(question: string, stream: boolean): Promise<{ steps: number; final: Anthropic.Message }> {
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: question }];
  for (let steps = 1; steps <= 5; steps++) {
    const params = { model: MODEL, max_tokens: 1024, tools, messages };
    const message = stream ? await client.messages.stream(params).finalMessage() : await client.messages.create(params);
    if (message.stop_reason !== 'tool_use') return { steps, final: message };
    messages.push({ role: 'assistant', content: message.content });
    messages.push({
      role: 'user',
      content: toolUses(message).map((use) => ({
        type: 'tool_result' as const,
        tool_use_id: use.id,
        content: use.name === 'get_weather' ? JSON.stringify({ sky: 'foggy', celsius: 14 }) : '09:30',
      })),
    });
  }
  throw new Error('the tool loop did not finish');
}

describe('@anthropic-ai/sdk tools → simulator', () => {
  it('answers with tool_use blocks and stop_reason tool_use', async () => {
    const message = await client.messages.create({
      model: MODEL,
      max_tokens: 1024,
      tools,
      messages: [{ role: 'user', content: 'What is the weather like in San Francisco?' }],
    });
    expect(message.stop_reason).toBe('tool_use');
    expect(toolUses(message).map((use) => [use.name, use.input])).toEqual([['get_weather', { location: 'San Francisco' }]]);
    expect(toolUses(message)[0]?.id).toMatch(/^toolu_/);
  });

  it.each([false, true])('completes a multi-step tool loop (streamed: %s), answered in text after tool_result', async (stream) => {
    const { steps, final } = await toolLoop('What is the weather in London and the time there?', stream);
    expect(steps).toBe(2);
    expect(final.stop_reason).toBe('end_turn');
    const text = final.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
    expect(text).toContain('foggy');
    expect(text).toContain('09:30');
  });

  it('streams content_block_start tool_use and input_json_delta events that rebuild the input', async () => {
    const stream = await client.messages.create({
      model: MODEL,
      max_tokens: 1024,
      tools,
      stream: true,
      messages: [{ role: 'user', content: 'What is the weather like in San Francisco?' }],
    });
    let started: Anthropic.ToolUseBlock | undefined;
    let json = '';
    let deltas = 0;
    let stopReason: string | null | undefined;
    for await (const event of stream) {
      if (event.type === 'content_block_start' && event.content_block.type === 'tool_use') started = event.content_block;
      if (event.type === 'content_block_delta' && event.delta.type === 'input_json_delta') {
        json += event.delta.partial_json;
        deltas++;
      }
      if (event.type === 'message_delta') stopReason = event.delta.stop_reason;
    }
    expect(started).toMatchObject({ type: 'tool_use', name: 'get_weather', input: {} });
    expect(deltas).toBeGreaterThan(1);
    expect(JSON.parse(json)).toEqual({ location: 'San Francisco' });
    expect(stopReason).toBe('tool_use');
  });

  it('follows tool_choice any, tool, none and disable_parallel_tool_use', async () => {
    const ask = (content: string, tool_choice: Anthropic.ToolChoice) =>
      client.messages.create({ model: MODEL, max_tokens: 256, tools, tool_choice, messages: [{ role: 'user', content }] });
    expect(toolUses(await ask('Tell me a joke', { type: 'any' }))).toHaveLength(1);
    expect(toolUses(await ask('Tell me a joke', { type: 'tool', name: 'get_time' })).map((use) => use.name)).toEqual(['get_time']);
    expect(toolUses(await ask('What is the weather in Rome?', { type: 'none' }))).toEqual([]);
    const both = 'What is the weather in Rome and the time there?';
    expect(toolUses(await ask(both, { type: 'auto' }))).toHaveLength(2);
    expect(toolUses(await ask(both, { type: 'auto', disable_parallel_tool_use: true }))).toHaveLength(1);
  });

  it('rejects a tool_result without a matching tool_use, with the API’s message', async () => {
    const error = await client.messages
      .create({
        model: MODEL,
        max_tokens: 64,
        messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_nope', content: '1' }] }],
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as Error).message).toMatch(/unexpected `tool_use_id` found in `tool_result` blocks: toolu_nope/);
  });

  it('accepts image blocks (base64 and url) and says it received them', async () => {
    const message = await client.messages.create({
      model: MODEL,
      max_tokens: 2048,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/chart.png' } },
            { type: 'text', text: 'Compare these charts.' },
          ],
        },
      ],
    });
    const first = message.content[0];
    expect(first?.type === 'text' ? first.text : '').toMatch(/^I received 2 attachments/);
  });

  it('counts tokens for a request with tools', async () => {
    const count = await client.messages.countTokens({ model: MODEL, tools, messages: [{ role: 'user', content: 'Weather in Oslo?' }] });
    expect(count.input_tokens).toBeGreaterThan(0);
  });
});
