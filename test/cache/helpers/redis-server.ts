import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Private redis-server processes for tests that must stop, pause or cluster Redis without
 * disturbing the shared server on 6379 that other suites use.
 */

export function redisServerAvailable(): boolean {
  const result = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return result.status === 0;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port that is free, and (for cluster nodes) whose bus port +10000 is free too. */
export async function freePort(withBusPort = false): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 25_000);
    if ((await portFree(port)) && (!withBusPort || (await portFree(port + 10_000)))) return port;
  }
  throw new Error('no free port found');
}

/** Sends one inline command over a raw socket; resolves the first reply line or undefined. */
export function rawCommand(port: number, command: string, timeoutMs = 500): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(undefined);
    }, timeoutMs);
    let received = '';
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      if (received.includes('\r\n')) {
        clearTimeout(timer);
        socket.destroy();
        resolve(received.split('\r\n')[0]);
      }
    });
    socket.on('error', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
}

export async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs = 10_000, stepMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

export interface RedisProcess {
  port: number;
  directory: string;
  /** Stops the server and waits for it to exit. */
  stop(): Promise<void>;
}

export async function startRedisServer(port: number, extraArgs: string[] = []): Promise<RedisProcess> {
  const directory = mkdtempSync(join(tmpdir(), `fortitude-redis-${port}-`));
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', directory, ...extraArgs],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // With `--requirepass` the server is up once it refuses an unauthenticated PING.
  await waitFor(async () => {
    const reply = await rawCommand(port, 'PING');
    return reply === '+PONG' || reply?.startsWith('-NOAUTH') === true;
  });
  return {
    port,
    directory,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export interface RedisCluster {
  ports: number[];
  stop(): Promise<void>;
}

/** Three masters, no replicas, slots assigned with `redis-cli --cluster create`. */
export async function startRedisCluster(size = 3): Promise<RedisCluster> {
  const nodes: RedisProcess[] = [];
  try {
    for (let index = 0; index < size; index++) {
      const port = await freePort(true);
      nodes.push(await startRedisServer(port, ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000']));
    }
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8', timeout: 20_000 });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    await waitFor(async () => {
      const states = await Promise.all(nodes.map((node) => clusterState(node.port)));
      return states.every((state) => state === 'ok');
    }, 15_000, 100);
  } catch (error) {
    await Promise.all(nodes.map((node) => node.stop()));
    throw error;
  }
  return {
    ports: nodes.map((node) => node.port),
    stop: async () => {
      await Promise.all(nodes.map((node) => node.stop()));
    },
  };
}

async function clusterState(port: number): Promise<string | undefined> {
  const result = spawnSync('redis-cli', ['-p', String(port), 'cluster', 'info'], { encoding: 'utf8', timeout: 2000 });
  return /cluster_state:(\w+)/.exec(result.stdout ?? '')?.[1];
}
