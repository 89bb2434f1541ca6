/**
 * A provider's answer is outside text too: one holding a NUL character (U+0000), which
 * PostgreSQL's `text` and `jsonb` cannot store, used to fail the research call at the store
 * stage (a 503 on PostgreSQL after the provider was paid). The answer is stored and returned
 * with U+FFFD in its place, on both engines, streamed or not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase, type ScratchDatabase } from '../replicas/replica-harness.js';
import { completion, readBody, startTestServer, type TestServer } from '../providers/helpers/test-server.js';
import { call, startAppOverHttp, type AppOverHttp } from './app-over-http.js';

const HOSTILE = 'Use a mutex.\u0000 Hold it briefly.\n\n## Details\n\nNever\u0000 across an await.';

describe.each(['sqlite', 'postgres'] as const)('a provider answer with NUL (%s)', (engine) => {
  let database: ScratchDatabase | undefined;
  let upstream: TestServer;
  let server: AppOverHttp;
  let key: string;

  beforeAll(async () => {
    upstream = await startTestServer(async (request, response) => {
      const body = JSON.parse((await readBody(request)).toString()) as { stream?: boolean };
      if (!body.stream) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(completion(HOSTILE)));
        return;
      }
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta: object, finish: string | null) =>
        `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'small', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      for (const piece of HOSTILE.split(' ')) response.write(chunk({ content: `${piece} ` }, null));
      response.write(chunk({}, 'stop'));
      response.end('data: [DONE]\n\n');
    });
    database = engine === 'postgres' ? await createScratchDatabase() : undefined;
    server = await startAppOverHttp({
      ...(database ? { databaseUrl: database.url } : {}),
      yaml: `providers:\n  hostile: { kind: openai_compatible, base_url: "${upstream.url}/v1", model: small }\n`,
    });
    key = await server.key('nul-answer', ['research']);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await database?.drop();
    await upstream?.close();
  });

  it('stores and returns the answer with U+FFFD in place of NUL', async () => {
    const answered = await call(server.url, key, 'POST', '/api/research', { query: 'How do I share state between tokio tasks?' });
    expect(answered.status, JSON.stringify(answered.body)).toBe(200);
    expect(answered.body.answer).not.toContain('\u0000');
    expect(answered.body.answer).toContain('Use a mutex.\uFFFD Hold it briefly.');
    const stored = await call(server.url, key, 'GET', `/api/research/${answered.body.id}`);
    expect(stored.status).toBe(200);
    expect(stored.body.answer).toBe(answered.body.answer);
  });

  it('a streamed research answer never carries NUL either', async () => {
    const response = await fetch(`${server.url}/api/research`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'How do I share state between async-std tasks?', stream: true }),
    });
    const text = await response.text();
    expect(response.status, text).toBe(200);
    expect(text).not.toContain('\\u0000');
    expect(text).toContain('Hold it briefly');
    expect(text).not.toMatch(/"type":"error"|event: error/);
  });
});
