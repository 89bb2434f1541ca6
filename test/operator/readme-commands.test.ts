/**
 * What a new user does on the first day, as a test: a fresh `git clone` of this repository into a
 * temporary directory, the install, then every command of the README's ```bash blocks exactly as
 * written (each line through `sh -c`), a start on a port that is taken, and SIGTERM to `npm start`.
 *
 * The install: `npm ci` takes minutes (it compiles better-sqlite3 and hnswlib-node), so the clone
 * gets a symlink to this checkout's node_modules (the same package-lock.json, so the same tree
 * `npm ci` would build), then dist/ as `npm ci`'s prepare script makes it: copied from this
 * checkout when this checkout's dist/ is newer than its sources and src/ has no uncommitted
 * change (CI builds before it tests), otherwise built in the clone by the prepare script itself.
 *
 * Every process is started in the clone, so "nothing left running" is checked as "no process has
 * its working directory in the clone" (Linux /proc) and "the port is free again".
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = realpathSync(new URL('../..', import.meta.url).pathname);
const BLOCK = /```bash\n([\s\S]*?)```/g;

/** README lines this file runs in its own way, and why. Any other line must exit 0. */
const SPECIAL: Record<string, string> = {
  'npm ci': 'the install step of beforeAll (see the header)',
  'npm test': 'the suite that runs this file',
  'npm start': 'its own test below: SIGTERM to the npm process stops the server',
};

/** README commands that keep running: how to tell each is up. */
const LONG_RUNNING: Array<{ match: RegExp; ready: 'health' | 'stdout-url' | 'mcp-initialize' }> = [
  { match: /^npx fortitude serve\b/, ready: 'health' },
  { match: /^npx fortitude simulate\b/, ready: 'stdout-url' },
  { match: /^npx fortitude mcp\b/, ready: 'mcp-initialize' },
];

let home: string;
let clone: string;
let port: number;
let env: NodeJS.ProcessEnv;

function readmeCommands(readme: string): string[] {
  const lines: string[] = [];
  for (const [, body] of readme.matchAll(BLOCK)) {
    for (const line of body!.split('\n')) if (line.trim() !== '') lines.push(line);
  }
  return lines;
}

/** The command part of a README line (what `sh` runs before the comment). */
function commandOf(line: string): string {
  return line.replace(/\s+#.*$/, '').trim();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port: free } = server.address() as { port: number };
      server.close(() => resolve(free));
    });
  });
}

/** Processes whose working directory is in the clone (everything a README command started). */
function processesInClone(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (cwd === clone || cwd.startsWith(`${clone}/`)) found.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')}`);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, output: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what} within ${timeoutMs / 1000} s (load average ${loadavg().map((load) => load.toFixed(1)).join(' ')}); output:\n${output()}`);
}

async function healthy(): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/api/health`);
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

async function portFree(): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/api/health`);
    return false;
  } catch {
    return true;
  }
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** How it ended, for failure messages: `exit 3 after 2.1 s`, `killed (SIGTERM) by the 90 s timeout after 90.0 s`. */
  ended: string;
}

function run(command: string, timeoutMs = 90_000): Promise<RunResult> {
  const began = Date.now();
  return new Promise((resolve) => {
    execFile('sh', ['-c', command], { cwd: clone, env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      const seconds = ((Date.now() - began) / 1000).toFixed(1);
      const ended = error?.killed
        ? `killed (${error.signal}) by the ${timeoutMs / 1000} s timeout after ${seconds} s`
        : code === null
          ? `no exit code (${error?.signal ?? error?.message}) after ${seconds} s`
          : `exit ${code} after ${seconds} s`;
      resolve({ code, stdout, stderr, ended });
    });
  });
}

/** A failure message: how the command ended and the end of what it printed. */
function describeRun(command: string, result: RunResult): string {
  const tail = (text: string) => text.trim().split('\n').slice(-8).join('\n    ');
  return `${command}: ${result.ended}\n  stderr:\n    ${tail(result.stderr)}\n  stdout:\n    ${tail(result.stdout)}`;
}

/**
 * A port free right now for the next server (and `env.FORTITUDE_PORT`). Chosen just before each
 * start rather than once in beforeAll: over the minutes this file runs, a port that was free at
 * the start can be taken by another test's or a benchmark's server on the same machine.
 */
async function takeFreshPort(): Promise<void> {
  port = await freePort();
  env.FORTITUDE_PORT = String(port);
}

/** Starts `sh -c command` in its own process group (so a signal to the group is Ctrl-C in a terminal). */
function start(command: string): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn('sh', ['-c', command], { cwd: clone, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function stopGroup(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  try {
    process.kill(-child.pid!, 'SIGINT');
  } catch {
    // already gone
  }
  const force = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 20_000);
  await exited;
  clearTimeout(force);
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'fortitude-first-day-'));
  clone = join(home, 'fortitude');
  execFileSync('git', ['clone', '--quiet', REPO, clone], { stdio: 'pipe' });
  symlinkSync(realpathSync(join(REPO, 'node_modules')), join(clone, 'node_modules'));
  const builtHere = existsSync(join(REPO, 'dist', 'main.js'));
  const sourcesChanged = execFileSync('git', ['status', '--porcelain', '--', 'src', 'tsconfig.json', 'tsconfig.build.json'], { cwd: REPO, encoding: 'utf8' }).trim() !== '';
  const fresh = builtHere && !sourcesChanged && execFileSync(process.execPath, [join(REPO, 'scripts', 'build-if-stale.mjs'), '--check'], { cwd: REPO, encoding: 'utf8' }).trim() === 'fresh';
  if (fresh) cpSync(join(REPO, 'dist'), join(clone, 'dist'), { recursive: true });
  else execFileSync(process.execPath, [join(clone, 'scripts', 'build-if-stale.mjs')], { cwd: clone, stdio: 'pipe' });
  expect(statSync(join(clone, 'dist', 'main.js')).mode & 0o111).not.toBe(0);
  port = await freePort();
  // A user's shell: no provider key (so the simulator answers), no shared database, a port of
  // its own (other test files run in parallel; the README's default 8080 may be taken).
  env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? home, FORTITUDE_PORT: String(port), CI: 'true' };
}, 240_000);

afterAll(async () => {
  if (!clone) return;
  for (const line of processesInClone()) {
    const pid = Number(line.split(' ')[0]);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  rmSync(home, { recursive: true, force: true });
});

describe('a fresh clone, as a new user sees it', () => {
  it('runs every README command as written', async () => {
    const lines = readmeCommands(readFileSync(join(clone, 'README.md'), 'utf8'));
    expect(lines.length).toBeGreaterThan(10);
    const failures: string[] = [];
    const timings: string[] = [];
    for (const line of lines) {
      const command = commandOf(line);
      if (SPECIAL[command]) continue;
      const long = LONG_RUNNING.find((entry) => entry.match.test(command));
      if (!long) {
        const result = await run(line);
        timings.push(`${command}: ${result.ended}`);
        if (result.code !== 0) failures.push(describeRun(line, result));
        continue;
      }
      await takeFreshPort();
      const began = Date.now();
      const started = start(line);
      try {
        if (long.ready === 'health') {
          await waitFor(`${command}: /api/health did not answer 200`, healthy, 90_000, started.output);
          // The address it prints leads to the dashboard.
          const root = await fetch(`http://127.0.0.1:${port}/`, { redirect: 'manual' });
          if (root.status !== 302 || root.headers.get('location') !== '/dashboard') failures.push(`${line}\n  GET / answered ${root.status} ${root.headers.get('location')}, not a redirect to /dashboard`);
          // Worker 1 prints the start line when it listens; /api/health may answer first from
          // worker 2 (seen once: only "worker 2 listening" had been printed at the first 200).
          const dashboardUrl = `http://127.0.0.1:${port}/dashboard`;
          await waitFor(`${command}: the start line does not print the dashboard URL`, () => started.output().includes(dashboardUrl), 30_000, () => started.output().slice(0, 2000));
        }
        if (long.ready === 'stdout-url') await waitFor(`${command}: printed no base URL`, () => /http:\/\/127\.0\.0\.1:\d+/.test(started.output()), 90_000, started.output);
        if (long.ready === 'mcp-initialize') {
          const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'readme-test', version: '1' } } };
          started.child.stdin!.write(`${JSON.stringify(initialize)}\n`);
          await waitFor(`${command}: no answer to initialize`, () => /"id":1[,}].*"result"|"result".*"id":1[,}]/.test(started.output()), 90_000, started.output);
        }
      } catch (error) {
        // The reason, then the end of what the command printed (where a start-up error is).
        const [reason, ...printed] = (error as Error).message.split('\n');
        failures.push(`${line}\n  ${[reason, ...printed.slice(-12)].join('\n  ')}`);
      } finally {
        timings.push(`${command}: ready or failed after ${((Date.now() - began) / 1000).toFixed(1)} s${long.ready === 'health' ? ` (port ${port})` : ''}`);
        await stopGroup(started.child, started.exited);
      }
      await waitFor(`${command}: processes left after Ctrl-C`, () => processesInClone().length === 0, 20_000, () => processesInClone().join('\n'));
    }
    console.log(`README commands:\n  ${timings.join('\n  ')}`);
    expect(failures, `${failures.length} README command(s) failed:\n\n${failures.join('\n\n')}`).toEqual([]);
  }, 600_000);

  it('serve on a port that is taken exits 2 with one line and leaves nothing running', async () => {
    await takeFreshPort();
    const blocker: Server = createServer();
    await new Promise<void>((resolve, reject) => {
      blocker.once('error', reject);
      blocker.listen(port, '127.0.0.1', resolve);
    });
    try {
      const began = Date.now();
      const command = 'node dist/main.js serve --workers 2';
      const result = await run(command, 60_000);
      const seconds = (Date.now() - began) / 1000;
      expect(result.code, describeRun(command, result)).toBe(2);
      expect(result.stderr.trim(), describeRun(command, result)).toBe(`port ${port} is in use — pick another with --port`);
      // Not a timing assertion on a shared machine: a start that hangs or restarts workers takes tens of seconds.
      expect(seconds, `${describeRun(command, result)}\n  load average ${loadavg().map((load) => load.toFixed(1)).join(' ')}`).toBeLessThan(20);
      expect(processesInClone(), 'processes left running in the clone').toEqual([]);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  }, 90_000);

  it('SIGTERM to the npm start process stops the server and its workers', async () => {
    await takeFreshPort();
    const npm = spawn('npm', ['start'], { cwd: clone, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    npm.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    npm.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    try {
      await waitFor('npm start: /api/health did not answer 200', healthy, 90_000, () => output);
      expect(processesInClone().some((line) => line.includes('dist/main.js serve')), `no \`dist/main.js serve\` among the processes in the clone:\n${processesInClone().join('\n')}\n${output}`).toBe(true);
      npm.kill('SIGTERM'); // the npm process only, as a process supervisor would
      await exited;
      await waitFor('the server stopped after npm did', () => processesInClone().length === 0, 20_000, () => `${processesInClone().join('\n')}\n${output}`);
      expect(await portFree(), `port ${port} still answers after npm start was stopped; output:\n${output}`).toBe(true);
    } finally {
      if (npm.exitCode === null) npm.kill('SIGKILL');
    }
  }, 150_000);
});
