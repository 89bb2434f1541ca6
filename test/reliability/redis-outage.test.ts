/**
 * Issue 14.3: a Redis outage must degrade, not fail. Measured the way the issue measured it:
 * `fortitude serve` as shipped (one worker, simulated providers, auth required) with REDIS_URL
 * pointing at a private, password-protected redis-server that is killed for several seconds and
 * restarted, while uncached research and gateway calls and readiness probes keep coming. Counts
 * are printed as the table in docs/operations.md ("Redis outage").
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, redisServerAvailable, startRedisServer, waitFor, type RedisProcess } from '../cache/helpers/redis-server.js';
import { parsePrometheus, runFortitude, spawnServer, sumOf, type SpawnedServer } from '../observability/spawn-server.js';

const PASSWORD = 'outage-secret-7f3a9c';
// The issue measured 20 s (`REDIS_OUTAGE_MS=20000`); 6 s keeps the suite short.
const OUTAGE_MS = Number(process.env.REDIS_OUTAGE_MS ?? 6_000);
const suite = redisServerAvailable() ? describe : describe.skip;

interface Tally {
  served: number;
  failed: number;
  status500: number;
  statuses: Record<number, number>;
  /** Milliseconds per request, in order. */
  durations: number[];
}

const tally = (): Tally => ({ served: 0, failed: 0, status500: 0, statuses: {}, durations: [] });

function count(into: Tally, status: number, durationMs: number): void {
  into.statuses[status] = (into.statuses[status] ?? 0) + 1;
  into.durations.push(durationMs);
  if (status >= 200 && status < 300) into.served++;
  else into.failed++;
  if (status >= 500) into.status500++;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0;
}

const median = (values: number[]) => quantile(values, 0.5);

let redis: RedisProcess | undefined;
let server: SpawnedServer;
let port: number;
let key: string;
let sequence = 0;

const auth = () => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });

async function timed(send: () => Promise<Response>): Promise<{ status: number; durationMs: number; body: string }> {
  const started = performance.now();
  try {
    const response = await send();
    const body = await response.text();
    return { status: response.status, durationMs: performance.now() - started, body };
  } catch {
    return { status: 0, durationMs: performance.now() - started, body: '' };
  }
}

const research = () =>
  timed(() => fetch(`${server.url}/api/research`, { method: 'POST', headers: auth(), body: JSON.stringify({ query: `How do tokio tasks yield, case ${++sequence}?` }) }));

const chat = (temperature: number) =>
  timed(() =>
    fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ model: 'gpt-4o-mini', temperature, messages: [{ role: 'user', content: `Explain Go channels, variant ${++sequence}` }] }),
    }),
  );

const ready = () => timed(() => fetch(`${server.url}/api/health/ready`));

async function metric(name: string): Promise<number> {
  const response = await fetch(`${server.url}/metrics`, { headers: auth() });
  return sumOf(parsePrometheus(await response.text()), name);
}

/** Runs research, gateway (cacheable and not) and readiness loops until `untilMs` (epoch). */
async function load(untilMs: number): Promise<{ research: Tally; gateway: Tally; readiness: Tally; readyBodies: string[] }> {
  const result = { research: tally(), gateway: tally(), readiness: tally(), readyBodies: [] as string[] };
  const loop = async (run: () => Promise<{ status: number; durationMs: number; body: string }>, into: Tally, pauseMs: number, bodies?: string[]) => {
    while (Date.now() < untilMs) {
      const { status, durationMs, body } = await run();
      count(into, status, durationMs);
      bodies?.push(body);
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  };
  let flip = 0;
  await Promise.all([
    loop(research, result.research, 0),
    loop(() => chat(flip++ % 2 === 0 ? 0 : 0.7), result.gateway, 0),
    loop(ready, result.readiness, 500, result.readyBodies),
  ]);
  return result;
}

async function onPrivateRedis<T>(run: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({ port, host: '127.0.0.1', password: PASSWORD, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    return await run(client);
  } finally {
    client.disconnect();
  }
}

const sharedKeys = (pattern: string) => onPrivateRedis((client) => client.keys(pattern));

/** Connections other than the asking one: the server's. */
const serverConnections = () => onPrivateRedis(async (client) => String(await client.client('LIST')).trim().split('\n').length - 1);

suite('Redis outage under load against fortitude serve (issue 14.3)', () => {
  const results: Record<string, Awaited<ReturnType<typeof load>>> = {};

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedisServer(port, ['--requirepass', PASSWORD]);
    const cwd = mkdtempSync(join(tmpdir(), 'fortitude-redis-outage-'));
    const created = await runFortitude(cwd, ['keys', 'create', '--name', 'chaos', '--scopes', 'admin', '--rate-limit', '100000', '--json']);
    expect(created.code, created.stderr).toBe(0);
    key = (JSON.parse(created.stdout) as { key: string }).key;
    server = await spawnServer({
      cwd,
      env: {
        REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${port}`,
        FORTITUDE_SERVER__AUTH__MODE: 'required',
        FORTITUDE_PROVIDERS__OPENAI__RATE_LIMIT__REQUESTS_PER_MINUTE: '1000000',
        FORTITUDE_PROVIDERS__CLAUDE__RATE_LIMIT__REQUESTS_PER_MINUTE: '1000000',
        FORTITUDE_PROVIDERS__GEMINI__RATE_LIMIT__REQUESTS_PER_MINUTE: '1000000',
      },
    });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await redis?.stop();
  });

  it('with Redis up: serves, ready, shared state in Redis', async () => {
    results.before = await load(Date.now() + 3_000);
    expect(results.before.research.failed + results.before.gateway.failed).toBe(0);
    expect((await research()).status).toBe(200);
    expect((await sharedKeys('fortitude:apikey:*')).length).toBeGreaterThan(0);
    expect(await metric('fortitude_redis_degraded')).toBe(0);
    // One client per process for every store (and the L2 cache), plus the semantic cache's subscriber.
    expect(await serverConnections()).toBe(2);
  }, 30_000);

  it('with Redis killed: 0 × 500, readiness 200 with the degraded detail, no second per request', async () => {
    await redis!.stop();
    redis = undefined;
    results.outage = await load(Date.now() + OUTAGE_MS);
    const { research: r, gateway: g, readiness } = results.outage;
    expect(r.served).toBeGreaterThan(0);
    expect(g.served).toBeGreaterThan(0);
    expect([r.status500, g.status500]).toEqual([0, 0]);
    expect([r.failed, g.failed]).toEqual([0, 0]);
    expect(readiness.failed).toBe(0);
    expect(results.outage.readyBodies.at(-1)).toMatch(/"redis":\{"ok":false/);
    expect(results.outage.readyBodies.at(-1)).toContain('degraded');
    expect(await metric('fortitude_redis_degraded')).toBe(1);
    // The defect was +1 s on every authenticated request; a loose bound, not a benchmark.
    expect(median([...r.durations, ...g.durations])).toBeLessThan(500);
  }, 60_000 + OUTAGE_MS);

  it('with Redis back: shared state is used again, the flag clears', async () => {
    redis = await startRedisServer(port, ['--requirepass', PASSWORD]);
    await waitFor(async () => (await metric('fortitude_redis_degraded')) === 0, 15_000, 200);
    results.after = await load(Date.now() + 3_000);
    expect(results.after.research.failed + results.after.gateway.failed).toBe(0);
    expect((await research()).status).toBe(200);
    // The per-key limiter's bucket (it expires a second after its last use) is in Redis again.
    expect((await sharedKeys('fortitude:apikey:*')).length).toBeGreaterThan(0);
    expect((await sharedKeys('fortitude:cache:*')).length).toBeGreaterThan(0);
    expect(results.after.readyBodies.at(-1)).toMatch(/"redis":\{"ok":true/);
  }, 60_000);

  it('logs the outage once per change, structured, with no secret', () => {
    const output = server.output();
    expect(output).not.toContain(PASSWORD);
    // ioredis never prints raw "[ioredis] Unhandled error event" lines on stderr.
    expect(output).not.toContain('[ioredis]');
    const lines = output.split('\n');
    const redisLines = lines.filter((line) => /redis/i.test(line)).join('\n');
    // One line when Redis went away and one when it came back, not one per request. (A machine
    // so loaded that commands outlive their 1 s timeout may add a down/up pair: still changes.)
    const down = lines.filter((line) => line.includes('"msg":"redis degraded'));
    const up = lines.filter((line) => line.includes('"msg":"redis recovered'));
    expect(down.length, redisLines).toBeGreaterThanOrEqual(1);
    expect(down.length, redisLines).toBeLessThanOrEqual(3);
    expect(up.length, redisLines).toBe(down.length);
  });

  it('reports the counts', () => {
    const rows = Object.entries(results).map(([phase, { research: r, gateway: g, readiness }]) => {
      const durations = [...r.durations, ...g.durations];
      return `| ${[
        phase,
        `${r.served} / ${r.failed}`,
        `${g.served} / ${g.failed}`,
        r.status500 + g.status500,
        `${readiness.served} of ${readiness.served + readiness.failed}`,
        Math.round(median(durations)),
        Math.round(quantile(durations, 0.95)),
      ].join(' | ')} |`;
    });
    console.log(['| phase | research served / failed | gateway served / failed | 500s | readiness 200 | median ms | p95 ms |', ...rows].join('\n'));
    expect(rows).toHaveLength(3);
  });
});
