import { Cluster, Redis } from 'ioredis';

/** A standalone client or a cluster client; the store uses only what both offer. */
export type RedisClient = Redis | Cluster;

export interface RedisConnectionOptions {
  /** Standalone: `redis://[user:password@]host:port[/db]`. Ignored in cluster mode when `clusterNodes` is set. */
  url?: string;
  /** Connect with ioredis `Cluster` to the `clusterNodes` seed nodes (`host:port`). */
  clusterMode?: boolean;
  clusterNodes?: string[];
  /** Default 2000. */
  connectTimeoutMs?: number;
}

const DEFAULT_URL = 'redis://127.0.0.1:6379';

/** Reconnect forever with capped exponential backoff: a cache outage must heal on its own. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(50 * 2 ** Math.min(attempt, 10), 2000);
}

function parseNode(text: string): { host: string; port: number } {
  const url = new URL(text.includes('://') ? text : `redis://${text}`);
  return { host: url.hostname, port: url.port === '' ? 6379 : Number(url.port) };
}

/**
 * Creates the ioredis client for the L2 level. `enableOfflineQueue: false` makes commands fail
 * at once while disconnected instead of piling up, so the store can degrade to a miss; the
 * store applies its own per-command timeout on top.
 */
export function createRedisClient(options: RedisConnectionOptions): RedisClient {
  const connectTimeout = options.connectTimeoutMs ?? 2000;
  if (options.clusterMode) {
    const seeds = (options.clusterNodes && options.clusterNodes.length > 0 ? options.clusterNodes : [options.url ?? DEFAULT_URL]).map(parseNode);
    const first = new URL((options.url ?? DEFAULT_URL).includes('://') ? (options.url ?? DEFAULT_URL) : `redis://${options.url}`);
    return new Cluster(seeds, {
      enableOfflineQueue: false,
      clusterRetryStrategy: (attempt) => reconnectDelayMs(attempt),
      slotsRefreshTimeout: connectTimeout,
      redisOptions: {
        connectTimeout,
        maxRetriesPerRequest: 0,
        username: first.username === '' ? undefined : decodeURIComponent(first.username),
        password: first.password === '' ? undefined : decodeURIComponent(first.password),
      },
    });
  }
  return new Redis(options.url ?? DEFAULT_URL, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout,
    retryStrategy: (attempt) => reconnectDelayMs(attempt),
  });
}

/** The client's master nodes (cluster) or the client itself (standalone), for SCAN and INFO. */
export function masterNodes(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}
