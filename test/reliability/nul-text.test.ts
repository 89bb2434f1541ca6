/**
 * Issue 14.5: text with a NUL character (U+0000), which PostgreSQL's `text` cannot hold, is a 400
 * naming the field, on both engines and through the real HTTP server: it was a 500 in a research
 * query and a misleading 503 in a feedback id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase, type ScratchDatabase } from '../replicas/replica-harness.js';
import { call, startAppOverHttp, type AppOverHttp } from './app-over-http.js';

describe.each(['sqlite', 'postgres'] as const)('NUL in text fields (%s)', (engine) => {
  let database: ScratchDatabase | undefined;
  let server: AppOverHttp;
  let key: string;
  let resultId: string;

  beforeAll(async () => {
    database = engine === 'postgres' ? await createScratchDatabase() : undefined;
    server = await startAppOverHttp(database ? { databaseUrl: database.url } : {});
    key = await server.key('nul-tester', ['research']);
    const stored = await call(server.url, key, 'POST', '/api/research', { query: 'What is a write-ahead log?' });
    expect(stored.status).toBe(200);
    resultId = stored.body.id;
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  it.each([
    ['research query', 'POST', '/api/research', { query: 'what is\u0000 a mutex' }, 'query'],
    ['feedback id', 'POST', '/api/feedback', { result_id: 'abc\u0000def', rating: 4 }, 'result_id'],
    ['feedback comment', 'POST', '/api/feedback', { result_id: '<stored>', rating: 4, comment: 'good\u0000' }, 'comment'],
    ['search q', 'GET', '/api/research?q=mutex%00lock', undefined, 'q'],
  ])('%s: 400 naming the field', async (_name, method, path, body, field) => {
    const sent = body && 'result_id' in body && body.result_id === '<stored>' ? { ...body, result_id: resultId } : body;
    const response = await call(server.url, key, method, path, sent);
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'bad_request', field });
    expect(response.body.error.message).toContain('NUL');
  });

  it('an API key name: bad_request naming the field', async () => {
    await expect(server.app.fortitude.createApiKey({ name: 'bad\u0000name', scopes: ['research'] })).rejects.toMatchObject({ code: 'bad_request', details: { field: 'name' } });
  });
});
