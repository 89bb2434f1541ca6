/**
 * The shared-state stores against a real three-master Redis Cluster (started for this file):
 * every Lua script touches keys of one slot (hash tags), and the semantic entries' pub/sub and
 * same-slot MGET work through the cluster client, as two replicas would use them.
 */
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalEmbedder } from '../../src/infrastructure/cache/semantic/local-embedder.js';
import { createSemanticCache } from '../../src/infrastructure/cache/semantic/semantic-cache.js';
import { RedisBreakerStore } from '../../src/infrastructure/redis/redis-breaker-store.js';
import { createRedisKeyRateLimiter } from '../../src/infrastructure/redis/redis-key-rate-limiter.js';
import { RedisSemanticEntryStore } from '../../src/infrastructure/redis/redis-semantic-entry-store.js';
import { createRateLimiter } from '../../src/interface/http/rate-limiter.js';
import { DEFAULT_BREAKER_POLICY } from '../../src/providers/circuit-breaker/breaker-state.js';
import { redisServerAvailable, startRedisCluster, type RedisCluster } from '../cache/helpers/redis-server.js';

const clusterDescribe = redisServerAvailable() ? describe : describe.skip;
const tenant = { namespace: 'tenant-a', researchType: 'implementation' };

clusterDescribe('shared state on Redis Cluster', () => {
  let cluster: RedisCluster | undefined;
  const clients: Cluster[] = [];

  const connect = async (): Promise<Cluster> => {
    const client = new Cluster(cluster!.ports.map((port) => ({ host: '127.0.0.1', port })), { redisOptions: { maxRetriesPerRequest: 2 } });
    clients.push(client);
    await new Promise<void>((resolve, reject) => {
      client.once('ready', resolve);
      client.once('error', reject);
    });
    return client;
  };

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
  }, 60_000);

  afterAll(async () => {
    for (const client of clients) await client.quit().catch(() => client.disconnect());
    await cluster?.stop();
  });

  it('breakers of different providers live on different slots and still open for every replica', async () => {
    const replicaA = new RedisBreakerStore(await connect(), { keyPrefix: 'cl', admitFromMemoryMs: 0 });
    const replicaB = new RedisBreakerStore(await connect(), { keyPrefix: 'cl', admitFromMemoryMs: 0 });
    const policy = { ...DEFAULT_BREAKER_POLICY, failureThreshold: 2 };
    for (const provider of ['openai', 'claude', 'gemini']) {
      await replicaA.record(provider, policy, 'failure', false, 1_000);
      await replicaB.record(provider, policy, 'failure', false, 1_001);
      expect((await replicaB.admit(provider, policy, 1_002)).allowed).toBe(false);
    }
    expect(replicaA.degradedCalls() + replicaB.degradedCalls()).toBe(0);
  });

  it('a semantic entry stored through one cluster client is found through another', async () => {
    const open = async () => {
      const client = await connect();
      const store = new RedisSemanticEntryStore<string>({ keyPrefix: 'cl' }, { client, subscriber: client.duplicate() });
      const cache = await createSemanticCache<string>({ sweepIntervalMs: 0 }, { embedder: createLocalEmbedder(), store });
      await store.watch({ onPut: (entry) => cache.adopt(entry), onDelete: (id) => cache.forget(id) });
      return { cache, store };
    };
    const a = await open();
    const b = await open();
    await a.cache.store('How do I install Redis on Ubuntu 22.04?', tenant, 'answer');
    const deadline = Date.now() + 5_000;
    while (!b.cache.has('How do I install Redis on Ubuntu 22.04?', tenant) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await b.cache.lookup('How can I set up Redis on Ubuntu 22.04?', tenant)).entry?.value).toBe('answer');
    const c = await open(); // lists through MGET on one slot
    expect(c.cache.stats().entries).toBe(1);
    for (const replica of [a, b, c]) {
      await replica.cache.close();
      await replica.store.close();
    }
  });

  it('an API key limit is one bucket across cluster clients', async () => {
    const now = () => 1_700_000_000_000;
    const replicaA = createRedisKeyRateLimiter(await connect(), { keyPrefix: 'cl', now, fallback: createRateLimiter(now) });
    const replicaB = createRedisKeyRateLimiter(await connect(), { keyPrefix: 'cl', now, fallback: createRateLimiter(now) });
    const allowed = [];
    for (let index = 0; index < 4; index++) allowed.push((await (index % 2 ? replicaB : replicaA).take('team', 3)).allowed);
    expect(allowed).toEqual([true, true, true, false]);
  });
});
