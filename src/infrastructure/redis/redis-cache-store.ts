import { FortitudeError } from '../../core/errors.js';
import { capTtlMs } from '../cache/cache-store.js';
import type { CacheEntry, CacheLogger, CacheStore, CacheStoreStats } from '../cache/cache-store.js';
import { decodeValue, encodeValue } from './compression.js';
import type { CompressionAlgorithm } from './compression.js';
import type { HealthGate } from './health-gate.js';
import { ioredis } from './ioredis-module.js';
import { masterNodes, type RedisClient, type RedisConnection } from './redis-connection.js';

/**
 * The L2 level (the seed's `caching.levels.redis`). The connection (standalone or cluster) is the
 * process's one `RedisConnection`, passed in `RedisCacheDeps`.
 *
 * `maxSizeBytes` is not enforced here: eviction is Redis's job (`maxmemory` with an
 * `allkeys-lru` policy, see `deploy/`); the store reports `used_memory`/`maxmemory` in stats.
 */
export interface RedisCacheOptions {
  /** Longest TTL this level keeps an entry, seconds (0 = no cap). */
  ttlSeconds: number;
  /** Reported bound when Redis's `maxmemory` is not set. */
  maxSizeBytes?: number;
  compression?: boolean | CompressionAlgorithm;
  /** Values at least this many bytes are compressed (when `compression` is on). Default 1 KiB. */
  compressionThresholdBytes?: number;
  /** Prepended to every key, e.g. `fortitude:cache:`; SCAN-based `clear` stays inside it. */
  keyPrefix?: string;
  /** A command slower than this is abandoned and counted as a miss, ms. Default 50. */
  commandTimeoutMs?: number;
}

export interface RedisCacheDeps {
  logger?: CacheLogger;
  /**
   * The process's shared connection and its circuit (one client for every Redis-backed store):
   * the circuit is this level's health. Its owner closes it.
   */
  connection: RedisConnection;
}

class CommandTimeoutError extends Error {
  constructor(ms: number) {
    super(`redis command timed out after ${ms} ms`);
    this.name = 'CommandTimeoutError';
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CommandTimeoutError(ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (character) => `\\${character}`);
}

function infoField(info: string, field: string): string | undefined {
  const match = new RegExp(`^${field}:(.*)$`, 'm').exec(info);
  return match?.[1]?.trim();
}

export class RedisCacheStore implements CacheStore {
  readonly level = 'redis' as const;
  readonly client: RedisClient;
  readonly #options: RedisCacheOptions;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #gate: HealthGate;
  readonly #logger: CacheLogger | undefined;
  #hits = 0;
  #misses = 0;
  #sets = 0;
  #deletes = 0;
  #errors = 0;
  #timeouts = 0;
  #replyErrors = 0;
  #skipped = 0;
  #compressedWrites = 0;

  constructor(options: RedisCacheOptions, deps: RedisCacheDeps) {
    this.#options = options;
    this.#prefix = options.keyPrefix ?? 'fortitude:cache:';
    this.#timeoutMs = options.commandTimeoutMs ?? 50;
    this.#logger = deps.logger;
    this.client = deps.connection.client;
    this.#gate = deps.connection.gate;
  }

  get healthy(): boolean {
    return this.#gate.healthy;
  }

  /** Runs one command under the health gate and the timeout; a failure becomes `undefined`. */
  async #run<T>(command: () => Promise<T>): Promise<T | undefined> {
    if (!(await this.#gate.admit())) {
      this.#skipped++;
      return undefined;
    }
    try {
      return await withTimeout(command(), this.#timeoutMs);
    } catch (error) {
      this.#errors++;
      if (error instanceof ioredis().ReplyError) {
        // Redis answered with an error (e.g. OOM under `maxmemory-policy noeviction`): the
        // server is up, so the level stays healthy; say so once, it is a configuration issue.
        if (this.#replyErrors++ === 0) {
          this.#logger?.warn({ cacheLevel: 'redis', error: (error as Error).message }, 'redis cache level rejected a command; check maxmemory-policy (allkeys-lru)');
        }
        return undefined;
      }
      if (error instanceof CommandTimeoutError) {
        // A read slower than this level's budget is only a miss; the connection's own command
        // timeout decides when Redis as a whole counts as down.
        this.#timeouts++;
        return undefined;
      }
      this.#gate.markUnhealthy(error);
      return undefined;
    }
  }

  async get(key: string): Promise<string | undefined> {
    const buffer = await this.#run(() => this.client.getBuffer(this.#prefix + key));
    return this.#decodeHit(buffer);
  }

  async getEntry(key: string): Promise<CacheEntry | undefined> {
    const fullKey = this.#prefix + key;
    const replies = await this.#run(() => this.client.pipeline().getBuffer(fullKey).pttl(fullKey).exec());
    const [getReply, ttlReply] = replies ?? [];
    if (getReply?.[0] || ttlReply?.[0]) {
      this.#errors++;
      this.#misses++;
      return undefined;
    }
    const value = await this.#decodeHit((getReply?.[1] as Buffer | null | undefined) ?? undefined);
    if (value === undefined) return undefined;
    const pttl = Number(ttlReply?.[1]);
    const remaining = pttl > 0 ? pttl : capTtlMs(Infinity, this.#options.ttlSeconds);
    return { value, expiresAt: Date.now() + remaining };
  }

  async #decodeHit(buffer: Buffer | null | undefined): Promise<string | undefined> {
    if (buffer === null || buffer === undefined || buffer.length === 0) {
      this.#misses++;
      return undefined;
    }
    try {
      const value = await decodeValue(buffer);
      this.#hits++;
      return value;
    } catch {
      // A value this store cannot read (foreign writer, corruption) is a miss, never an error.
      this.#errors++;
      this.#misses++;
      return undefined;
    }
  }

  async set(key: string, value: string, ttlMs: number): Promise<boolean> {
    const ttl = capTtlMs(ttlMs, this.#options.ttlSeconds);
    if (ttl <= 0) return false;
    const { buffer, compressed } = await encodeValue(value, {
      compression: this.#options.compression ?? false,
      thresholdBytes: this.#options.compressionThresholdBytes ?? 1024,
    });
    const reply = await this.#run(() => this.client.set(this.#prefix + key, buffer, 'PX', ttl));
    if (reply !== 'OK') return false;
    this.#sets++;
    if (compressed) this.#compressedWrites++;
    return true;
  }

  async delete(key: string): Promise<void> {
    const removed = await this.#run(() => this.client.unlink(this.#prefix + key));
    if (removed) this.#deletes++;
  }

  async has(key: string): Promise<boolean> {
    return (await this.#run(() => this.client.exists(this.#prefix + key))) === 1;
  }

  /** SCANs every master for the prefix and UNLINKs what it finds; rejects if Redis is unreachable. */
  async clear(namespace = ''): Promise<void> {
    const match = `${globEscape(this.#prefix + namespace)}*`;
    try {
      for (const node of masterNodes(this.client)) {
        let cursor = '0';
        do {
          const [next, keys] = await withTimeout(node.scan(cursor, 'MATCH', match, 'COUNT', 1000), 5000);
          cursor = next;
          if (keys.length > 0) {
            const pipeline = node.pipeline();
            for (const key of keys) pipeline.unlink(key);
            await withTimeout(pipeline.exec(), 5000);
          }
        } while (cursor !== '0');
      }
    } catch (error) {
      this.#gate.markUnhealthy(error);
      throw new FortitudeError('storage_error', 'could not clear the redis cache level', { cause: error, retryable: true });
    }
  }

  async stats(): Promise<CacheStoreStats> {
    const extra: Record<string, number | string | boolean> = {
      mode: this.client instanceof ioredis().Cluster ? 'cluster' : 'standalone',
      timeouts: this.#timeouts,
      replyErrors: this.#replyErrors,
      skippedWhileUnhealthy: this.#skipped,
      outages: this.#gate.outages,
      compressedWrites: this.#compressedWrites,
    };
    let usedBytes: number | undefined;
    let maxBytes = this.#options.maxSizeBytes;
    if (this.#gate.healthy) {
      try {
        const infos = await Promise.all(masterNodes(this.client).map((node) => withTimeout(node.info('memory'), 1000)));
        usedBytes = infos.reduce((sum, info) => sum + Number(infoField(info, 'used_memory') ?? 0), 0);
        const maxmemory = infos.reduce((sum, info) => sum + Number(infoField(info, 'maxmemory') ?? 0), 0);
        if (maxmemory > 0) maxBytes = maxmemory;
        extra.maxmemoryPolicy = infoField(infos[0] ?? '', 'maxmemory_policy') ?? 'unknown';
      } catch {
        // Stats are best effort; the counters above are still worth returning.
      }
    }
    const stats: CacheStoreStats = {
      level: this.level,
      healthy: this.#gate.healthy,
      hits: this.#hits,
      misses: this.#misses,
      sets: this.#sets,
      deletes: this.#deletes,
      evictions: 0,
      errors: this.#errors,
      extra,
    };
    if (usedBytes !== undefined) stats.usedBytes = usedBytes;
    if (maxBytes !== undefined) stats.maxBytes = maxBytes;
    return stats;
  }

  /** Nothing of its own to close: the connection belongs to whoever opened it. */
  async close(): Promise<void> {}
}

export function createRedisCacheStore(options: RedisCacheOptions, deps: RedisCacheDeps): RedisCacheStore {
  return new RedisCacheStore(options, deps);
}
