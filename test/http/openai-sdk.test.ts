import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './start-test-server.js';

let app: TestServer;
let client: OpenAI;
beforeAll(async () => {
  app = await startTestServer();
  client = new OpenAI({ apiKey: 'key-gateway', baseURL: `${app.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await app.close();
});

describe('the official openai SDK against /v1', () => {
  it('non-stream chat completion, with the x-fortitude headers on the raw response', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello sdk' }], max_tokens: 20 })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]?.message.content).toBe('echo: hello sdk');
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.usage?.total_tokens).toBe(8);
    expect(response.headers.get('x-fortitude-provider')).toBe('sim-openai');
    expect(app.services.chatRequests.at(-1)?.maxTokens).toBe(20);
  });

  it('streamed chat completion with usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'stream this please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('echo: stream this please');
    expect(finish).toBe('stop');
    expect(usage).toEqual({ prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 });
  });

  it('the SDK stream helper assembles the final message', async () => {
    const runner = client.chat.completions.stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'assemble' }] });
    const completion = await runner.finalChatCompletion();
    expect(completion.choices[0]?.message.content).toBe('echo: assemble');
  });

  it('a mid-stream failure surfaces as an SDK error', async () => {
    const stream = await client.chat.completions.create({
      model: 'break-mid',
      messages: [{ role: 'user', content: 'a b c' }],
      stream: true,
    });
    await expect(
      (async () => {
        for await (const chunk of stream) void chunk;
      })(),
    ).rejects.toThrow(/stream broke/);
  });

  it('validation errors arrive as a typed BadRequestError with param', async () => {
    const error = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], temperature: 9 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const apiError = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(apiError.status).toBe(400);
    expect(apiError.param).toBe('temperature');
    expect(apiError.type).toBe('invalid_request_error');
  });

  it('a bad key is an AuthenticationError', async () => {
    const stranger = new OpenAI({ apiKey: 'wrong', baseURL: `${app.url}/v1`, maxRetries: 0 });
    await expect(stranger.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('embeddings (the SDK asks for base64 and decodes it) and models', async () => {
    const embedding = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['hello'] });
    expect(embedding.data[0]?.embedding).toEqual([5, 0.5, -0.25]);
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).toEqual(['gpt-4o-mini', 'claude-3-haiku-20240307']);
  });
});
