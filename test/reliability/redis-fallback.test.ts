/**
 * Issue 14.3, store by store: the shared connection's circuit, the budget ledger's fallback and
 * replay, the semantic entries' queue, and `cluster_mode` against a standalone server. Each test
 * runs a private redis-server that it kills and restarts (the shared one on 6379 is never
 * touched).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FortitudeError } from '../../src/core/errors.js';
import { FallbackBudgetStore } from '../../src/infrastructure/redis/fallback-budget-store.js';
import { FallbackRateLimitStore } from '../../src/infrastructure/redis/fallback-rate-limit-store.js';
import { RedisRateLimitStore } from '../../src/infrastructure/redis/redis-rate-limit-store.js';
import { MemoryRateLimitStore } from '../../src/providers/rate-limit/memory-rate-limit-store.js';
import { RedisBudgetStore } from '../../src/infrastructure/redis/redis-budget-store.js';
import { openRedisConnection, type RedisConnection } from '../../src/infrastructure/redis/redis-connection.js';
import { RedisSemanticEntryStore } from '../../src/infrastructure/redis/redis-semantic-entry-store.js';
import type { SemanticEntry } from '../../src/infrastructure/cache/semantic/store/semantic-entry-store.js';
import { MemoryBudgetStore } from '../../src/pipeline/budget/memory-budget-store.js';
import { freePort, rawCommand, redisServerAvailable, startRedisServer, waitFor, type RedisProcess } from '../cache/helpers/redis-server.js';
import { runFortitude } from '../observability/spawn-server.js';
import { uniqueKeyPrefix } from '../support/redis-helpers.js';

const suite = redisServerAvailable() ? describe : describe.skip;
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function privateRedis(port?: number): Promise<RedisProcess> {
  const server = await startRedisServer(port ?? (await freePort()));
  closers.push(() => server.stop());
  return server;
}

async function connectTo(port: number, lines: string[] = []): Promise<RedisConnection> {
  const connection = await openRedisConnection(
    { url: `redis://127.0.0.1:${port}`, probeIntervalMs: 100, commandTimeoutMs: 300, connectTimeoutMs: 500 },
    { logger: { warn: (_object, message) => lines.push(message), info: (_object, message) => lines.push(message) } },
  );
  closers.push(() => connection.close());
  return connection;
}

const DAY = { key: 'day:2026-12-07', limit: 1_000, expiresAt: Date.now() + 86_400_000 };

suite('the shared connection and the stores behind it', () => {
  it('opens its circuit when Redis dies, logs once per change, closes it when Redis returns', async () => {
    const server = await privateRedis();
    const lines: string[] = [];
    const connection = await connectTo(server.port, lines);
    const changes: boolean[] = [];
    connection.onChange((available) => changes.push(available));
    expect(connection.available).toBe(true);

    await server.stop();
    await waitFor(() => !connection.available, 5_000);
    for (let index = 0; index < 50; index++) expect(await connection.admit()).toBe(false);
    expect(connection.check()).toMatchObject({ ok: false, error: expect.stringContaining('degraded') });

    await privateRedis(server.port);
    await waitFor(() => connection.available, 10_000, 50);
    expect(changes).toEqual([false, true]);
    expect(lines.filter((line) => line.startsWith('redis degraded'))).toHaveLength(1);
    expect(lines.filter((line) => line.startsWith('redis recovered'))).toHaveLength(1);
  }, 30_000);

  it('a hung Redis opens the circuit after three command timeouts; the stores then answer locally until a probe succeeds', async () => {
    const server = await privateRedis();
    const connection = await connectTo(server.port);
    const store = new FallbackBudgetStore(new RedisBudgetStore(connection.client, { hashTag: uniqueKeyPrefix('fallback-hung') }), () => new MemoryBudgetStore(), connection);
    const reserve = (id: string) => store.reserve({ id, amount: 1, periods: [DAY], enforce: true, expiresAt: Date.now() + 60_000, now: Date.now() });
    expect(await rawCommand(server.port, 'CLIENT PAUSE 2000')).toBe('+OK');
    // Each waits for the 300 ms command timeout and is then answered locally; the third opens the circuit.
    for (const id of ['slow-1', 'slow-2']) {
      expect((await reserve(id)).granted).toBe(true);
      expect(connection.available).toBe(true);
    }
    expect((await reserve('slow-3')).granted).toBe(true);
    expect(connection.available).toBe(false);
    for (let index = 0; index < 20; index++) expect((await reserve(`local-${index}`)).granted).toBe(true);
    await waitFor(async () => (await connection.admit()) && connection.available, 10_000, 100);
    expect((await reserve('shared-again')).granted).toBe(true);
  }, 30_000);

  it('budget: a reserve Redis answered too late (booked there, granted locally) is released in Redis once settled', async () => {
    const server = await privateRedis();
    const connection = await connectTo(server.port);
    const hashTag = uniqueKeyPrefix('fallback-late-reply');
    const store = new FallbackBudgetStore(new RedisBudgetStore(connection.client, { hashTag }), () => new MemoryBudgetStore(), connection);
    expect(await rawCommand(server.port, 'CLIENT PAUSE 600')).toBe('+OK');
    // Misses the 300 ms command timeout: answered locally. Redis runs the script when the pause ends.
    expect((await store.reserve({ id: 'late-reply', amount: 40, periods: [DAY], enforce: true, expiresAt: Date.now() + 600_000, now: Date.now() })).granted).toBe(true);
    const shared = new RedisBudgetStore(connection.client, { hashTag });
    await new Promise((resolve) => setTimeout(resolve, 700)); // the pause is over
    await waitFor(async () => (await shared.totals([DAY], Date.now()))[0]!.reserved === 40, 5_000, 50);
    await store.reconcile('late-reply', [DAY], 30, Date.now());
    // Without the release it stayed reserved in Redis for the reservation's whole TTL (10 min in serve).
    await waitFor(async () => (await shared.totals([DAY], Date.now()))[0]!.reserved === 0 && store.pendingSpend === 0, 5_000, 50);
    expect(await connection.client.hlen(`{${hashTag}}:reservations`)).toBe(0);
    expect((await shared.totals([DAY], Date.now()))[0]).toMatchObject({ spent: 30, reserved: 0 });
  }, 30_000);

  it('rate limits: one slow reply (the circuit stays closed) is answered by the local bucket, not thrown', async () => {
    // Under load a single command can miss its timeout while Redis is fine. The limiter used to
    // rethrow it, and the chat call it guarded failed with a 500 "internal error".
    const server = await privateRedis();
    const connection = await connectTo(server.port);
    const store = new FallbackRateLimitStore(new RedisRateLimitStore(connection.client, { keyPrefix: `{${uniqueKeyPrefix('fallback-slow')}}` }), new MemoryRateLimitStore(), connection);
    const buckets = [{ name: 'requests', capacity: 2, refillPerMs: 0 }];
    expect((await store.acquire('openai', buckets, { requests: 1 }, Date.now())).granted).toBe(true);
    expect(await rawCommand(server.port, 'CLIENT PAUSE 600')).toBe('+OK');
    const slow = await store.acquire('openai', buckets, { requests: 1 }, Date.now());
    expect(slow.granted).toBe(true);
    expect(connection.available).toBe(true);
  }, 30_000);

  it('budget: the local ledger enforces the headroom Redis last reported, and its spend is replayed on return', async () => {
    const server = await privateRedis();
    const connection = await connectTo(server.port);
    const hashTag = uniqueKeyPrefix('fallback-budget');
    const store = new FallbackBudgetStore(new RedisBudgetStore(connection.client, { hashTag }), () => new MemoryBudgetStore(), connection);
    const reserve = (id: string, amount: number) => store.reserve({ id, amount, periods: [DAY], enforce: true, expiresAt: Date.now() + 60_000, now: Date.now() });

    expect((await reserve('a', 600)).granted).toBe(true);
    await store.reconcile('a', [DAY], 600, Date.now());

    await server.stop();
    await waitFor(() => !connection.available, 5_000);
    // 400 left when Redis was last seen: 300 fits, another 300 does not.
    expect((await reserve('b', 300)).granted).toBe(true);
    const refused = await reserve('c', 300);
    expect(refused.granted).toBe(false);
    expect(refused.totals[0]!.spent + refused.totals[0]!.reserved).toBe(900);
    await store.reconcile('b', [DAY], 250, Date.now());
    expect(store.pendingSpend).toBe(250);

    await privateRedis(server.port); // a restarted Redis without persistence: empty
    await waitFor(() => connection.available && store.pendingSpend === 0, 10_000, 50);
    const totals = await new RedisBudgetStore(connection.client, { hashTag }).totals([DAY], Date.now());
    expect(totals[0]).toMatchObject({ spent: 250, reserved: 0 });
    // The outage's ledger was replayed and emptied: nothing is counted twice.
    expect((await store.totals([DAY], Date.now()))[0]).toMatchObject({ spent: 250, reserved: 0 });
  }, 30_000);

  it('budget: with N processes on the machine each spends only its share of the headroom during an outage', async () => {
    const server = await privateRedis();
    const connection = await connectTo(server.port);
    const hashTag = uniqueKeyPrefix('fallback-share');
    // Four workers' stores over one connection (as four processes would each have one).
    const stores = [0, 1, 2, 3].map(() => new FallbackBudgetStore(new RedisBudgetStore(connection.client, { hashTag }), () => new MemoryBudgetStore(), connection, { headroomShare: 1 / 4 }));
    const reserve = (store: FallbackBudgetStore, id: string, amount: number) => store.reserve({ id, amount, periods: [DAY], enforce: true, expiresAt: Date.now() + 60_000, now: Date.now() });
    expect((await reserve(stores[0]!, 'a', 600)).granted).toBe(true);
    await stores[0]!.reconcile('a', [DAY], 600, Date.now());
    for (const store of stores) await store.totals([DAY], Date.now());

    await server.stop();
    await waitFor(() => !connection.available, 5_000);
    // 400 left when Redis was last seen: 100 each. Without the share, four ledgers granted 4 × 400.
    let granted = 0;
    for (const [index, store] of stores.entries()) {
      for (let call = 0; call < 5; call++) if ((await reserve(store, `local-${index}-${call}`, 60)).granted) granted += 60;
    }
    expect(granted).toBe(4 * 60);
    expect(granted).toBeLessThanOrEqual(400);
  }, 30_000);

  it('budget: a reservation granted locally and settled after Redis returned is replayed too', async () => {
    const server = await privateRedis();
    const connection = await connectTo(server.port);
    const hashTag = uniqueKeyPrefix('fallback-budget-late');
    const store = new FallbackBudgetStore(new RedisBudgetStore(connection.client, { hashTag }), () => new MemoryBudgetStore(), connection);
    await server.stop();
    await waitFor(() => !connection.available, 5_000);
    expect((await store.reserve({ id: 'late', amount: 100, periods: [DAY], enforce: true, expiresAt: Date.now() + 60_000, now: Date.now() })).granted).toBe(true);
    await privateRedis(server.port);
    await waitFor(() => connection.available, 10_000, 50);
    // Still in flight when Redis came back: settled in the ledger that granted it, then replayed.
    await store.reconcile('late', [DAY], 70, Date.now());
    await waitFor(() => store.pendingSpend === 0, 5_000, 50);
    const totals = await new RedisBudgetStore(connection.client, { hashTag }).totals([DAY], Date.now());
    expect(totals[0]).toMatchObject({ spent: 70, reserved: 0 });
  }, 30_000);

  it('budget: a count taken (spend) during an outage is replayed on return and leaves no reservation', async () => {
    const server = await privateRedis();
    const connection = await connectTo(server.port);
    const hashTag = uniqueKeyPrefix('fallback-budget-spend');
    const store = new FallbackBudgetStore(new RedisBudgetStore(connection.client, { hashTag }), () => new MemoryBudgetStore(), connection);
    const take = () => store.reserve({ id: randomUUID(), amount: 1, periods: [DAY], enforce: true, expiresAt: Date.now() + 60_000, now: Date.now(), spend: true });
    expect((await take()).granted).toBe(true);
    await server.stop();
    await waitFor(() => !connection.available, 5_000);
    expect((await take()).granted).toBe(true);
    expect(store.pendingSpend).toBe(1);
    await privateRedis(server.port); // empty again: only the replayed outage count is there
    await waitFor(() => connection.available && store.pendingSpend === 0, 10_000, 50);
    expect((await take()).totals[0]).toMatchObject({ spent: 2, reserved: 0 });
    expect(await connection.client.hlen(`{${hashTag}}:reservations`)).toBe(0);
  }, 30_000);

  it('semantic entries: a put during the outage is kept locally and written when Redis returns', async () => {
    const server = await privateRedis();
    const connection = await connectTo(server.port);
    const keyPrefix = uniqueKeyPrefix('fallback-semantic');
    const store = new RedisSemanticEntryStore<{ resultId: string }>({ keyPrefix }, { client: connection.client, redis: connection });
    const entry = (id: string): SemanticEntry<{ resultId: string }> => ({
      id,
      key: `ctx|question ${id}`,
      contextKey: 'ctx',
      context: { namespace: 'default' },
      question: `question ${id}`,
      value: { resultId: id },
      embedding: new Float32Array([1, 0, 0]),
      embedderId: 'test',
      createdAt: Date.now(),
      expiresAt: Date.now() + 60_000,
    });

    await server.stop();
    await waitFor(() => !connection.available, 5_000);
    await store.put(entry('during'));
    expect(await store.get('during')).toMatchObject({ id: 'during' });
    expect(store.pendingWrites()).toBe(1);

    await privateRedis(server.port);
    await waitFor(() => connection.available && store.pendingWrites() === 0, 10_000, 50);
    const other = new RedisSemanticEntryStore<{ resultId: string }>({ keyPrefix }, { client: connection.client });
    expect((await other.list()).map((listed) => listed.id)).toEqual(['during']);
  }, 30_000);

  it('cluster_mode: true against a standalone server fails at start, naming the key and the fix', async () => {
    const server = await privateRedis();
    const error = await openRedisConnection({ url: `redis://127.0.0.1:${server.port}`, clusterMode: true }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FortitudeError);
    expect((error as FortitudeError).code).toBe('config_invalid');
    expect((error as Error).message).toContain('caching.levels.redis.cluster_mode');
    expect((error as Error).message).toContain('cluster_mode: false');
  });

  it('cluster_mode: false against a cluster node fails at start too', async () => {
    const port = await freePort(true);
    const node = await startRedisServer(port, ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`]);
    closers.push(() => node.stop());
    const error = await openRedisConnection({ url: `redis://127.0.0.1:${port}` }).catch((caught: unknown) => caught);
    expect((error as FortitudeError).code).toBe('config_invalid');
    expect((error as Error).message).toContain('cluster_mode: true');
  });

  it('fortitude research with the seed\'s cluster_mode against a standalone Redis exits with that message (it used to hang)', async () => {
    const server = await privateRedis();
    const cwd = mkdtempSync(join(tmpdir(), 'fortitude-cluster-mode-'));
    const result = await runFortitude(cwd, ['research', 'How do tokio tasks yield?'], {
      REDIS_URL: `redis://:not-a-real-secret@127.0.0.1:${server.port}`,
      FORTITUDE_CACHING__LEVELS__REDIS__CLUSTER_MODE: 'true',
    });
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull(); // null: killed by the 60 s timeout
    expect(result.stderr).toContain('caching.levels.redis.cluster_mode');
    expect(result.stderr + result.stdout).not.toContain('not-a-real-secret');
  }, 90_000);
});
