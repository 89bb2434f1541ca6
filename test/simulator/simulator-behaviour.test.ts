import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/providers/simulator/simulator.js';

/** Profiles, scenarios, determinism and lifecycle of the simulator over real HTTP. */

const running: RunningSimulator[] = [];
async function start(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const sim = await startSimulator(options);
  running.push(sim);
  return sim;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.close()));
});

const CHAT = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'How do I profile a slow Go service?' }] });

function post(sim: RunningSimulator, provider: string, headers: Record<string, string> = {}, init: RequestInit = {}): Promise<Response> {
  return fetch(`${sim.baseUrlFor(provider)}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer k', ...headers },
    body: CHAT,
    ...init,
  });
}

async function statuses(sim: RunningSimulator, provider: string, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const response = await post(sim, provider);
    await response.arrayBuffer();
    out.push(response.status);
  }
  return out;
}

describe('simulator', () => {
  it('serves the built-in providers at their SDK base URLs', async () => {
    const sim = await start();
    // One built-in per provider kind; test/providers/provider-list.test.ts checks the whole list.
    expect(sim.providerNames()).toEqual(expect.arrayContaining(['openai', 'claude', 'gemini', 'compat']));
    expect(sim.baseUrlFor('openai')).toBe(`${sim.url}/openai/v1`);
    expect(sim.baseUrlFor('compat')).toBe(`${sim.url}/compat/v1`);
    expect(sim.baseUrlFor('claude')).toBe(`${sim.url}/claude`);
    expect(sim.baseUrlFor('gemini')).toBe(`${sim.url}/gemini`);
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(() => sim.baseUrlFor('nope')).toThrow(/no provider named "nope"/);
  });

  it('runs extra providers with their own profiles', async () => {
    const sim = await start({
      builtInProviders: false,
      providers: {
        fast: { format: 'openai' },
        flaky: { format: 'openai', profile: { errorRatio: 1 } },
        local: { format: 'openai_compatible', profile: { quality: 'refusal' } },
      },
    });
    expect((await post(sim, 'fast')).status).toBe(200);
    expect([500, 503]).toContain((await post(sim, 'flaky')).status);
    const refusal = (await (await post(sim, 'local')).json()) as { choices: { message: { content: string } }[] };
    expect(refusal.choices[0]?.message.content).toMatch(/^I'm sorry/);
    expect(sim.stats('flaky')).toMatchObject({ requests: 1, serverErrors: 1, ok: 0 });
    expect(sim.stats('fast')).toMatchObject({ requests: 1, ok: 1, chat: 1 });
  });

  it('draws the same outcome sequence for the same seed, another for another seed', async () => {
    const profile = { errorRatio: 0.2, rateLimitRatio: 0.2 };
    const a = await statuses(await start({ seed: 42, profile }), 'openai', 60);
    const b = await statuses(await start({ seed: 42, profile }), 'openai', 60);
    const c = await statuses(await start({ seed: 43, profile }), 'openai', 60);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
    const failures = a.filter((status) => status !== 200).length;
    expect(failures).toBeGreaterThan(10);
    expect(failures).toBeLessThan(40);
    expect(a).toContain(429);
  });

  it('gives the same answer to the same request', async () => {
    const sim = await start();
    const first = (await (await post(sim, 'openai')).json()) as { choices: unknown[] };
    const second = (await (await post(sim, 'openai')).json()) as { choices: unknown[] };
    expect(second.choices).toEqual(first.choices);
  });

  it('changes behaviour with setProfile and validates ratios', async () => {
    const sim = await start();
    sim.setProfile('openai', { rateLimitRatio: 1, retryAfterSeconds: 9 });
    const limited = await post(sim, 'openai');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('9');
    expect(limited.headers.get('x-ratelimit-reset-requests')).toBe('9s');
    sim.setProfile('openai', { rateLimitRatio: 0 });
    expect((await post(sim, 'openai')).status).toBe(200);
    expect(() => sim.setProfile('openai', { errorRatio: 1.5 })).toThrow(RangeError);
    expect(() => sim.setProfile('openai', { errorRatio: 0.6, hangRatio: 0.6 })).toThrow(/add up/);
  });

  it('enforces requestsPerMinute in a fixed window with retry-after until the window ends', async () => {
    let now = 1_000_000;
    const sim = await start({ now: () => now, profile: { requestsPerMinute: 2 } });
    expect((await post(sim, 'openai')).status).toBe(200);
    now += 20_000;
    expect((await post(sim, 'openai')).status).toBe(200);
    const limited = await post(sim, 'openai');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('40');
    now += 40_000;
    expect((await post(sim, 'openai')).status).toBe(200);
  });

  it('hangs until the client gives up, and close() still returns', async () => {
    const sim = await start();
    const error = await post(sim, 'openai', { 'x-simulator-scenario': 'hang' }, { signal: AbortSignal.timeout(150) }).catch(
      (caught: unknown) => caught,
    );
    expect((error as Error).name).toBe('TimeoutError');
    expect(sim.stats('openai').hangs).toBe(1);
    // A second hung request left open: close() must not wait for it.
    void post(sim, 'openai', { 'x-simulator-scenario': 'hang' }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await sim.close();
  });

  it('resets the connection', async () => {
    const sim = await start();
    const error = await post(sim, 'openai', { 'x-simulator-scenario': 'reset' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect(String((error as { cause?: { code?: string } }).cause?.code)).toMatch(/ECONNRESET|UND_ERR_SOCKET/);
    expect(sim.stats('openai').resets).toBe(1);
  });

  it('cuts a non-stream body mid-answer', async () => {
    const sim = await start();
    const response = await post(sim, 'openai', { 'x-simulator-scenario': 'truncate' });
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
  });

  it('waits at least the fixed latency', async () => {
    const sim = await start({ profile: { latencyMs: 40 } });
    const started = performance.now();
    await (await post(sim, 'openai')).arrayBuffer();
    expect(performance.now() - started).toBeGreaterThanOrEqual(39);
  });

  it('paces streams at the token rate across several network writes', async () => {
    const sim = await start({ profile: { tokensPerSecond: 2000, timeToFirstTokenMs: 5 } });
    const response = await fetch(`${sim.baseUrlFor('openai')}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'Explain HTTP keep-alive' }], stream: true }),
    });
    let reads = 0;
    let text = '';
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      reads++;
      text += decoder.decode(chunk, { stream: true });
    }
    expect(reads).toBeGreaterThan(3);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('answers unknown prefixes, routes and scenarios with errors', async () => {
    const sim = await start();
    expect((await fetch(`${sim.url}/nowhere/v1/models`)).status).toBe(404);
    const route = await fetch(`${sim.baseUrlFor('openai')}/completions/legacy`, { method: 'POST', headers: { authorization: 'Bearer k' }, body: '{}' });
    expect(route.status).toBe(404);
    expect(await route.json()).toMatchObject({ error: { message: 'Invalid URL (POST /v1/completions/legacy)' } });
    const scenario = await post(sim, 'openai', { 'x-simulator-scenario': 'explode' });
    expect(scenario.status).toBe(400);
    const badJson = await post(sim, 'openai', {}, { body: '{not json' });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ error: { message: expect.stringContaining('could not parse the JSON') } });
  });

  it('answers Gemini streams without alt=sse as one JSON array, and takes the key from ?key=', async () => {
    const sim = await start();
    const response = await fetch(`${sim.baseUrlFor('gemini')}/v1beta/models/gemini-2.0-flash:streamGenerateContent?key=k`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ parts: [{ text: 'What is WAL in SQLite?' }] }] }),
    });
    expect(response.status).toBe(200);
    const chunks = (await response.json()) as { candidates: { finishReason?: string }[] }[];
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.at(-1)?.candidates[0]?.finishReason).toBe('STOP');
    expect(chunks[0]?.candidates[0]?.finishReason).toBeUndefined();
  });

  it('requires anthropic-version like the real API', async () => {
    const sim = await start();
    const response = await fetch(`${sim.baseUrlFor('claude')}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k' },
      body: JSON.stringify({ model: 'c', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' } });
  });

  it('counts requests, tokens and in-flight requests', async () => {
    const sim = await start();
    await (await post(sim, 'openai')).arrayBuffer();
    const stats = sim.stats('openai');
    expect(stats).toMatchObject({ requests: 1, ok: 1, chat: 1, inFlight: 0 });
    expect(stats.outputTokens).toBeGreaterThan(50);
    sim.resetStats();
    expect(sim.stats('openai').requests).toBe(0);
  });
});
