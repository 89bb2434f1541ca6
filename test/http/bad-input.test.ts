import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, statusOf } from './raw-request.js';
import { AUTH, startTestServer, type TestServer } from './start-test-server.js';

let app: TestServer;
beforeAll(async () => {
  app = await startTestServer({ bodyLimitBytes: 4 * 1024 });
});
afterAll(async () => {
  await app.close();
});

interface ApiError {
  error: { code: string; message: string; field?: string; requestId: string };
}
interface OpenAiError {
  error: { message: string; type: string; param: string | null; code: string };
}

async function postRaw(path: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  const auth = path.startsWith('/v1') ? AUTH.gateway : AUTH.research;
  return fetch(app.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...auth, ...headers }, body });
}

describe('bad input on /api', () => {
  it.each([
    ['missing query', {}, 'query', 'is required'],
    ['empty query', { query: '   ' }, 'query', 'must not be empty'],
    ['wrong type', { query: 42 }, 'query', 'expected string'],
    ['unknown research type', { query: 'x', type: 'poetry' }, 'type', 'must be one of'],
    ['threshold above 1', { query: 'x', quality_threshold: 3 }, 'quality_threshold', '<=1'],
    ['non-boolean stream', { query: 'x', stream: 'yes' }, 'stream', 'expected boolean'],
    ['nested cache flag', { query: 'x', cache: { bypass: 'no' } }, 'cache.bypass', 'expected boolean'],
  ])('%s → 400 naming the field', async (_name, body, field, reason) => {
    const response = await postRaw('/api/research', JSON.stringify(body));
    expect(response.status).toBe(400);
    const error = ((await response.json()) as ApiError).error;
    expect(error.code).toBe('bad_request');
    expect(error.field).toBe(field);
    expect(error.message).toContain(reason);
    expect(error.requestId).toBe(response.headers.get('x-request-id'));
  });

  it.each(['[]', '"text"', 'null', '42', 'true'])('a JSON %s instead of an object → 400', async (body) => {
    const response = await postRaw('/api/research', body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as ApiError).error.message).toContain('must be a JSON object');
  });

  it.each(['{"query": ', '{query: 1}', "{'query':'x'}", '{"query":"x"}}', '\u0000', '{"a":1e}'])('malformed JSON %j → 400 invalid_json', async (body) => {
    const response = await postRaw('/api/research', body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as ApiError).error.code).toBe('invalid_json');
  });

  it('an empty body → 400', async () => {
    const response = await postRaw('/api/research', '');
    expect(response.status).toBe(400);
    expect(((await response.json()) as ApiError).error.message).toContain('empty');
  });

  it('huge numbers and deep nesting are refused as input, not crashes', async () => {
    const huge = await postRaw('/api/feedback', '{"result_id":"r","rating":1e400}');
    expect(huge.status).toBe(400);
    expect(((await huge.json()) as ApiError).error.field).toBe('rating');
    const deep = await postRaw('/api/research', `{"query":${'['.repeat(1500)}${']'.repeat(1500)}}`);
    expect(deep.status).toBe(400);
    const fraction = await postRaw('/api/feedback', '{"result_id":"r","rating":2.5}');
    expect(((await fraction.json()) as ApiError).error.message).toContain('whole number');
  });

  it('wrong content type → 415; JSON with a charset parameter is fine', async () => {
    const form = await postRaw('/api/research', 'query=x', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect(((await form.json()) as ApiError).error.code).toBe('unsupported_media_type');
    const missing = await fetch(`${app.url}/api/research`, { method: 'POST', headers: AUTH.research, body: new Uint8Array([123, 125]) });
    expect(missing.status).toBe(415);
    const charset = await postRaw('/api/research', '{"query":"x"}', { 'content-type': 'Application/JSON; charset=utf-8' });
    expect(charset.status).toBe(200);
  });

  it('a body over the limit → 413, by content-length and when streamed chunked', async () => {
    const big = JSON.stringify({ query: 'x'.repeat(5000) });
    const declared = await postRaw('/api/research', big);
    expect(declared.status).toBe(413);
    const error = ((await declared.json()) as ApiError).error;
    expect(error.code).toBe('payload_too_large');
    // It names the setting that raises the limit.
    expect(error.message).toBe('request body exceeds 4 KB; to accept larger bodies raise server.body_limit_kb (env FORTITUDE_SERVER__BODY_LIMIT_KB)');
    const chunks = [Buffer.from('{"query":"'), Buffer.alloc(6000, 'y'), Buffer.from('"}')];
    const stream = new ReadableStream({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
    const chunked = await fetch(`${app.url}/api/research`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...AUTH.research },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(((await chunked.json()) as ApiError).error.message).toContain('server.body_limit_kb');
  });

  it('an out-of-range or malformed limit or offset → 400 saying the valid range', async () => {
    for (const [query, message] of [
      ['limit=-5', 'limit: must be a whole number from 1 to 100'],
      ['limit=0', 'limit: must be a whole number from 1 to 100'],
      ['limit=101', 'limit: must be a whole number from 1 to 100'],
      ['limit=2.5', 'limit: must be a whole number from 1 to 100'],
      ['offset=abc', 'offset: must be a whole number from 0 to 1000000'],
    ] as const) {
      const response = await fetch(`${app.url}/api/research?${query}`, { headers: AUTH.research });
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as ApiError).error.message, query).toBe(message);
    }
  });

  it('a rating out of range → 400 saying the valid range', async () => {
    for (const rating of [0, 9, 2.5]) {
      const response = await postRaw('/api/feedback', JSON.stringify({ result_id: 'r', rating }));
      expect(response.status).toBe(400);
      expect(((await response.json()) as ApiError).error.message).toBe('rating: must be a whole number from 1 to 5');
    }
  });

  it('bad query strings → 400 naming the parameter', async () => {
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=-1', 'limit'],
      ['offset=abc', 'offset'],
      ['type=nope', 'type'],
      [`q=${'a'.repeat(1001)}`, 'q'],
    ] as const) {
      const response = await fetch(`${app.url}/api/research?${query}`, { headers: AUTH.research });
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as ApiError).error.field, query).toBe(field);
    }
  });

  it('a malformed percent-encoded id → 400', async () => {
    const response = await fetch(`${app.url}/api/research/%E0%A4%A`, { headers: AUTH.research });
    expect(response.status).toBe(400);
  });

  it('unknown route → 404 JSON; wrong method → 405 with Allow', async () => {
    const missing = await fetch(`${app.url}/api/nothing-here?x=1`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/json');
    expect(((await missing.json()) as ApiError).error.code).toBe('not_found');
    const wrong = await fetch(`${app.url}/api/health`, { method: 'POST' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(((await wrong.json()) as ApiError).error.code).toBe('method_not_allowed');
  });
});

describe('bad input on /v1 uses the OpenAI error shape', () => {
  it.each([
    ['no messages', { model: 'm', messages: [] }, 'messages', 'at least one message'],
    ['tool message without its call id', { model: 'm', messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id', ''],
    ['unknown role', { model: 'm', messages: [{ role: 'function', content: 'x' }] }, 'messages[0].role', 'role must be one of'],
    ['image part', { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] }, 'messages[0].content', ''],
    ['temperature 5', { model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 5 }, 'temperature', ''],
    ['n = 2', { model: 'm', messages: [{ role: 'user', content: 'x' }], n: 2 }, 'n', 'only n = 1'],
    ['a tool without its function', { model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function' }] }, 'tools[0].function', ''],
    ['tool_choice naming no given tool', { model: 'm', messages: [{ role: 'user', content: 'x' }], tool_choice: { type: 'function', function: { name: 'nope' } } }, 'tool_choice.function.name', 'not one of the tools'],
    ['legacy functions', { model: 'm', messages: [{ role: 'user', content: 'x' }], functions: [{ name: 'f' }] }, 'functions', 'send tools instead'],
    ['missing model', { messages: [{ role: 'user', content: 'x' }] }, 'model', 'is required'],
    ['content of the wrong type', { model: 'm', messages: [{ role: 'user', content: 5 }] }, 'messages[0].content', 'expected a string or an array of content parts'],
    ['system content of the wrong type', { model: 'm', messages: [{ role: 'system', content: { text: 'x' } }] }, 'messages[0].content', 'expected a string or an array of {type: "text", text} parts'],
  ])('%s → 400 invalid_request_error with param', async (_name, body, param, reason) => {
    const response = await postRaw('/v1/chat/completions', JSON.stringify(body));
    expect(response.status).toBe(400);
    expect(response.headers.get('x-fortitude-provider')).toBe('none');
    expect(response.headers.get('x-fortitude-cache')).toBe('bypass');
    const error = ((await response.json()) as OpenAiError).error;
    expect(error.type).toBe('invalid_request_error');
    expect(error.param).toBe(param);
    expect(error.message).toContain(reason);
  });

  it('token-array embedding input → 400', async () => {
    const response = await postRaw('/v1/embeddings', JSON.stringify({ model: 'm', input: [[1, 2, 3]] }));
    expect(response.status).toBe(400);
    expect(((await response.json()) as OpenAiError).error.param).toBe('input');
  });

  it.each([
    ['an empty string', '', 'input', 'input: must not be an empty string'],
    ['an empty array', [], 'input', 'input: must not be empty'],
    ['an empty string in the array', ['text', ''], 'input[1]', 'input[1]: must not be an empty string'],
  ])('embedding input of %s → 400 naming the field', async (_name, input, param, message) => {
    const response = await postRaw('/v1/embeddings', JSON.stringify({ model: 'm', input }));
    expect(response.status).toBe(400);
    expect(((await response.json()) as OpenAiError).error).toMatchObject({ type: 'invalid_request_error', param, message });
  });

  it('unknown /v1 route → 404 in the OpenAI shape', async () => {
    const response = await fetch(`${app.url}/v1/completions`, { method: 'POST' });
    expect(response.status).toBe(404);
    const error = ((await response.json()) as OpenAiError).error;
    expect(error).toMatchObject({ type: 'invalid_request_error', code: 'not_found', param: null });
  });
});

describe('requests the HTTP parser rejects', () => {
  it('a garbage request line gets a JSON 400 and the connection closes', async () => {
    const reply = await rawRequest(app.url, 'HELLO WORLD\r\n\r\n');
    expect(statusOf(reply)).toBe(400);
    expect(reply).toContain('"code":"bad_request"');
    expect(reply).toContain('x-content-type-options: nosniff');
  });

  it('oversized headers get 431', async () => {
    const reply = await rawRequest(app.url, `GET /api/health HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(statusOf(reply)).toBe(431);
  });

  it('a bad content-length gets 400', async () => {
    const reply = await rawRequest(app.url, 'POST /api/research HTTP/1.1\r\nhost: x\r\ncontent-length: abc\r\n\r\n');
    expect(statusOf(reply)).toBe(400);
  });
});
