import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORTITUDE_NODE_ARGS } from '../support/fortitude-entry.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForHealth(base: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 240; attempt++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/api/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('server did not become healthy');
}

describe('fortitude serve (real process, embedded defaults, simulated providers)', { timeout: 120_000 }, () => {
  const cwd = mkdtempSync(join(tmpdir(), 'fortitude-serve-'));
  let child: ChildProcess;
  let base: string;
  let logs = '';

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [...FORTITUDE_NODE_ARGS, 'serve', '--port', String(port), '--workers', '1'], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, FORTITUDE_SIMULATOR__LATENCY_MS: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    await waitForHealth(base, child);
  });

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('says in its start-up line that the providers are simulated', () => {
    expect(logs).toMatch(/SIMULATED providers \(no API key\): openai, claude, gemini/);
  });

  it('researches over HTTP, then serves the same question from the cache', async () => {
    const ask = () =>
      fetch(`${base}/api/research`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'How do I add a readiness probe to a Kubernetes deployment?' }) });
    const first = (await (await ask()).json()) as { id: string; simulated: boolean; cache: { kind: string }; classification: { researchType: { value: string } } };
    expect(first.simulated).toBe(true);
    expect(first.cache.kind).toBe('miss');
    expect(first.classification.researchType.value).toBe('implementation');
    const second = (await (await ask()).json()) as { id: string; cache: { kind: string }; timings: { totalMs: number } };
    expect(second.cache.kind).toBe('exact');
    expect(second.id).toBe(first.id);
    // Served again from the memoised JSON: the same answer, this request's cache outcome and timings.
    const third = (await (await ask()).json()) as Record<string, unknown>;
    const { cache: firstCache, timings: firstTimings, ...firstRest } = first as unknown as Record<string, unknown>;
    const { cache: thirdCache, timings: thirdTimings, ...thirdRest } = third;
    expect(thirdRest).toEqual(firstRest);
    expect(thirdCache).toEqual({ kind: 'exact', similarity: 1 });
    expect(firstCache).toEqual({ kind: 'miss' });
    expect(Object.keys(thirdTimings as object).sort()).toEqual(Object.keys(firstTimings as object).sort());
    const stored = await fetch(`${base}/api/research/${first.id}`);
    expect(stored.status).toBe(200);
    // The cache reports its levels and per-strategy counters (the hits above came from L1).
    const stats = (await (await fetch(`${base}/api/cache/stats`)).json()) as {
      levels: { level: string }[];
      strategies: Record<string, { hitsByLevel: Record<string, number> }>;
    };
    expect(stats.levels.map((level) => level.level)).toContain('memory');
    expect(stats.strategies.query_results?.hitsByLevel.memory).toBeGreaterThanOrEqual(2);
  });

  it('is an OpenAI-compatible gateway for the official SDK', async () => {
    const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused-on-loopback' });
    const { data: completion, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Explain Rust ownership briefly' }] })
      .withResponse();
    expect(completion.choices[0]?.message.content).toContain('##');
    expect(response.headers.get('x-fortitude-provider')).toBe('openai');
    expect(response.headers.get('x-fortitude-cache')).toBe('miss');
    expect(Number(response.headers.get('x-fortitude-overhead-ms'))).toBeGreaterThanOrEqual(0);
    const stream = await client.chat.completions.create({ model: 'auto', stream: true, messages: [{ role: 'user', content: 'What is a B-tree?' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text.length).toBeGreaterThan(50);
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toContain('gpt-4o-mini');
  });

  it('counts the traffic in /metrics', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/fortitude_api_request/);
    expect(text).toMatch(/route="\/api\/research"/);
    expect(text).toMatch(/fortitude_provider/);
  });

  it('rejects bad input with a 400 naming the field, and unknown routes with a JSON 404', async () => {
    const bad = await fetch(`${base}/api/research`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": 42}' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('query');
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
  });

  it('shuts down gracefully on SIGTERM with exit code 0', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

describe('fortitude serve --workers 2 (real processes)', { timeout: 120_000 }, () => {
  const cwd = mkdtempSync(join(tmpdir(), 'fortitude-serve-workers-'));
  let child: ChildProcess;
  let base: string;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [...FORTITUDE_NODE_ARGS, 'serve', '--port', String(port), '--workers', '2'], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, FORTITUDE_SIMULATOR__LATENCY_MS: '0', FORTITUDE_SERVER__RUNTIME__YOUNG_GENERATION_MB: '2' },
      stdio: 'ignore',
    });
    await waitForHealth(base, child);
  });

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('starts each worker with the V8 flags and allocator settings of server.runtime', () => {
    const workers = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(' ').filter(Boolean);
    expect(workers).toHaveLength(2);
    for (const pid of workers) {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      expect(argv).toContain('--max-semi-space-size=2');
      expect(argv).toContain('--heap-growing-percent=50');
      // auto: GC on the serving thread once every core has a worker.
      expect(argv.includes('--single-threaded-gc')).toBe(2 >= availableParallelism());
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      expect(environ).toContain('MALLOC_TRIM_THRESHOLD_=131072');
      expect(environ).toContain('MALLOC_MMAP_THRESHOLD_=131072');
    }
  });

  it('reports every worker’s traffic in /metrics, whichever worker answers', async () => {
    // New connections are handed to the workers in turn, so both serve some of these.
    for (let index = 0; index < 20; index++) await fetch(`${base}/api/health`, { headers: { connection: 'close' } });
    for (let read = 0; read < 2; read++) {
      const text = await (await fetch(`${base}/metrics`, { headers: { connection: 'close' } })).text();
      const count = /fortitude_api_requests_total\{route="\/api\/health"[^}]*\} (\d+)/.exec(text)?.[1];
      expect(Number(count)).toBeGreaterThanOrEqual(20);
    }
  });

  it('stops every worker on SIGTERM and exits 0', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
