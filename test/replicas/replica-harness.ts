/**
 * Starts N `fortitude serve` processes on one PostgreSQL database (created for the run, dropped
 * after) and one Redis key prefix, behind the loopback round-robin balancer. Used by the
 * two-replica test and `bench/replicas.ts`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { RoundRobinBalancer } from '../support/round-robin-balancer.js';
import { connectRedis, deleteKeys, REDIS_URL } from '../support/redis-helpers.js';
import { FORTITUDE_NODE_ARGS } from '../support/fortitude-entry.js';

export const POSTGRES_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface ReplicaSetOptions {
  replicas: number;
  /** Share state through PostgreSQL and Redis (default true); false = embedded SQLite, no Redis (one replica only). */
  shared?: boolean;
  /** `fortitude.yaml` for every replica. */
  configYaml?: string;
  env?: Record<string, string>;
  /** Start the replicas one after the other instead of at once (default false). */
  sequential?: boolean;
  /** Redis to share (default `REDIS_URL`, the test server); the bench uses a private one. */
  redisUrl?: string;
}

export interface Replica {
  readonly index: number;
  readonly url: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  /** `performance.now()` when this process saw the replica exit (0 while running). */
  exitedAt(): number;
  logs(): string;
}

export interface ReplicaSet {
  readonly replicas: Replica[];
  readonly balancer: RoundRobinBalancer;
  /** The balancer's URL. */
  readonly url: string;
  readonly databaseUrl: string | undefined;
  /** `redis.key_prefix` without the trailing colon. */
  readonly keyPrefix: string;
  /** Connections for assertions (undefined when not shared): Redis, and the replicas' database. */
  readonly redis: Redis | undefined;
  readonly postgres: pg.Client | undefined;
  /** SIGKILLs every replica still running, closes the balancer, drops the database and the Redis keys. */
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForReady(url: string, child: ChildProcess, logs: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`replica exited (${child.exitCode ?? child.signalCode}):\n${logs().slice(-4_000)}`);
    try {
      if ((await fetch(`${url}/api/health/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`replica at ${url} not ready in ${timeoutMs} ms:\n${logs().slice(-4_000)}`);
}

export async function startReplicaSet(options: ReplicaSetOptions): Promise<ReplicaSet> {
  const shared = options.shared ?? true;
  const redisUrl = options.redisUrl ?? REDIS_URL;
  const runId = randomBytes(5).toString('hex');
  const keyPrefix = `fortitude-replicas-${runId}`;
  const directory = mkdtempSync(join(tmpdir(), 'fortitude-replicas-'));
  const replicas: Replica[] = [];
  let balancer: RoundRobinBalancer | undefined;
  let redis: Redis | undefined;
  let scratch: ScratchDatabase | undefined;
  let postgres: pg.Client | undefined;

  const close = async () => {
    await Promise.all(
      replicas.map(async (replica) => {
        if (replica.child.exitCode === null && replica.child.signalCode === null) replica.child.kill('SIGKILL');
        await replica.exited;
      }),
    );
    await balancer?.close().catch(() => undefined);
    if (redis) {
      await deleteKeys(redis, `*${keyPrefix}*`).catch(() => undefined);
      await redis.quit().catch(() => undefined);
    }
    await postgres?.end().catch(() => undefined);
    await scratch?.drop().catch(() => undefined);
    rmSync(directory, { recursive: true, force: true });
  };

  try {
    let databaseUrl: string | undefined;
    if (shared) {
      scratch = await createScratchDatabase(runId);
      databaseUrl = scratch.url;
      postgres = new pg.Client({ connectionString: databaseUrl });
      await postgres.connect();
      redis = connectRedis(redisUrl);
    }
    const configPath = join(directory, 'fortitude.yaml');
    writeFileSync(configPath, options.configYaml ?? '');

    const start = async (index: number): Promise<Replica> => {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const home = join(directory, `replica-${index}`);
      let output = '';
      const child = spawn(process.execPath, [...FORTITUDE_NODE_ARGS, 'serve', '--port', String(port), '--workers', '1'], {
        cwd: directory,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: home,
          FORTITUDE_CONFIG: configPath,
          FORTITUDE_DATA_DIR: home,
          FORTITUDE_RESEARCH__REFERENCE_LIBRARY_DIR: join(home, 'library'),
          FORTITUDE_LOG_LEVEL: 'warn',
          // One process per replica, so a SIGKILL is the whole replica's death (no forked worker).
          FORTITUDE_SERVER__RUNTIME__YOUNG_GENERATION_MB: '0',
          FORTITUDE_SERVER__RUNTIME__HEAP_GROWTH_PERCENT: '0',
          FORTITUDE_SERVER__RUNTIME__SINGLE_THREADED_GC: 'false',
          FORTITUDE_SERVER__RUNTIME__MALLOC_THRESHOLD_KB: '0',
          // These tests are about what replicas share, not Redis latency: under a loaded CI machine a
          // 50 ms command can time out, and the cache then (correctly) degrades to a miss.
          FORTITUDE_CACHING__LEVELS__REDIS__COMMAND_TIMEOUT_MS: '2000',
          ...(shared ? { DATABASE_URL: databaseUrl!, REDIS_URL: redisUrl, FORTITUDE_REDIS__KEY_PREFIX: `'${keyPrefix}:'` } : {}),
          ...options.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-100_000)));
      child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-100_000)));
      let exitedAt = 0;
      const exited = new Promise<number | null>((resolve) =>
        child.once('exit', (code) => {
          exitedAt = performance.now();
          resolve(code);
        }),
      );
      const replica: Replica = { index, url, child, exited, exitedAt: () => exitedAt, logs: () => output };
      replicas.push(replica);
      await waitForReady(url, child, () => output);
      return replica;
    };
    if (options.sequential) for (let index = 0; index < options.replicas; index++) await start(index);
    else await Promise.all(Array.from({ length: options.replicas }, (_, index) => start(index)));
    replicas.sort((a, b) => a.index - b.index);

    balancer = new RoundRobinBalancer({ backends: replicas.map((replica) => replica.url), ejectMs: 1_000 });
    const { url } = await balancer.listen();
    return { replicas, balancer, url, databaseUrl, keyPrefix, redis, postgres, close };
  } catch (error) {
    await close();
    throw error;
  }
}

export interface ScratchDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/** A fresh PostgreSQL database `fortitude_replicas_<id>` (the config has no schema option), dropped by `drop()`. */
export async function createScratchDatabase(id = randomBytes(5).toString('hex')): Promise<ScratchDatabase> {
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  const name = `fortitude_replicas_${id}`;
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } catch (error) {
    await admin.end();
    throw error;
  }
  return {
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
