import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { CacheLogger } from '../../src/infrastructure/cache/cache-store.js';
import { DiskCacheStore } from '../../src/infrastructure/cache/disk/disk-store.js';
import { MemoryCacheStore } from '../../src/infrastructure/cache/memory/memory-store.js';
import { MultiLevelCache } from '../../src/infrastructure/cache/multi-level-cache.js';
import { openRedisCacheStore } from '../support/redis-helpers.js';
import { freePort, rawCommand, redisServerAvailable, startRedisServer, waitFor } from './helpers/redis-server.js';
import type { RedisProcess } from './helpers/redis-server.js';

const MB = 1024 * 1024;

/**
 * Degradation (issue 6, item 8): Redis down or slow must cost a miss at L2, never a failed
 * request; one log line says so and the level recovers by itself. The level runs on its own
 * `RedisConnection`, as in `serve` (whose circuit is the level's health; the connection's
 * circuit on its own is tested in test/reliability/redis-fallback.test.ts). These tests start
 * their own redis-server so that stopping or pausing it cannot disturb other suites on 6379.
 */

const root = mkdtempSync(join(tmpdir(), 'fortitude-outage-'));
const servers: RedisProcess[] = [];
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  rmSync(root, { recursive: true, force: true });
});

interface LogLine {
  message: string;
  object: Record<string, unknown>;
}

function captureLogger(): CacheLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    warn: (object, message) => lines.push({ object, message }),
    info: (object, message) => lines.push({ object, message }),
  };
}

async function openLevels(port: number, logger: CacheLogger) {
  const memory = new MemoryCacheStore({ maxSizeBytes: 4 * MB, ttlSeconds: 300 });
  const { store: redis, connection } = await openRedisCacheStore(
    { ttlSeconds: 3600, keyPrefix: `outage:${randomUUID()}:`, commandTimeoutMs: 50 },
    { url: `redis://127.0.0.1:${port}`, probeIntervalMs: 100, connectTimeoutMs: 500 },
    { logger, ready: false },
  );
  const disk = new DiskCacheStore({ directory: join(root, randomUUID()), maxSizeBytes: 4 * MB, ttlSeconds: 3600, cleanupIntervalMs: 0 });
  const cache = new MultiLevelCache({ levels: [memory, redis, disk] });
  closers.push(() => cache.close(), () => connection.close());
  return { cache, memory, redis, disk, connection };
}

const degraded = (logger: { lines: LogLine[] }) => logger.lines.filter((line) => line.object.redis === 'degraded');
const recovered = (logger: { lines: LogLine[] }) => logger.lines.filter((line) => line.object.redis === 'recovered');

const serverTests = redisServerAvailable() ? describe : describe.skip;

describe('Redis outage: nothing listening', () => {
  it('serves from memory and disk, flags L2 unhealthy, logs once', async () => {
    const port = await freePort();
    const logger = captureLogger();
    const { cache, memory, redis, connection } = await openLevels(port, logger);
    expect(await connection.waitUntilReady(300)).toBe(false);

    for (let index = 0; index < 20; index++) await cache.set(`k${index}`, `v${index}`, 60_000);
    memory.shrinkTo(0); // force the next reads past L1
    for (let index = 0; index < 20; index++) {
      expect(await cache.lookup(`k${index}`)).toEqual({ value: `v${index}`, level: 'disk' });
    }
    const stats = await redis.stats();
    expect(stats.healthy).toBe(false);
    expect(stats.hits + stats.sets).toBe(0);
    expect(Number(stats.extra?.skippedWhileUnhealthy) + stats.errors).toBeGreaterThan(0);
    expect(degraded(logger)).toHaveLength(1);
  });
});

serverTests('Redis outage with a private redis-server', () => {
  it('recovers when Redis comes up on the port it was pointed at', async () => {
    const port = await freePort();
    const logger = captureLogger();
    const { cache, redis } = await openLevels(port, logger);
    await cache.set('before', 'v', 60_000);
    expect(redis.healthy).toBe(false);

    servers.push(await startRedisServer(port));
    await waitFor(() => redis.healthy, 10_000);
    await cache.set('after', 'v2', 60_000);
    expect(await redis.get('after')).toBe('v2');
    expect(recovered(logger)).toHaveLength(1);
  });

  it('survives Redis dying mid-use and reconnects when it restarts', async () => {
    const port = await freePort();
    let server = await startRedisServer(port);
    const logger = captureLogger();
    const { cache, memory, redis, connection } = await openLevels(port, logger);
    expect(await connection.waitUntilReady()).toBe(true);
    await cache.set('k', 'v', 60_000);
    expect(await redis.get('k')).toBe('v');

    await server.stop();
    await waitFor(() => !redis.healthy, 5000);
    memory.shrinkTo(0);
    for (let index = 0; index < 10; index++) expect((await cache.lookup('k'))?.value).toBe('v');
    expect(degraded(logger)).toHaveLength(1);

    server = await startRedisServer(port);
    servers.push(server);
    await waitFor(() => redis.healthy, 10_000);
    await cache.set('k2', 'v2', 60_000);
    expect(await redis.get('k2')).toBe('v2');
    expect(recovered(logger)).toHaveLength(1);
    expect((await redis.stats()).extra?.outages).toBe(1);
  });

  it('treats a paused (slow) Redis as a miss within the level command timeout, not an outage, and serves from it again once it answers', async () => {
    const port = await freePort();
    servers.push(await startRedisServer(port));
    const logger = captureLogger();
    const { cache, memory, redis, connection } = await openLevels(port, logger);
    expect(await connection.waitUntilReady()).toBe(true);
    await cache.set('k', 'v', 60_000);
    memory.shrinkTo(0);

    expect(await rawCommand(port, 'CLIENT PAUSE 700')).toBe('+OK');
    expect(await cache.lookup('k')).toEqual({ value: 'v', level: 'disk' });
    // The read timed out, and so did the promotion of the disk hit into L2.
    expect(Number((await redis.stats()).extra?.timeouts)).toBeGreaterThanOrEqual(1);
    // One slow reply is not an outage: the connection's own command timeout (1 s) and circuit decide that.
    expect(redis.healthy).toBe(true);

    await waitFor(async () => {
      memory.shrinkTo(0);
      return (await cache.lookup('k'))?.level === 'redis';
    }, 10_000, 50);
    expect(degraded(logger)).toHaveLength(0);
  });

  it('a Redis that refuses writes (OOM under noeviction) stays healthy and logs the cause once', async () => {
    const port = await freePort();
    servers.push(await startRedisServer(port, ['--maxmemory', '3mb', '--maxmemory-policy', 'noeviction']));
    const logger = captureLogger();
    const { cache, redis, connection } = await openLevels(port, logger);
    expect(await connection.waitUntilReady()).toBe(true);
    const value = 'z'.repeat(100_000);
    const stored: boolean[] = [];
    for (let index = 0; index < 60; index++) stored.push(await redis.set(`big${index}`, value, 60_000));
    expect(stored.includes(false)).toBe(true);
    expect(redis.healthy).toBe(true);
    await cache.set('after-oom', 'v', 60_000);
    expect((await cache.lookup('after-oom'))?.value).toBe('v');
    const stats = await redis.stats();
    expect(Number(stats.extra?.replyErrors)).toBeGreaterThan(0);
    expect(stats.extra?.maxmemoryPolicy).toBe('noeviction');
    expect(logger.lines.filter((line) => line.message.includes('maxmemory-policy'))).toHaveLength(1);
    expect(degraded(logger)).toHaveLength(0);
  });
});
