import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/providers/simulator/simulator.js';
import { estimateTokens } from '../../src/wire/token-estimate.js';

/** The official `@anthropic-ai/sdk` against the simulator, streaming included. */

let sim: RunningSimulator;
let client: Anthropic;
const MODEL = 'claude-3-5-haiku-20241022';
const QUESTION = 'Why does my Node.js server crash with "JavaScript heap out of memory"?';

beforeAll(async () => {
  sim = await startSimulator({ seed: 3 });
  client = new Anthropic({ apiKey: 'sk-ant-simulated', baseURL: sim.baseUrlFor('claude'), maxRetries: 0 });
});
afterAll(() => sim.close());

const scenario = (name: string) => ({ headers: { 'x-simulator-scenario': name } });

describe('@anthropic-ai/sdk → simulator', () => {
  it('creates a message; troubleshooting answers go Problem → Causes → Fixes', async () => {
    const message = await client.messages.create({
      model: MODEL,
      max_tokens: 2048,
      system: 'You are a research assistant.',
      messages: [{ role: 'user', content: QUESTION }],
    });
    expect(message.type).toBe('message');
    expect(message.stop_reason).toBe('end_turn');
    const block = message.content[0];
    expect(block?.type).toBe('text');
    const text = block?.type === 'text' ? block.text : '';
    const order = ['## Answer', '## Problem', '## Causes', '## Fixes', '## Evidence', '## Implementation'].map((heading) => text.indexOf(heading));
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(message.usage.output_tokens).toBe(estimateTokens(text));
  });

  it('streams with messages.stream() to the same final message', async () => {
    const params = { model: MODEL, max_tokens: 2048, messages: [{ role: 'user' as const, content: QUESTION }] };
    const plain = await client.messages.create(params);
    let streamed = '';
    const stream = client.messages.stream(params).on('text', (delta) => {
      streamed += delta;
    });
    const final = await stream.finalMessage();
    expect(final.content).toEqual(plain.content);
    expect(streamed).toBe(plain.content[0]?.type === 'text' ? plain.content[0].text : '');
    expect(final.usage.output_tokens).toBe(plain.usage.output_tokens);
    expect(final.usage.input_tokens).toBe(plain.usage.input_tokens);
    expect(final.stop_reason).toBe('end_turn');
  });

  it('streams raw events with stream: true in the documented order', async () => {
    const stream = await client.messages.create({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }], stream: true });
    const types: string[] = [];
    for await (const event of stream) if (types.at(-1) !== event.type) types.push(event.type);
    expect(types).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
  });

  it('stops at a stop sequence and at max_tokens like the API', async () => {
    const stopped = await client.messages.create({
      model: MODEL,
      max_tokens: 2048,
      stop_sequences: ['## Evidence'],
      messages: [{ role: 'user', content: QUESTION }],
    });
    expect(stopped.stop_reason).toBe('stop_sequence');
    expect(stopped.stop_sequence).toBe('## Evidence');
    const cut = await client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: QUESTION }] });
    expect(cut.stop_reason).toBe('max_tokens');
    expect(cut.usage.output_tokens).toBeLessThanOrEqual(10);
  });

  it('rejects a request without max_tokens with the typed 400 error', async () => {
    const error = await client.messages
      .create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] } as unknown as Anthropic.MessageCreateParamsNonStreaming)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'max_tokens: Field required' },
    });
  });

  it('maps auth, rate-limit and overload errors to the SDK classes', async () => {
    const params = { model: MODEL, max_tokens: 16, messages: [{ role: 'user' as const, content: 'hi' }] };
    await expect(client.messages.create(params, scenario('unauthorized'))).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    const limited = await client.messages.create(params, scenario('rate_limit')).catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    expect((limited as InstanceType<typeof Anthropic.RateLimitError>).headers?.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    const overloaded = await client.messages.create(params, scenario('overloaded')).catch((error: unknown) => error);
    expect(overloaded).toBeInstanceOf(Anthropic.InternalServerError);
    expect((overloaded as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
  });

  it('throws the in-stream overloaded_error event from the stream', async () => {
    const stream = client.messages.stream({ model: MODEL, max_tokens: 2048, messages: [{ role: 'user', content: QUESTION }] }, scenario('stream_error'));
    await expect(stream.finalMessage()).rejects.toMatchObject({ error: { type: 'error', error: { type: 'overloaded_error' } } });
  });

  it('returns the real 401 body when x-api-key is missing', async () => {
    const response = await fetch(`${sim.baseUrlFor('claude')}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: MODEL, max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error', message: 'x-api-key header is required' } });
  });

  it('counts tokens and lists models', async () => {
    const count = await client.messages.countTokens({ model: MODEL, messages: [{ role: 'user', content: QUESTION }] });
    expect(count.input_tokens).toBeGreaterThan(0);
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain(MODEL);
  });
});
