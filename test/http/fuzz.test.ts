import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRandom, generateHttpCase, generateRawCase, type FuzzCase } from './fuzz-cases.js';
import { rawRequest, statusOf } from './raw-request.js';

const HTTP_CASES = 12_500;
const RAW_CASES = 600;
const WARM_UP = 1_000;
const BODY_LIMIT = 8 * 1024;
const CONCURRENCY = 32;

let child: ChildProcess;
let url: string;

interface MemoryReport {
  heapUsed: number;
  rss: number;
  gc: boolean;
}

function ask<T>(message: { type: string }, reply: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (received: { type: string } & T): void => {
      if (received.type !== reply) return;
      child.off('message', onMessage);
      resolve(received);
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

beforeAll(async () => {
  child = fork(fileURLToPath(new URL('./fuzz-server.ts', import.meta.url)), [], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { url: string }) => resolve(message.url));
    child.once('exit', (code) => reject(new Error(`fuzz server exited with ${code}`)));
  });
});

afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.send({ type: 'close' });
    await exited;
  }
});

describe('fuzzing the HTTP server', () => {
  it(`survives ${HTTP_CASES + RAW_CASES} generated malformed requests: no 5xx, no crash, flat memory`, async () => {
    const random = createRandom(20_240_601);
    const pool = new Pool(url, { connections: CONCURRENCY, pipelining: 1 });
    const statuses = new Map<number, number>();
    const fiveHundreds: string[] = [];
    const badErrorBodies: string[] = [];
    const transportErrors: string[] = [];
    let memoryBefore: MemoryReport | undefined;

    const count = (status: number): void => {
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    };

    const sendHttp = async (index: number, fuzz: FuzzCase): Promise<void> => {
      try {
        const response = await pool.request({
          method: fuzz.method as 'GET',
          path: fuzz.path,
          headers: fuzz.headers,
          ...(fuzz.body === undefined ? {} : { body: fuzz.body }),
        });
        const text = await response.body.text();
        count(response.statusCode);
        if (response.statusCode >= 500) fiveHundreds.push(`#${index} ${fuzz.method} ${fuzz.path} → ${response.statusCode} ${text.slice(0, 200)}`);
        if (response.statusCode >= 400 && fuzz.method !== 'HEAD') {
          const parsed = safeJson(text) as { error?: { message?: unknown } } | undefined;
          if (typeof parsed?.error?.message !== 'string') badErrorBodies.push(`#${index} ${response.statusCode} ${text.slice(0, 100)}`);
        }
      } catch (error) {
        transportErrors.push(`#${index} ${fuzz.method} ${fuzz.path}: ${(error as Error).message}`);
      }
    };

    const cases = Array.from({ length: HTTP_CASES }, () => generateHttpCase(random, BODY_LIMIT));
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < cases.length) {
        const index = next++;
        if (index === WARM_UP) memoryBefore = await ask<MemoryReport>({ type: 'memory' }, 'memory');
        await sendHttp(index, cases[index]!);
      }
    };
    const httpStarted = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const httpSeconds = (performance.now() - httpStarted) / 1000;
    const rawStarted = performance.now();

    const raws = Array.from({ length: RAW_CASES }, () => generateRawCase(random));
    let rawNext = 0;
    const rawWorker = async (): Promise<void> => {
      while (rawNext < raws.length) {
        const index = rawNext++;
        const reply = await rawRequest(url, raws[index]!.bytes, 4_000).catch(() => '');
        const status = statusOf(reply);
        count(status);
        if (status >= 500) fiveHundreds.push(`raw #${index} ${JSON.stringify(raws[index]!.bytes.toString('latin1').slice(0, 80))} → ${reply.slice(0, 200)}`);
      }
    };
    await Promise.all(Array.from({ length: 16 }, rawWorker));
    const rawSeconds = (performance.now() - rawStarted) / 1000;
    await pool.close();

    const memoryAfter = await ask<MemoryReport>({ type: 'memory' }, 'memory');
    const summary = Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0]));
    const clientErrors = [...statuses].filter(([status]) => status >= 400 && status < 500).reduce((sum, [, n]) => sum + n, 0);
    console.log('fuzz statuses', summary, `http ${httpSeconds.toFixed(1)} s, raw ${rawSeconds.toFixed(1)} s`, 'transport errors', transportErrors.length, 'heap MB', (memoryBefore!.heapUsed / 1e6).toFixed(1), '→', (memoryAfter.heapUsed / 1e6).toFixed(1), 'rss MB', (memoryAfter.rss / 1e6).toFixed(1));

    expect(fiveHundreds).toEqual([]);
    expect(badErrorBodies).toEqual([]);
    expect(child.exitCode).toBeNull();
    expect(clientErrors).toBeGreaterThanOrEqual(10_000);
    // The client may lose a reply when the server closes after a 413; anything more is a bug.
    expect(transportErrors.length, transportErrors.slice(0, 5).join('\n')).toBeLessThan(HTTP_CASES * 0.005);
    expect(memoryAfter.gc).toBe(true);
    expect(memoryAfter.heapUsed - memoryBefore!.heapUsed).toBeLessThan(30 * 1024 * 1024);
    // Still serving after all that.
    const health = await fetch(`${url}/api/health`);
    expect(health.status).toBe(200);
  }, 60_000);
});

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
