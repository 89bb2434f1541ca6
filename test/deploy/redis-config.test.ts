import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { DEPLOY_DIR, findObject, KUBERNETES_DIR, readManifests } from './manifest-files.js';

/**
 * Loads each Redis configuration into a real redis-server: Redis refuses to start on an unknown
 * directive or a bad value, so a clean start is the validation. The server listens on a unix
 * socket only (`--port 0`), in a temporary directory, and is stopped by its pid.
 */

const hasRedisServer = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
const DEFRAG_UNSUPPORTED = 'Active defragmentation cannot be enabled';
const directories: string[] = [];

afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

interface Started {
  output: string;
  /** Lines the test had to change to start it on this machine's redis-server build. */
  adapted: string[];
  config: Record<string, string>;
}

function run(configText: string, directory: string): Promise<{ ready: boolean; output: string; config: Record<string, string> }> {
  const file = join(directory, 'redis.conf');
  const socket = join(directory, 'redis.sock');
  writeFileSync(file, configText);
  const child = spawn('redis-server', [file, '--port', '0', '--unixsocket', socket, '--dir', directory], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let connecting = false;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not start within 10 s:\n${output}`));
    }, 10_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (connecting || !output.includes('ready to accept connections')) return;
      connecting = true;
      clearTimeout(timer);
      const client = new Redis({ path: socket, lazyConnect: true, maxRetriesPerRequest: 1 });
      const names = ['maxmemory', 'maxmemory-policy', 'save', 'io-threads', 'timeout', 'lazyfree-lazy-eviction', 'appendonly'];
      client
        .connect()
        .then(() => Promise.all(names.map((name) => client.config('GET', name) as Promise<string[]>)))
        .then((replies) => {
          const config = Object.fromEntries(replies.map((reply) => [reply[0]!, reply[1]!]));
          client.disconnect();
          child.once('exit', () => resolve({ ready: true, output, config }));
          child.kill('SIGTERM');
        })
        .catch((error: unknown) => {
          client.disconnect();
          child.kill('SIGKILL');
          reject(error instanceof Error ? error : new Error(String(error)));
        });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', () => {
      if (connecting) return;
      clearTimeout(timer);
      resolve({ ready: false, output, config: {} });
    });
  });
}

/** Starts redis-server on `configText`; `dir` and (where unsupported) `activedefrag` are adapted. */
async function start(configText: string): Promise<Started> {
  const directory = mkdtempSync(join(tmpdir(), 'fortitude-redis-conf-'));
  directories.push(directory);
  const adapted: string[] = [];
  // `dir` must exist when the line is read; point it at the scratch directory.
  let text = configText.replace(/^dir .*$/m, (line) => {
    adapted.push(line);
    return `dir ${directory}`;
  });
  let result = await run(text, directory);
  if (!result.ready && result.output.includes(DEFRAG_UNSUPPORTED)) {
    // Distribution builds (Debian's) link the system jemalloc and cannot defragment.
    adapted.push('activedefrag yes');
    text = text.replace(/^activedefrag yes$/m, 'activedefrag no');
    result = await run(text, directory);
  }
  if (!result.ready) throw new Error(`redis-server refused the configuration:\n${result.output}`);
  return { output: result.output, adapted, config: result.config };
}

describe.skipIf(!hasRedisServer)('Redis configuration files load into redis-server', () => {
  it('deploy/redis/redis.conf (the seed’s redis-performance.conf)', async () => {
    const started = await start(readFileSync(join(DEPLOY_DIR, 'redis', 'redis.conf'), 'utf8'));
    // Starts as shipped, on every build (Debian's 7.0 refuses `activedefrag yes`).
    expect(started.adapted).toEqual([]);
    expect(started.config).toMatchObject({
      maxmemory: String(8 * 1024 ** 3),
      'maxmemory-policy': 'allkeys-lru',
      save: '3600 1 1800 10 300 100',
      'io-threads': '4',
      timeout: '0',
      'lazyfree-lazy-eviction': 'yes',
      appendonly: 'no',
    });
  });

  it('the redis-optimization-config ConfigMap’s redis.conf', async () => {
    const manifests = readManifests([join(KUBERNETES_DIR, 'base', 'configmap-redis.yaml')]);
    const configMap = findObject(manifests, 'ConfigMap', 'redis-optimization-config');
    const started = await start(configMap.data?.['redis.conf'] ?? '');
    expect(started.adapted).toEqual(['dir /data']);
    expect(started.config).toMatchObject({ maxmemory: String(4 * 1024 ** 3), 'maxmemory-policy': 'allkeys-lru', save: '3600 1', 'io-threads': '4' });
  });

  it('refuses a broken file (the check can fail)', async () => {
    await expect(start('maxmemory-policy allkeys-lrux\n')).rejects.toThrow(/refused the configuration/);
  });
});
