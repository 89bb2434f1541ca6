import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_QUERY_LENGTH } from '../../src/core/research.js';
import { validateQuery } from '../../src/pipeline/pipeline.js';
import { rawRequest, statusOf } from './raw-request.js';
import { AUTH, startTestServer, type TestServer } from './start-test-server.js';

let app: TestServer;
beforeAll(async () => {
  app = await startTestServer();
});
afterAll(async () => {
  await app.close();
});

const json = { 'content-type': 'application/json' };

async function post(path: string, body: unknown, headers: Record<string, string> = AUTH.research): Promise<Response> {
  return fetch(app.url + path, { method: 'POST', headers: { ...json, ...headers }, body: JSON.stringify(body) });
}

describe('/api routes', () => {
  it('GET /api/health answers without a key, with security headers and a request id', async () => {
    const response = await fetch(`${app.url}/api/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    // CSP is for HTML only; the API serves JSON and event streams.
    expect(response.headers.get('content-security-policy')).toBeNull();
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('echoes a well-formed x-request-id and replaces a malformed one', async () => {
    const kept = await fetch(`${app.url}/api/health`, { headers: { 'x-request-id': 'trace-123.abc' } });
    expect(kept.headers.get('x-request-id')).toBe('trace-123.abc');
    const replaced = await fetch(`${app.url}/api/health`, { headers: { 'x-request-id': 'bad id <script>' } });
    expect(replaced.headers.get('x-request-id')).not.toContain('<');
  });

  it('HEAD /api/health has headers and no body', async () => {
    const response = await fetch(`${app.url}/api/health`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe('15');
    expect(await response.text()).toBe('');
  });

  it('GET /api/health/ready reports checks and turns 503 when a dependency is down', async () => {
    const ok = await fetch(`${app.url}/api/health/ready`);
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { status: string; checks: Record<string, { ok: boolean }> };
    expect(body.status).toBe('ready');
    expect(body.checks.database?.ok).toBe(true);
    app.services.ready = false;
    try {
      const down = await fetch(`${app.url}/api/health/ready`);
      expect(down.status).toBe(503);
      expect(((await down.json()) as { status: string }).status).toBe('not_ready');
    } finally {
      app.services.ready = true;
    }
  });

  it('POST /api/research maps the snake_case body to a ResearchRequest and returns the result', async () => {
    const response = await post('/api/research', {
      query: '  what is a closure  ',
      type: 'learning',
      provider_preference: 'auto',
      quality_threshold: 0.7,
      cross_validate: true,
      cache: { bypass: true },
      unknown_field: 'ignored',
    });
    expect(response.status).toBe(200);
    const result = (await response.json()) as { id: string; query: string; user: string };
    expect(result.query).toBe('what is a closure');
    expect(result.user).toBe('researcher');
    const request = app.services.researchRequests.at(-1);
    expect(request).toEqual({
      query: 'what is a closure',
      type: 'learning',
      qualityThreshold: 0.7,
      crossValidate: true,
      user: 'researcher',
      cache: { bypass: true },
    });
    const context = app.services.contexts.at(-1);
    expect(context?.cache).toEqual({ bypass: true, refresh: false });
    expect(context?.user).toBe('researcher');
    expect(context?.requestId).toBe(response.headers.get('x-request-id'));
  });

  it('POST /api/research takes questions up to the one limit and refuses longer ones as the CLI and the pipeline do', async () => {
    const longest = await post('/api/research', { query: `why ${'x'.repeat(MAX_QUERY_LENGTH - 4)}` });
    expect(longest.status).toBe(200);
    const tooLong = `why ${'x'.repeat(MAX_QUERY_LENGTH - 3)}`;
    const refused = await post('/api/research', { query: tooLong });
    expect(refused.status).toBe(400);
    const error = ((await refused.json()) as { error: { message: string; field: string } }).error;
    expect(error.field).toBe('query');
    expect(error.message).toBe(`query: must be at most ${MAX_QUERY_LENGTH} characters (got ${MAX_QUERY_LENGTH + 1})`);
    // The pipeline (the CLI's `research`, MCP's research tool) says the same words at the same length.
    expect(() => validateQuery(tooLong)).toThrow(error.message);
    expect(validateQuery(tooLong.slice(1))).toHaveLength(MAX_QUERY_LENGTH);
  });

  it('cache-control request headers become the context cache flags', async () => {
    await fetch(`${app.url}/api/research`, {
      method: 'POST',
      headers: { ...json, ...AUTH.research, 'cache-control': 'no-cache' },
      body: JSON.stringify({ query: 'refresh me' }),
    });
    expect(app.services.contexts.at(-1)?.cache).toEqual({ bypass: false, refresh: true });
  });

  it('GET /api/research/:id returns a stored result and 404 JSON for an unknown id', async () => {
    const created = (await (await post('/api/research', { query: 'find me later' })).json()) as { id: string };
    const found = await fetch(`${app.url}/api/research/${encodeURIComponent(created.id)}`, { headers: AUTH.research });
    expect(found.status).toBe(200);
    expect(((await found.json()) as { query: string }).query).toBe('find me later');
    const missing = await fetch(`${app.url}/api/research/does-not-exist`, { headers: AUTH.research });
    expect(missing.status).toBe(404);
    const error = (await missing.json()) as { error: { code: string; requestId: string } };
    expect(error.error.code).toBe('not_found');
    expect(error.error.requestId).toBe(missing.headers.get('x-request-id'));
  });

  it('sends costUsd rounded for output from every research route (the stored value keeps its precision)', async () => {
    const noisy = 0.00013659999999999999;
    const created = (await (await post('/api/research', { query: 'noisy cost result' })).json()) as { id: string };
    const stored = (await app.services.getResult(created.id, undefined))!;
    stored.costUsd = noisy;
    const costOf = async (response: Response) => ((await response.json()) as { costUsd: number }).costUsd;
    expect(await costOf(await fetch(`${app.url}/api/research/${created.id}`, { headers: AUTH.research }))).toBe(0.0001366);
    const page = (await (await fetch(`${app.url}/api/research?q=noisy`, { headers: AUTH.research })).json()) as { items: { costUsd: number }[] };
    expect(page.items.map((item) => item.costUsd)).toEqual([0.0001366]);
    expect(stored.costUsd).toBe(noisy);

    const research = app.services.research;
    app.services.research = async (request, context) => ({ ...(await research(request, context)), costUsd: noisy });
    try {
      expect(await costOf(await post('/api/research', { query: 'noisy fresh result' }))).toBe(0.0001366);
    } finally {
      app.services.research = research;
    }
    const stream = researchStreamWith(noisy);
    let frames: string;
    try {
      frames = await (await post('/api/research', { query: 'noisy streamed result', stream: true })).text();
    } finally {
      stream.restore();
    }
    const resultEvent = frames.split('\n\n').find((frame) => frame.startsWith('event: result'))!;
    expect(resultEvent).toContain('"costUsd":0.0001366,');
  });

  it('GET /api/research searches with q, type, limit and offset', async () => {
    await post('/api/research', { query: 'searchable alpha' });
    await post('/api/research', { query: 'searchable beta' });
    const response = await fetch(`${app.url}/api/research?q=searchable&type=learning&limit=1&offset=1`, { headers: AUTH.research });
    expect(response.status).toBe(200);
    const page = (await response.json()) as { items: { query: string }[]; total: number; limit: number; offset: number };
    expect(page.total).toBe(2);
    expect(page.limit).toBe(1);
    expect(page.offset).toBe(1);
    expect(page.items.map((item) => item.query)).toEqual(['searchable beta']);
    const defaults = (await (await fetch(`${app.url}/api/research`, { headers: AUTH.research })).json()) as { limit: number; offset: number };
    expect(defaults).toMatchObject({ limit: 20, offset: 0 });
  });

  it('POST /api/feedback stores feedback (201) and 404s for an unknown result', async () => {
    const created = (await (await post('/api/research', { query: 'rate me' })).json()) as { id: string };
    const response = await post('/api/feedback', { result_id: created.id, rating: 4, comment: 'useful' });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ resultId: created.id, rating: 4 });
    expect(app.services.feedback.at(-1)).toEqual({ resultId: created.id, rating: 4, comment: 'useful', user: 'researcher', caller: expect.objectContaining({ name: 'researcher' }) });
    const missing = await post('/api/feedback', { result_id: 'nope', rating: 2 });
    expect(missing.status).toBe(404);
  });

  it('GET /api/providers/status and /api/cache/stats return the services JSON', async () => {
    const status = await fetch(`${app.url}/api/providers/status`, { headers: AUTH.research });
    expect(await status.json()).toEqual([{ name: 'sim-openai', healthy: true, circuit: 'closed' }]);
    const stats = await fetch(`${app.url}/api/cache/stats`, { headers: AUTH.research });
    expect(await stats.json()).toEqual({ memory: { hits: 1, misses: 2 } });
  });

  it('GET /metrics serves Prometheus text to an admin key', async () => {
    const response = await fetch(`${app.url}/metrics`, { headers: AUTH.admin });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    expect(await response.text()).toContain('fortitude_up 1');
  });

  it('service failures map through the status table; unexpected errors are a bare 500', async () => {
    const unavailable = await post('/api/research', { query: 'fail' });
    expect(unavailable.status).toBe(503);
    expect(((await unavailable.json()) as { error: { code: string } }).error.code).toBe('provider_unavailable');
    const boom = await post('/api/research', { query: 'boom' });
    expect(boom.status).toBe(500);
    const text = await boom.text();
    expect(text).not.toContain('passwd');
    expect(text).not.toContain(' at ');
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'internal', message: 'internal error' } });
  });
});

describe('/v1 gateway routes', () => {
  const chatBody = { model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello' }] };

  it('answers a gateway call and a refusal with the same header names in the same order (request id, security, rate limit, body, gateway; the simulator says so)', async () => {
    const names = (reply: string) =>
      reply
        .split('\r\n\r\n')[0]!
        .split('\r\n')
        .slice(1)
        .map((line) => line.slice(0, line.indexOf(':')).toLowerCase())
        .filter((name) => name !== 'date' && name !== 'connection' && name !== 'keep-alive');
    const body = JSON.stringify({ ...chatBody, max_tokens: 5 });
    const host = new URL(app.url).host;
    const ok = await rawRequest(app.url, `POST /v1/chat/completions HTTP/1.1\r\nhost: ${host}\r\nauthorization: ${AUTH.gateway.authorization}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    expect(statusOf(ok)).toBe(200);
    expect(names(ok)).toEqual([
      'x-request-id',
      'x-content-type-options',
      'x-frame-options',
      'referrer-policy',
      'x-ratelimit-limit',
      'x-ratelimit-remaining',
      'x-ratelimit-reset',
      'content-type',
      'content-length',
      'x-fortitude-provider',
      'x-fortitude-cache',
      'x-fortitude-overhead-ms',
      'x-fortitude-simulated',
    ]);
    const refused = await rawRequest(app.url, `POST /v1/chat/completions HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}`);
    expect(statusOf(refused)).toBe(401);
    expect(names(refused).slice(0, 4)).toEqual(['x-request-id', 'x-content-type-options', 'x-frame-options', 'referrer-policy']);
  });

  it('POST /v1/chat/completions returns an OpenAI chat.completion with the x-fortitude headers', async () => {
    const response = await post('/v1/chat/completions', { ...chatBody, max_tokens: 50, temperature: 0.3, stop: 'END', user: 'end-user-1' }, AUTH.gateway);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-fortitude-provider')).toBe('sim-openai');
    expect(response.headers.get('x-fortitude-cache')).toBe('miss');
    expect(Number(response.headers.get('x-fortitude-overhead-ms'))).toBeGreaterThanOrEqual(0);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      id: 'chatcmpl-fake1',
      object: 'chat.completion',
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: 'echo: hello', refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
    });
    expect(typeof body.created).toBe('number');
    expect(app.services.chatRequests.at(-1)).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hello' },
      ],
      maxTokens: 50,
      temperature: 0.3,
      stop: ['END'],
      endUser: 'end-user-1',
    });
    expect(response.headers.get('x-fortitude-simulated')).toBe('true');
    expect(body.system_fingerprint).toBe('fortitude-simulator');
  });

  it('accepts developer messages, text-part arrays and max_completion_tokens', async () => {
    const response = await post(
      '/v1/chat/completions',
      {
        model: 'gpt-4o-mini',
        max_completion_tokens: 9,
        messages: [
          { role: 'developer', content: 'sys' },
          { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
        ],
      },
      AUTH.gateway,
    );
    expect(response.status).toBe(200);
    expect(app.services.chatRequests.at(-1)).toMatchObject({
      maxTokens: 9,
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'ab' },
      ],
    });
  });

  it('upstream refusals keep their meaning: bad request 400, rate limit 429 with Retry-After', async () => {
    const bad = await post('/v1/chat/completions', { ...chatBody, model: 'upstream-400' }, AUTH.gateway);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-fortitude-provider')).toBe('sim-openai');
    expect(await bad.json()).toMatchObject({ error: { type: 'invalid_request_error', message: 'sim: context length exceeded' } });
    const limited = await post('/v1/chat/completions', { ...chatBody, model: 'upstream-429' }, AUTH.gateway);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(await limited.json()).toMatchObject({ error: { type: 'rate_limit_error', code: 'rate_limited' } });
  });

  it('POST /v1/embeddings returns float vectors by default and base64 when asked', async () => {
    const floats = await post('/v1/embeddings', { model: 'text-embedding-3-small', input: ['abc', 'de'] }, AUTH.gateway);
    expect(floats.status).toBe(200);
    expect(floats.headers.get('x-fortitude-provider')).toBe('sim-openai');
    expect(await floats.json()).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: [3, 0.5, -0.25] },
        { object: 'embedding', index: 1, embedding: [2, 0.5, -0.25] },
      ],
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: 2, total_tokens: 2 },
    });
    const base64 = await post('/v1/embeddings', { model: 'm', input: 'abcd', encoding_format: 'base64' }, AUTH.gateway);
    const body = (await base64.json()) as { data: { embedding: string }[] };
    const bytes = Buffer.from(body.data[0]!.embedding, 'base64');
    expect([bytes.readFloatLE(0), bytes.readFloatLE(4), bytes.readFloatLE(8)]).toEqual([4, 0.5, -0.25]);
  });

  it('GET /v1/models lists models in OpenAI shape', async () => {
    const response = await fetch(`${app.url}/v1/models`, { headers: AUTH.gateway });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-fortitude-provider')).toBe('none');
    const body = (await response.json()) as { object: string; data: { id: string; object: string; owned_by: string; created: number }[] };
    expect(body.object).toBe('list');
    expect(body.data.map((model) => [model.id, model.object, model.owned_by])).toEqual([
      ['gpt-4o-mini', 'model', 'openai'],
      ['claude-3-haiku-20240307', 'model', 'anthropic'],
    ]);
  });
});

/** Makes the fake's streamed results cost `costUsd` until `restore()`. */
function researchStreamWith(costUsd: number): { restore(): void } {
  const original = app.services.researchStream;
  app.services.researchStream = async function* (request, context) {
    for await (const event of original(request, context)) yield event.type === 'result' ? { ...event, result: { ...event.result, costUsd } } : event;
  };
  return { restore: () => void (app.services.researchStream = original) };
}
