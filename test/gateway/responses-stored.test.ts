/**
 * Issue 16: stored responses of the Responses API — `previous_response_id`, `GET` and `DELETE
 * /v1/responses/{id}` — with the official `openai` SDK against `fortitude serve` (two workers, auth
 * required, the simulator), on SQLite and on PostgreSQL, across a restart, and never across keys.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFortitude, spawnServer, type SpawnedServer } from '../observability/spawn-server.js';
import { createScratchDatabase, type ScratchDatabase } from '../replicas/replica-harness.js';

const weather: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Get the current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};

async function createKey(cwd: string, name: string, env: Record<string, string>): Promise<string> {
  const run = await runFortitude(cwd, ['keys', 'create', '--name', name, '--scopes', 'gateway', '--json'], env);
  expect(run.code, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as { key: string }).key;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('expected a rejection'),
    (error: unknown) => error,
  );
}

describe.each(['sqlite', 'postgres'] as const)('stored responses on %s', { timeout: 120_000 }, (engine) => {
  let cwd: string;
  let env: Record<string, string>;
  let database: ScratchDatabase | undefined;
  let server: SpawnedServer;
  let alice: OpenAI;
  let bob: OpenAI;
  let aliceKey: string;

  const clientFor = (key: string) => new OpenAI({ apiKey: key, baseURL: `${server.url}/v1`, maxRetries: 0, timeout: 20_000 });

  beforeAll(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'fortitude-stored-responses-'));
    database = engine === 'postgres' ? await createScratchDatabase() : undefined;
    env = { FORTITUDE_SERVER__AUTH__MODE: 'required', ...(database ? { DATABASE_URL: database.url } : {}) };
    aliceKey = await createKey(cwd, 'alice', env);
    const bobKey = await createKey(cwd, 'bob', env);
    server = await spawnServer({ cwd, env, workers: 2 });
    alice = clientFor(aliceKey);
    bob = clientFor(bobKey);
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  it('a continuation sends the stored conversation upstream (more prompt tokens than the new input alone)', async () => {
    const first = await alice.responses.create({ model: 'gpt-4o-mini', instructions: 'Be brief.', input: 'Remember this word: pelican. Explain what a pelican eats.' });
    expect((first as unknown as { store: boolean }).store).toBe(true);
    expect(first.previous_response_id).toBeNull();
    const alone = await alice.responses.create({ model: 'gpt-4o-mini', input: 'Which word did I ask you to remember?', store: false });
    const next = await alice.responses.create({ model: 'gpt-4o-mini', previous_response_id: first.id, input: 'Which word did I ask you to remember?' });
    expect(next.previous_response_id).toBe(first.id);
    expect(next.output_text.length).toBeGreaterThan(0);
    // The previous input and output went upstream again (instructions are not carried over).
    expect(next.usage!.input_tokens).toBeGreaterThanOrEqual(alone.usage!.input_tokens + first.usage!.output_tokens);
  });

  it('a multi-turn tool loop by previous_response_id, non-streamed then streamed', async () => {
    const first = await alice.responses.create({ model: 'gpt-4o-mini', input: 'Use get_weather: what is the weather in Vienna?', tools: [weather] });
    const call = first.output.find((item) => item.type === 'function_call');
    if (call?.type !== 'function_call') throw new Error(`no function_call item: ${JSON.stringify(first.output)}`);
    expect(call.name).toBe('get_weather');

    const second = await alice.responses.create({
      model: 'gpt-4o-mini',
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"temperature_c": 12}' }],
      tools: [weather],
    });
    expect(second.output.some((item) => item.type === 'function_call')).toBe(false);
    expect(second.output_text.length).toBeGreaterThan(0);

    // Streamed turns: the response is stored before `response.completed`, so continuing at once works.
    const streamedCall = await alice.responses
      .stream({ model: 'gpt-4o-mini', previous_response_id: second.id, input: 'Now use get_weather for Graz.', tools: [weather] })
      .finalResponse();
    const graz = streamedCall.output.find((item) => item.type === 'function_call');
    if (graz?.type !== 'function_call') throw new Error(`no streamed function_call item: ${JSON.stringify(streamedCall.output)}`);
    const last = await alice.responses
      .stream({ model: 'gpt-4o-mini', previous_response_id: streamedCall.id, input: [{ type: 'function_call_output', call_id: graz.call_id, output: '{"temperature_c": 9}' }], tools: [weather] })
      .finalResponse();
    expect(last.output_text.length).toBeGreaterThan(0);
    expect(last.usage!.input_tokens).toBeGreaterThan(second.usage!.input_tokens);
    // What GET returns is what the stream's final event carried.
    const retrieved = await alice.responses.retrieve(last.id);
    expect({ id: retrieved.id, output_text: retrieved.output_text, usage: retrieved.usage, previous: retrieved.previous_response_id }).toEqual({
      id: last.id,
      output_text: last.output_text,
      usage: last.usage,
      previous: streamedCall.id,
    });
  });

  it('GET returns the response as created; DELETE removes it; then both are 404 in OpenAI shape', async () => {
    const created = await alice.responses.create({ model: 'gpt-4o-mini', input: 'What is a B-tree?' });
    expect(await alice.responses.retrieve(created.id)).toEqual(created);
    await alice.responses.delete(created.id);
    const afterDelete = await rejection(alice.responses.retrieve(created.id));
    expect(afterDelete).toBeInstanceOf(OpenAI.NotFoundError);
    const continued = await rejection(alice.responses.create({ model: 'gpt-4o-mini', previous_response_id: created.id, input: 'more' }));
    expect(continued).toBeInstanceOf(OpenAI.NotFoundError);
    expect((continued as InstanceType<typeof OpenAI.NotFoundError>).param).toBe('previous_response_id');
    expect(await rejection(alice.responses.delete(created.id))).toBeInstanceOf(OpenAI.NotFoundError);

    const unknown = await fetch(`${server.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${aliceKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', input: 'x', previous_response_id: 'resp_does_not_exist' }),
    });
    expect(unknown.status).toBe(404);
    const body = (await unknown.json()) as { error: { type: string; param: string; code: string; message: string } };
    expect(body.error).toMatchObject({ type: 'invalid_request_error', param: 'previous_response_id', code: 'not_found' });
    expect(body.error.message).toContain('resp_does_not_exist');
  });

  it('another API key can neither read, continue nor delete a response', async () => {
    const mine = await alice.responses.create({ model: 'gpt-4o-mini', input: 'A private question about my tax return.' });
    expect(await rejection(bob.responses.retrieve(mine.id))).toBeInstanceOf(OpenAI.NotFoundError);
    expect(await rejection(bob.responses.create({ model: 'gpt-4o-mini', previous_response_id: mine.id, input: 'Repeat it.' }))).toBeInstanceOf(OpenAI.NotFoundError);
    expect(await rejection(bob.responses.delete(mine.id))).toBeInstanceOf(OpenAI.NotFoundError);
    expect((await alice.responses.retrieve(mine.id)).id).toBe(mine.id);
  });

  it('store: false keeps nothing', async () => {
    const response = await alice.responses.create({ model: 'gpt-4o-mini', input: 'Ephemeral.', store: false });
    expect((response as unknown as { store: boolean }).store).toBe(false);
    expect(await rejection(alice.responses.retrieve(response.id))).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('a stored response survives a restart and continues on the new server', async () => {
    const before = await alice.responses.create({ model: 'gpt-4o-mini', input: 'Explain write-ahead logging.' });
    await server.close();
    server = await spawnServer({ cwd, env, workers: 2 });
    alice = clientFor(aliceKey);
    expect(await alice.responses.retrieve(before.id)).toEqual(before);
    const after = await alice.responses.create({ model: 'gpt-4o-mini', previous_response_id: before.id, input: 'And checkpoints?' });
    expect(after.previous_response_id).toBe(before.id);
    expect(after.usage!.input_tokens).toBeGreaterThan(before.usage!.input_tokens);
  });
});
