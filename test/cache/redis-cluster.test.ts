import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisCacheStore } from '../../src/infrastructure/redis/redis-cache-store.js';
import type { RedisConnection } from '../../src/infrastructure/redis/redis-connection.js';
import { openRedisCacheStore } from '../support/redis-helpers.js';
import { runCacheStoreContract } from './cache-store-contract.js';
import { redisServerAvailable, startRedisCluster } from './helpers/redis-server.js';
import type { RedisCluster } from './helpers/redis-server.js';

/**
 * `clusterMode: true` against a real three-master Redis Cluster started for this file
 * (redis-server --cluster-enabled on spare ports, slots assigned by redis-cli --cluster create).
 */
const available = redisServerAvailable();
if (!available) console.warn('redis-cluster.test.ts skipped: redis-server is not on PATH');
const clusterDescribe = available ? describe : describe.skip;

clusterDescribe('RedisCacheStore in cluster mode', () => {
  let cluster: RedisCluster | undefined;
  const seeds = (): string[] => cluster!.ports.map((port) => `127.0.0.1:${port}`);

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
  }, 60_000);

  const connections: RedisConnection[] = [];
  afterAll(async () => {
    for (const connection of connections.splice(0)) await connection.close();
    await cluster?.stop();
  });

  async function openStore(ttlSeconds = 3600): Promise<RedisCacheStore> {
    const opened = await openRedisCacheStore({ ttlSeconds, keyPrefix: 'cluster-test:', compression: true, commandTimeoutMs: 1000 }, { url: seeds().join(','), clusterMode: true });
    connections.push(opened.connection);
    return opened.store;
  }

  runCacheStoreContract('redis cluster', {
    create: (levelTtlSeconds) => openStore(levelTtlSeconds),
    advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => Date.now(),
    toleranceMs: 50,
  });

  it('spreads keys over every master and clears them all', async () => {
    const store = await openStore();
    for (let index = 0; index < 60; index++) await store.set(`spread:${index}`, `v${index}`, 60_000);
    expect(store.client).toBeInstanceOf(Cluster);
    const probe = store.client as Cluster;
    const counts = await Promise.all(probe.nodes('master').map((node) => node.dbsize()));
    expect(counts).toHaveLength(3);
    expect(counts.every((count) => count > 0)).toBe(true);
    for (let index = 0; index < 60; index++) expect(await store.get(`spread:${index}`)).toBe(`v${index}`);
    expect((await store.getEntry('spread:7'))?.value).toBe('v7');
    const stats = await store.stats();
    expect(stats.extra?.mode).toBe('cluster');
    expect(stats.usedBytes).toBeGreaterThan(0);
    await store.clear('spread:');
    const after = await Promise.all(probe.nodes('master').map((node) => node.dbsize()));
    expect(after.every((count) => count === 0)).toBe(true);
    await store.close();
  });
});
