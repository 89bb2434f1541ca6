import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FORTITUDE_NODE_ARGS } from '../support/fortitude-entry.js';

export interface SpawnedServer {
  url: string;
  cwd: string;
  child: ChildProcess;
  /** Everything the server logged so far. */
  output(): string;
  close(): Promise<void>;
}

/** Environment for a child `fortitude` in `cwd`: embedded defaults, simulated providers. */
export function childEnv(cwd: string, env: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: cwd, FORTITUDE_SIMULATOR__LATENCY_MS: '5', ...env };
}

/** Runs `fortitude <args>` to completion (for setup such as creating a key). */
export function runFortitude(cwd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...FORTITUDE_NODE_ARGS, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: childEnv(cwd, env) }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

/**
 * `fortitude serve` as a real process on a free loopback port, one worker unless `workers` says
 * otherwise, in its own directory (its SQLite files and exported library stay there). Resolves
 * when it logs its URL (with several workers: once every worker listens).
 */
export async function spawnServer(options: { cwd?: string; env?: Record<string, string>; workers?: number } = {}): Promise<SpawnedServer> {
  const workers = options.workers ?? 1;
  const cwd = options.cwd ?? mkdtempSync(join(tmpdir(), 'fortitude-observability-'));
  const child = spawn(process.execPath, [...FORTITUDE_NODE_ARGS, 'serve', '--host', '127.0.0.1', '--port', '0', '--workers', String(workers)], {
    cwd,
    env: childEnv(cwd, options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not left running (with its workers) when the test gives up on it.
      child.kill('SIGKILL');
      reject(new Error(`server did not start within 60 s:\n${output}`));
    }, 60_000);
    const check = () => {
      const matches = [...output.matchAll(/(?:Fortitude|worker \d+) listening on (http:\/\/127\.0\.0\.1:\d+)/g)];
      const match = matches.length >= workers ? matches[0] : undefined;
      if (match) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    cwd,
    child,
    output: () => output,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/**
 * `fortitude serve` in a new directory after `keys create --scopes admin` there: the server and
 * the admin key (profiles need one even on loopback, issue 14.4).
 */
export async function spawnServerWithAdminKey(env: Record<string, string> = {}): Promise<{ server: SpawnedServer; adminKey: string }> {
  const cwd = mkdtempSync(join(tmpdir(), 'fortitude-observability-'));
  const created = await runFortitude(cwd, ['keys', 'create', '--name', 'ops', '--scopes', 'admin', '--json'], env);
  const adminKey = (JSON.parse(created.stdout) as { key: string }).key;
  return { server: await spawnServer({ cwd, env }), adminKey };
}

/** Research requests that skip the cache (so they reach providers and storage), one after another until stopped. */
export function startTraffic(url: string, query: (count: number) => string): { stop: () => Promise<void> } {
  let running = true;
  let count = 0;
  const loop = (async () => {
    while (running) {
      count += 1;
      await fetch(`${url}/api/research`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: query(count), cache: { bypass: true } }) })
        .then((response) => response.arrayBuffer())
        .catch(() => undefined);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** Research requests (repeats are answered from cache). */
export async function sendResearch(url: string, queries: string[], headers: Record<string, string> = {}): Promise<void> {
  for (const query of queries) {
    const response = await fetch(`${url}/api/research`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
    if (!response.ok) throw new Error(`research failed: ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
  }
}

/** Prometheus text → samples (name, labels, value). */
export function parsePrometheus(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

export function sumOf(samples: ReturnType<typeof parsePrometheus>, name: string, filter: (labels: Record<string, string>) => boolean = () => true): number {
  return samples.filter((sample) => sample.name === name && filter(sample.labels)).reduce((total, sample) => total + sample.value, 0);
}
