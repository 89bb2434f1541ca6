import type { Cluster, Redis } from 'ioredis';
import { ioredis } from './ioredis-module.js';
import { FortitudeError } from '../../core/errors.js';
import type { CacheLogger } from '../cache/cache-store.js';
import { HealthGate } from './health-gate.js';

/** A standalone client or a cluster client; the stores use only what both offer. */
export type RedisClient = Redis | Cluster;

/**
 * The process's one Redis connection (plus one subscriber for the semantic cache's channel),
 * shared by every Redis-backed store, and its circuit: while Redis is unreachable or slow,
 * `available` is false and every store answers from its in-process fallback at once instead of
 * waiting on a command; one caller per `probeIntervalMs` probes with PING, and the client's
 * `ready` after a reconnect closes the circuit again. One log line per change, never one per
 * request, and only the error's message (an ioredis error may carry the command and its
 * arguments — `AUTH` included — so the error object itself is never logged).
 */

export interface RedisConnectionOptions {
  /** `redis://[user:password@]host:port[/db]`; with `clusterMode`, comma-separated seed nodes. */
  url: string;
  /** Connect with ioredis `Cluster` (`caching.levels.redis.cluster_mode`). */
  clusterMode?: boolean;
  /** TCP connect timeout, ms (default 2 s). */
  connectTimeoutMs?: number;
  /** A command unanswered after this long fails, ms (default 1 s). */
  commandTimeoutMs?: number;
  /**
   * Timed-out commands within `timeoutWindowMs` that open the circuit (default 3 in 5 s): one slow
   * reply on a busy host is not an outage, a hung server is. Refused or closed connections open
   * it at once.
   */
  timeoutsToOpen?: number;
  timeoutWindowMs?: number;
  /** While degraded, how often one caller probes Redis with PING, ms (default 1 s). */
  probeIntervalMs?: number;
}

export interface RedisConnectionDeps {
  logger?: CacheLogger;
}

/** What a store needs to decide between Redis and its in-process fallback. */
export interface RedisAvailability {
  /** False while the circuit is open (Redis unreachable or slow). */
  readonly available: boolean;
  /** True when a command may go to Redis now (lets one probe through per interval while degraded). */
  admit(): Promise<boolean>;
  /** Reports a failed command: a connection-level failure opens the circuit. */
  failed(error: unknown): void;
  /** Called with `true` when Redis comes back (stores replay what they kept locally). */
  onChange(listener: (available: boolean) => void): () => void;
}

export class RedisConnection implements RedisAvailability {
  readonly client: RedisClient;
  readonly gate: HealthGate;
  readonly #options: RedisConnectionOptions;
  readonly #logger: CacheLogger | undefined;
  readonly #listeners = new Set<(available: boolean) => void>();
  readonly #subscribers: RedisClient[] = [];
  /** When recent commands timed out (ms), oldest first. */
  readonly #timeouts: number[] = [];
  #closed = false;

  constructor(options: RedisConnectionOptions, deps: RedisConnectionDeps = {}) {
    this.#options = options;
    this.#logger = deps.logger;
    this.client = connect(options);
    const commandTimeoutMs = options.commandTimeoutMs ?? 1_000;
    this.gate = new HealthGate({
      name: 'redis',
      probeIntervalMs: options.probeIntervalMs ?? 1_000,
      probe: async () => (await withTimeout(this.client.ping(), commandTimeoutMs)) === 'PONG',
      onChange: (healthy, error) => this.#changed(healthy, error),
    });
    this.#watch(this.client, true);
  }

  get available(): boolean {
    return this.gate.healthy;
  }

  admit(): Promise<boolean> {
    return this.gate.healthy ? Promise.resolve(true) : this.gate.admit();
  }

  failed(error: unknown): void {
    // Redis answered (a script error, OOM under `noeviction`): it is up; the caller handles it.
    if (error instanceof ioredis().ReplyError) return;
    if (error instanceof Error && /timed out/i.test(error.message)) {
      const now = Date.now();
      this.#timeouts.push(now);
      while (this.#timeouts.length > 0 && this.#timeouts[0]! <= now - (this.#options.timeoutWindowMs ?? 5_000)) this.#timeouts.shift();
      if (this.#timeouts.length < (this.#options.timeoutsToOpen ?? 3)) return;
      this.#timeouts.length = 0;
    }
    this.gate.markUnhealthy(error);
  }

  onChange(listener: (available: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A dedicated connection (for SUBSCRIBE), its errors handled here, closed with this one. */
  duplicate(): RedisClient {
    const subscriber = this.client.duplicate();
    this.#watch(subscriber, false);
    this.#subscribers.push(subscriber);
    return subscriber;
  }

  /**
   * Resolves true once connected; false as soon as connecting failed (refused, unknown host) or
   * after `timeoutMs` — then the process starts degraded and the circuit closes on reconnect.
   */
  async waitUntilReady(timeoutMs = this.#options.connectTimeoutMs ?? 2_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.gate.healthy && this.gate.outages === 0 && Date.now() < deadline && !this.#closed) await new Promise((resolve) => setTimeout(resolve, 10));
    if (!this.gate.healthy && this.gate.outages === 0) this.gate.markUnhealthy(new Error(`not connected within ${timeoutMs} ms`));
    return this.gate.healthy;
  }

  /** The readiness detail: Redis down is degraded, never "not ready". */
  check(): { ok: boolean; latencyMs: number; error?: string } {
    return this.gate.healthy
      ? { ok: true, latencyMs: 0 }
      : { ok: false, latencyMs: 0, error: 'degraded: Redis unreachable; caches, limits, breakers and budgets run on in-process state until it returns' };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.gate.close();
    for (const client of [...this.#subscribers, this.client]) {
      try {
        if (client.status === 'ready') await withTimeout(client.quit(), 500);
      } catch {
        // Fall through to disconnect: closing must not hang on a dead server.
      }
      client.disconnect();
    }
  }

  #watch(client: RedisClient, primary: boolean): void {
    // Without an `error` listener ioredis prints "[ioredis] Unhandled error event" on stderr.
    client.on('error', (error: unknown) => primary && this.gate.markUnhealthy(error));
    if (!primary) return;
    client.on('node error', (error: unknown) => this.gate.markUnhealthy(error));
    client.on('ready', () => this.gate.markHealthy());
    client.on('close', () => this.gate.markUnhealthy(new Error('connection closed')));
  }

  #changed(available: boolean, error?: unknown): void {
    if (this.#closed) return;
    if (available) (this.#logger?.info ?? this.#logger?.warn)?.call(this.#logger, { redis: 'recovered' }, 'redis recovered: shared state in use again; local state reconciled');
    else
      this.#logger?.warn(
        { redis: 'degraded', error: error instanceof Error ? error.message : String(error) },
        'redis degraded: unreachable, serving from in-process state until it returns',
      );
    for (const listener of this.#listeners) listener(available);
  }
}

/**
 * Opens the connection and checks, once, that the server's mode matches `clusterMode`: a
 * cluster client against a standalone server would wait for slots forever, a standalone client
 * against a cluster node would get MOVED for most keys. When Redis is unreachable at start the
 * check is skipped and the process starts degraded.
 */
export async function openRedisConnection(options: RedisConnectionOptions, deps: RedisConnectionDeps = {}): Promise<RedisConnection> {
  const timeoutMs = options.connectTimeoutMs ?? 2_000;
  // A cluster client against a standalone server never becomes ready: ask a plain connection
  // first. A standalone client is asked once connected (no second connection to wait for).
  if (options.clusterMode) verifyMode(options, await clusterInfo(splitUrls(options.url)[0]!, timeoutMs));
  const connection = new RedisConnection(options, deps);
  if ((await connection.waitUntilReady()) && !options.clusterMode) {
    try {
      verifyMode(options, await withTimeout((connection.client as Redis).info('cluster'), timeoutMs).catch(() => undefined));
    } catch (error) {
      await connection.close();
      throw error;
    }
  }
  return connection;
}

/** `INFO cluster` from one node over a throw-away connection; undefined when unreachable. */
async function clusterInfo(url: string, timeoutMs: number): Promise<string | undefined> {
  const probe = new (ioredis().Redis)(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return await withTimeout(probe.info('cluster'), timeoutMs);
  } catch {
    return undefined;
  } finally {
    probe.disconnect();
  }
}

function verifyMode(options: RedisConnectionOptions, info: string | undefined): void {
  if (info === undefined) return;
  const seed = splitUrls(options.url)[0]!;
  const clusterEnabled = /^cluster_enabled:1/m.test(info);
  const where = `the Redis at ${redactUrl(seed)}`;
  if (options.clusterMode && !clusterEnabled)
    throw new FortitudeError(
      'config_invalid',
      `caching.levels.redis.cluster_mode: true, but ${where} is a standalone server (cluster_enabled:0). ` +
        'Set cluster_mode: false (or FORTITUDE_CACHING__LEVELS__REDIS__CLUSTER_MODE=false), or point REDIS_URL at the nodes of a Redis Cluster.',
      { details: { field: 'caching.levels.redis.cluster_mode' } },
    );
  if (!options.clusterMode && clusterEnabled)
    throw new FortitudeError(
      'config_invalid',
      `caching.levels.redis.cluster_mode: false, but ${where} is a Redis Cluster node (cluster_enabled:1). ` +
        'Set cluster_mode: true (or FORTITUDE_CACHING__LEVELS__REDIS__CLUSTER_MODE=true) and list the seed nodes in REDIS_URL, comma-separated.',
      { details: { field: 'caching.levels.redis.cluster_mode' } },
    );
}

function connect(options: RedisConnectionOptions): RedisClient {
  const connectTimeout = options.connectTimeoutMs ?? 2_000;
  // Commands fail at once while disconnected (no offline queue, no retries) and after
  // `commandTimeout` on a hung server, so no request waits on Redis; the circuit does the rest.
  const common = { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout, commandTimeout: options.commandTimeoutMs ?? 1_000 };
  const urls = splitUrls(options.url);
  if (!options.clusterMode) return new (ioredis().Redis)(urls[0]!, { ...common, retryStrategy: (attempt: number) => reconnectDelayMs(attempt) });
  const first = new URL(urls[0]!);
  return new (ioredis().Cluster)(
    urls.map((url) => {
      const parsed = new URL(url);
      return { host: parsed.hostname, port: Number(parsed.port || 6379) };
    }),
    {
      enableOfflineQueue: false,
      clusterRetryStrategy: (attempt) => reconnectDelayMs(attempt),
      slotsRefreshTimeout: connectTimeout,
      redisOptions: {
        ...common,
        username: first.username === '' ? undefined : decodeURIComponent(first.username),
        password: first.password === '' ? undefined : decodeURIComponent(first.password),
      },
    },
  );
}

/** Reconnect forever with capped exponential backoff: an outage must heal on its own. */
function reconnectDelayMs(attempt: number): number {
  return Math.min(50 * 2 ** Math.min(attempt, 10), 2000);
}

/** The client's master nodes (cluster) or the client itself (standalone), for SCAN and INFO. */
export function masterNodes(client: RedisClient): Redis[] {
  return client instanceof ioredis().Cluster ? client.nodes('master') : [client];
}

function splitUrls(url: string): string[] {
  return url
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => (part.includes('://') ? part : `redis://${part}`));
}

/** `host:port` only: user names and passwords never reach a message. */
function redactUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || 6379}`;
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`redis command timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs `shared` (a Redis command) when Redis is available, otherwise `local`, the in-process
 * answer. Any failure is answered by `local` too: one that opens the circuit (connection refused
 * or closed, repeated timeouts) sends the next callers straight to it; one that leaves the circuit
 * closed (one slow reply on a loaded machine, an error reply) is counted and answered locally, as
 * the budget ledger's fallback does — degrade, don't fail the call (it used to be rethrown and
 * surfaced as a 500).
 */
export async function preferRedis<T>(redis: RedisAvailability, shared: () => Promise<T>, local: () => T | Promise<T>): Promise<T> {
  if (redis.available || (await redis.admit())) {
    try {
      return await shared();
    } catch (error) {
      redis.failed(error);
    }
  }
  return local();
}
