import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSseParser } from '../../src/wire/sse.js';
import { AUTH, startTestServer, type TestServer } from './start-test-server.js';

let app: TestServer;
beforeAll(async () => {
  app = await startTestServer();
});
afterAll(async () => {
  await app.close();
});

async function post(path: string, body: unknown, headers: Record<string, string>): Promise<Response> {
  return fetch(app.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

interface Chunk {
  id: string;
  object: string;
  model: string;
  created: number;
  choices: { index: number; delta: { role?: string; content?: string; refusal?: null }; logprobs: null; finish_reason: string | null }[];
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
}

function events(raw: string): { event?: string; data: string }[] {
  const parser = createSseParser();
  return [...parser.feed(raw), ...parser.flush()];
}

describe('research SSE', () => {
  it('streams stage, classification, text and result events, each a complete frame', async () => {
    const response = await post('/api/research', { query: 'what is SSE', stream: true }, AUTH.research);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('x-request-id')).toBeTruthy();
    const raw = await response.text();
    expect(raw.endsWith('\n\n')).toBe(true);
    for (const frame of raw.trimEnd().split('\n\n')) expect(frame).toMatch(/^event: [a-z]+\ndata: \{.*\}$/);
    const parsed = events(raw);
    expect(parsed.map((event) => event.event)).toEqual(['stage', 'classification', 'stage', 'text', 'text', 'result']);
    const texts = parsed.filter((event) => event.event === 'text').map((event) => (JSON.parse(event.data) as { text: string }).text);
    expect(texts.join('')).toBe('About what is SSE.');
    const result = JSON.parse(parsed.at(-1)!.data) as { type: string; result: { query: string } };
    expect(result).toMatchObject({ type: 'result', result: { query: 'what is SSE' } });
  });

  it('a failure before the first event is a plain JSON error with its status', async () => {
    const response = await post('/api/research', { query: 'fail', stream: true }, AUTH.research);
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toContain('application/json');
  });

  it('a failure mid-stream ends with an error event', async () => {
    const response = await post('/api/research', { query: 'fail-mid', stream: true }, AUTH.research);
    expect(response.status).toBe(200);
    const parsed = events(await response.text());
    const last = parsed.at(-1)!;
    expect(last.event).toBe('error');
    expect(JSON.parse(last.data)).toMatchObject({ code: 'provider_error', message: 'sim: stream broke', requestId: response.headers.get('x-request-id') });
    expect(parsed.some((event) => event.event === 'result')).toBe(false);
  });
});

describe('chat completion SSE', () => {
  const body = { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'one two three' }] };

  it('sends OpenAI chunks: role first, content deltas, finish, usage chunk, [DONE]', async () => {
    const response = await post('/v1/chat/completions', { ...body, stream_options: { include_usage: true } }, AUTH.gateway);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('x-fortitude-provider')).toBe('sim-openai');
    expect(response.headers.get('x-fortitude-cache')).toBe('miss');
    expect(response.headers.get('x-fortitude-overhead-ms')).toMatch(/^\d+\.\d{3}$/);
    const raw = await response.text();
    for (const frame of raw.trimEnd().split('\n\n')) expect(frame).toMatch(/^data: /);
    const data = events(raw).map((event) => event.data);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((text) => JSON.parse(text) as Chunk);
    const ids = new Set(chunks.map((chunk) => chunk.id));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^chatcmpl-/);
    for (const chunk of chunks) {
      expect(chunk.object).toBe('chat.completion.chunk');
      expect(chunk.model).toBe('gpt-4o-mini');
      expect(typeof chunk.created).toBe('number');
    }
    expect(chunks[0]!.choices[0]?.delta).toEqual({ role: 'assistant', content: '', refusal: null });
    expect(chunks[0]!.usage).toBeNull();
    const content = chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.delta.content ?? '')).join('');
    expect(content).toBe('echo: one two three');
    const finish = chunks.at(-2)!;
    expect(finish.choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' });
    const usage = chunks.at(-1)!;
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toEqual({ prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 });
  });

  it('without include_usage there is no usage field and no usage chunk', async () => {
    const response = await post('/v1/chat/completions', body, AUTH.gateway);
    const data = events(await response.text()).map((event) => event.data);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((text) => JSON.parse(text) as Chunk);
    for (const chunk of chunks) expect('usage' in chunk).toBe(false);
    expect(chunks.at(-1)!.choices[0]?.finish_reason).toBe('stop');
  });

  it('a failure before the first part is a JSON error with its status', async () => {
    const response = await post('/v1/chat/completions', { ...body, model: 'fail-first' }, AUTH.gateway);
    expect(response.status).toBe(503);
    expect(response.headers.get('x-fortitude-provider')).toBe('sim-openai');
    expect(await response.json()).toMatchObject({ error: { type: 'server_error', code: 'provider_unavailable' } });
  });

  it('a failure mid-stream is an in-band error frame and no [DONE]', async () => {
    const response = await post('/v1/chat/completions', { ...body, model: 'break-mid' }, AUTH.gateway);
    expect(response.status).toBe(200);
    const data = events(await response.text()).map((event) => event.data);
    expect(data).not.toContain('[DONE]');
    expect(JSON.parse(data.at(-1)!)).toMatchObject({ error: { message: 'sim: stream broke', type: 'server_error', code: 'provider_error' } });
  });
});

describe('client disconnects', () => {
  it('abort the services signal', async () => {
    app.services.slowMs = 5_000;
    const agent = new Agent();
    try {
      const pending = request(`${app.url}/v1/chat/completions`, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json', ...AUTH.gateway },
        body: JSON.stringify({ model: 'slow', messages: [{ role: 'user', content: 'disconnect me' }] }),
      }).catch(() => undefined);
      await until(() => app.services.chatRequests.at(-1)?.messages[0]?.content === 'disconnect me');
      const context = app.services.contexts.at(-1)!;
      expect(context.signal.aborted).toBe(false);
      let notified = 0;
      const unsubscribed = context.onAbort(() => notified++);
      context.onAbort(() => notified++);
      unsubscribed();
      await agent.destroy();
      await pending;
      await until(() => context.signal.aborted);
      expect(context.signal.aborted).toBe(true);
      expect(notified).toBe(1);
      // A late subscriber hears at once.
      context.onAbort(() => notified++);
      expect(notified).toBe(2);
    } finally {
      app.services.slowMs = 300;
    }
  });
});

async function until(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const started = Date.now();
  while (!condition() && Date.now() - started < timeoutMs) await new Promise((resolve) => setTimeout(resolve, 5));
}
