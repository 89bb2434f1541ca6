/**
 * Issue 17 (RSS of the serve tree): the shipped entry point (`dist/main.js` run as the `fortitude`
 * executable, and `npm start`) starts node with `server.runtime`'s default memory flags and
 * allocator settings, so `serve --workers 1` needs no cluster primary to apply them: one process.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/app/config/load-config.js';
import { runtimeEnvironment, runtimeNodeFlags } from '../../src/app/config/runtime-flags.js';
import { MAIN_BUILT, MAIN_SOURCE } from '../support/fortitude-entry.js';
import { childEnv } from '../observability/spawn-server.js';

/** `#!/usr/bin/env -S NAME=value… node --flag…` → its environment and node flags. */
function shebangOf(path: string): { env: Record<string, string>; flags: string[] } {
  const line = readFileSync(path, 'utf8').split('\n', 1)[0]!;
  const words = line.replace(/^#!\/usr\/bin\/env -S /, '').split(/\s+/);
  const node = words.indexOf('node');
  expect(node, line).toBeGreaterThanOrEqual(0);
  return { env: Object.fromEntries(words.slice(0, node).map((word) => word.split('=') as [string, string])), flags: words.slice(node + 1) };
}

describe('the shipped entry point runs one worker as one process', () => {
  const runtime = parseConfigText('').server.runtime;

  it("carries exactly the default server.runtime's memory flags and allocator environment", () => {
    const shebang = shebangOf(MAIN_SOURCE);
    // Several cores (no single-threaded GC: for one worker it does not justify a second process).
    expect(shebang.flags).toEqual(runtimeNodeFlags(runtime, { workers: 1, cores: 4 }));
    expect(shebang.env).toEqual(runtimeEnvironment(runtime));
    expect(shebangOf(MAIN_BUILT)).toEqual(shebang);
    const scripts = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toBe('exec ./dist/main.js serve');
  });

  it('`dist/main.js serve --workers 1` forks nothing, and its process has the flags and environment', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'fortitude-single-'));
    const child = await startServe(cwd);
    try {
      const pid = child.pid!;
      // No cluster worker under it (the provider simulator runs in-process on loopback).
      expect(childrenOf(pid)).toEqual([]);
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      for (const flag of runtimeNodeFlags(runtime, { workers: 1, cores: 4 })) expect(cmdline).toContain(flag);
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      for (const [name, value] of Object.entries(runtimeEnvironment(runtime))) expect(environ).toContain(`${name}=${value}`);
    } finally {
      child.kill('SIGTERM');
    }
  }, 90_000);

  it('a setting the #! line contradicts is applied: serve forks its worker with the later, winning flag', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'fortitude-single-'));
    writeFileSync(join(cwd, 'fortitude.yaml'), 'server:\n  runtime:\n    young_generation_mb: 0\n    allocation_site_pretenuring: true\n');
    const child = await startServe(cwd);
    try {
      const workers = childrenOf(child.pid!);
      expect(workers).toHaveLength(1);
      const cmdline = readFileSync(`/proc/${workers[0]}/cmdline`, 'utf8').split('\0');
      // V8 takes the last of two values of one flag: the configured one comes after the #! line's.
      expect(cmdline.lastIndexOf('--allocation-site-pretenuring')).toBeGreaterThan(cmdline.indexOf('--no-allocation-site-pretenuring'));
      expect(cmdline.lastIndexOf('--max-semi-space-size=0')).toBeGreaterThan(cmdline.indexOf('--max-semi-space-size=8'));
    } finally {
      child.kill('SIGTERM');
    }
  }, 90_000);
});

describe("serve lowers its background threads' priority (server.runtime.background_thread_nice)", () => {
  it.runIf(process.platform === 'linux')("V8's threads and the SQLite writer run at the nice value; the serving thread and libuv's pool keep theirs", async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'fortitude-nice-'));
    const child = await startServe(cwd);
    try {
      const pid = child.pid!;
      const before = threadNice(pid);
      expect(before.get(pid)).toBe(0);
      const lowered = [...before].filter(([, nice]) => nice === 10).map(([thread]) => thread);
      // V8's platform workers (4 by default) and node's other threads started before libuv's pool.
      expect(lowered.length).toBeGreaterThanOrEqual(4);
      // The serving thread and libuv's pool (4 threads): a file read or a DNS lookup a request waits for is not deprioritised.
      expect([...before.values()].filter((nice) => nice === 0).length).toBeGreaterThanOrEqual(5);
      expect(Math.max(...lowered)).toBeLessThan(Math.min(...[...before].filter(([thread, nice]) => nice === 0 && thread !== pid).map(([thread]) => thread)));

      // One answered request: its record is written by the SQLite writer thread, started then, at the same nice value.
      const url = listeningUrl(child);
      const response = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'What is a mutex?' }] }) });
      expect(response.status).toBe(200);
      await response.text();
      // The thread shows in /proc as soon as it exists, and lowers itself once its script runs: wait for both.
      const startedThreads = (now: Map<number, number>): number[] => [...now.keys()].filter((thread) => !before.has(thread));
      let after = threadNice(pid);
      for (let waited = 0; waited < 10_000 && !(startedThreads(after).length > 0 && startedThreads(after).every((thread) => after.get(thread) === 10)); waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        after = threadNice(pid);
      }
      const started = startedThreads(after);
      expect(started).toHaveLength(1);
      expect(after.get(started[0]!)).toBe(10);
    } finally {
      child.kill('SIGTERM');
    }
  }, 90_000);

  it.runIf(process.platform === 'linux')('0 leaves every thread at the process priority', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'fortitude-nice-'));
    writeFileSync(join(cwd, 'fortitude.yaml'), 'server:\n  runtime:\n    background_thread_nice: 0\n');
    const child = await startServe(cwd);
    try {
      expect(new Set(threadNice(child.pid!).values())).toEqual(new Set([0]));
    } finally {
      child.kill('SIGTERM');
    }
  }, 90_000);
});

/** Each thread of `pid` with its nice value (/proc/PID/task/TID/stat, field 19). */
function threadNice(pid: number): Map<number, number> {
  const threads = new Map<number, number>();
  for (const thread of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${thread}/stat`, 'utf8');
      threads.set(Number(thread), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // the thread ended meanwhile
    }
  }
  return threads;
}

const urls = new WeakMap<ChildProcess, string>();

/** The URL `startServe`'s child said it listens on. */
function listeningUrl(child: ChildProcess): string {
  const url = urls.get(child);
  if (url === undefined) throw new Error('not started by startServe');
  return url;
}

/** The shipped executable serving on a free loopback port from `cwd`, once it says it listens. */
async function startServe(cwd: string): Promise<ChildProcess> {
  const child = spawn(MAIN_BUILT, ['serve', '--host', '127.0.0.1', '--port', '0', '--workers', '1'], { cwd, env: childEnv(cwd), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not listening in 60 s:\n${output}`)), 60_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const listening = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (listening) {
          urls.set(child, listening[1]!);
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
      child.once('error', (error) => reject(new Error(`${MAIN_BUILT} did not start (${error.message}); \`npm run build\` writes it`)));
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return child;
}

/** Process ids whose parent is `pid`. */
function childrenOf(pid: number): string[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}
