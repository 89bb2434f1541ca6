import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/providers/simulator/simulator.js';
import { estimateTokens } from '../../src/wire/token-estimate.js';

/** The official `openai` SDK against the simulator: proof the bytes are what OpenAI sends. */

let sim: RunningSimulator;
let client: OpenAI;
const QUESTION = 'Should I use PostgreSQL or MySQL for an analytics workload?';

beforeAll(async () => {
  sim = await startSimulator({ seed: 7 });
  client = new OpenAI({ apiKey: 'sk-simulated', baseURL: sim.baseUrlFor('openai'), maxRetries: 0 });
});
afterAll(() => sim.close());

const scenario = (name: string) => ({ headers: { 'x-simulator-scenario': name } });

describe('openai SDK → simulator', () => {
  it('creates a chat completion with a structured answer and consistent usage', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are a research assistant.' },
        { role: 'user', content: QUESTION },
      ],
    });
    const text = completion.choices[0]?.message.content ?? '';
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(text).toMatch(/^## Answer\n\n\*\*Recommendation:\*\*/);
    expect(text).toContain('## Evidence');
    expect(text).toMatch(/## Implementation\n\n```sql\n[\s\S]+```/);
    expect(text).toContain('PostgreSQL');
    expect(completion.usage?.completion_tokens).toBe(estimateTokens(text));
    expect(completion.usage?.total_tokens).toBe((completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0));
  });

  it('streams the same answer with include_usage, ending in a usage chunk', async () => {
    const request = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: QUESTION }] };
    const plain = await client.chat.completions.create(request);
    const stream = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(plain.choices[0]?.message.content);
    expect(finish).toBe('stop');
    expect(usage).toEqual(plain.usage);
  });

  it('honours max_completion_tokens with finish_reason length', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: QUESTION }],
      max_completion_tokens: 12,
    });
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(completion.usage?.completion_tokens).toBeLessThanOrEqual(12);
  });

  it('creates embeddings (the SDK asks for base64 and decodes it)', async () => {
    const response = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['cache hit ratio', 'cache hit rate'] });
    expect(response.data).toHaveLength(2);
    const [first, second] = response.data.map((item) => item.embedding);
    expect(first).toHaveLength(1536);
    const dot = (first ?? []).reduce((sum, value, index) => sum + value * (second?.[index] ?? 0), 0);
    expect(dot).toBeGreaterThan(0.5);
    const floats = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'cache hit ratio', encoding_format: 'float', dimensions: 64 });
    expect(floats.data[0]?.embedding).toHaveLength(64);
  });

  it('lists models', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain('gpt-4o-mini');
  });

  it('surfaces errors as the SDK typed errors', async () => {
    const request = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }] };
    await expect(client.chat.completions.create(request, scenario('unauthorized'))).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(client.chat.completions.create(request, scenario('error_500'))).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    await expect(client.chat.completions.create(request, scenario('not_found'))).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [] })).rejects.toMatchObject({
      status: 400,
      code: 'empty_array',
      param: 'messages',
    });
    const limited = await client.chat.completions.create(request, scenario('rate_limit')).catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limited as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('1');
    expect((limited as InstanceType<typeof OpenAI.RateLimitError>).headers.get('x-ratelimit-remaining-requests')).toBe('0');
  });

  it('returns the real 401 body when no key is sent', async () => {
    const response = await fetch(`${sim.baseUrlFor('openai')}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toMatch(/didn't provide an API key/);
  });

  it('raises an in-stream error event as an APIError during iteration', async () => {
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: QUESTION }], stream: true },
      scenario('stream_error'),
    );
    const consume = async () => {
      for await (const _chunk of stream) {
        // drain
      }
    };
    await expect(consume()).rejects.toBeInstanceOf(OpenAI.APIError);
  });

  it('cuts a truncated stream without finish_reason or [DONE] (the SDK ends silently)', async () => {
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: QUESTION }], stream: true },
      scenario('truncate'),
    );
    let finish: string | null | undefined = null;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(chunks).toBeGreaterThan(1);
    expect(finish).toBeNull();
  });
});

describe('openai SDK → OpenAI-compatible simulator (Ollama style)', () => {
  it('works without a real key and puts usage in the finish chunk', async () => {
    const compat = new OpenAI({ apiKey: 'ollama', baseURL: sim.baseUrlFor('compat'), maxRetries: 0 });
    const plain = await compat.chat.completions.create({ model: 'llama3.2', messages: [{ role: 'user', content: 'Explain Rust lifetimes' }] });
    expect(plain.system_fingerprint).toBe('fp_ollama');
    const stream = await compat.chat.completions.create({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'Explain Rust lifetimes' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks.at(-1);
    expect(last?.choices[0]?.finish_reason).toBe('stop');
    expect(last?.usage?.completion_tokens).toBe(plain.usage?.completion_tokens);
  });

  it('accepts requests with no Authorization header at all', async () => {
    const response = await fetch(`${sim.baseUrlFor('compat')}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
  });
});
