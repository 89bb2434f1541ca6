/**
 * Spawns a benchmark server as its own process (pinned to a core with `taskset` when the
 * machine has one), waits for `READY <url>` on stdout, and reads its CPU time and RSS from
 * /proc/<pid>/stat so the measuring client's work is never counted.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BenchChild {
  name: string;
  url: string;
  pid: number;
  /** User + system CPU time of the process so far, µs (clock-tick resolution). */
  cpuMicros(): number;
  /** Resident set size now, bytes. */
  rssBytes(): number;
  stop(): Promise<void>;
}

const CLOCK_TICKS = clockTicks();
const PAGE_SIZE = pageSize();

export const HAS_TASKSET = spawnSync('taskset', ['-V']).status === 0;

/**
 * Starts `script` (a file name in this folder): from `compiledDir` as plain JS when given (what
 * `fortitude serve` runs from dist/), else through tsx.
 */
export function spawnChild(
  name: string,
  script: string,
  args: string[],
  core: number | undefined,
  compiledDir?: string,
  /** Node flags and environment for the process (e.g. what `server.runtime` gives a worker). */
  runtime: { nodeFlags: readonly string[]; env: Readonly<Record<string, string>> } = { nodeFlags: [], env: {} },
): Promise<BenchChild> {
  const nodeArgs = [
    ...runtime.nodeFlags,
    ...(compiledDir === undefined
      ? ['--import', 'tsx', fileURLToPath(new URL(script, import.meta.url)), ...args]
      : [join(compiledDir, 'bench', 'gateway', script.replace(/\.ts$/, '.js')), ...args]),
  ];
  const pinned = HAS_TASKSET && core !== undefined;
  const options = { stdio: ['pipe', 'pipe', 'inherit'] as ('pipe' | 'inherit')[], env: { ...process.env, ...runtime.env } };
  const child: ChildProcess = pinned
    ? spawn('taskset', ['-c', String(core), process.execPath, ...nodeArgs], options)
    : spawn(process.execPath, nodeArgs, options);
  return new Promise((resolve, reject) => {
    let output = '';
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${name} exited early (${code})`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /READY (\S+)/.exec(output);
      if (match === null) return;
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      // taskset execs node in place, so the pid is node's own.
      const pid = child.pid!;
      resolve({
        name,
        url: match[1]!,
        pid,
        cpuMicros: () => readStat(pid).cpuMicros,
        rssBytes: () => readStat(pid).rssBytes,
        stop: () =>
          new Promise<void>((done) => {
            child.removeAllListeners('exit');
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.stdin!.end();
            setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
          }),
      });
    });
  });
}

/** CPU time (user + system) and RSS of a process, from `/proc/<pid>/stat`. */
export function readStat(pid: number): { cpuMicros: number; rssBytes: number } {
  return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** CPU time (user + system) of one thread of a process, from `/proc/<pid>/task/<tid>/stat`; the main thread's `tid` is the pid. */
export function threadCpuMicros(pid: number, tid = pid): number {
  return parseStat(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')).cpuMicros;
}

function parseStat(stat: string): { cpuMicros: number; rssBytes: number } {
  // Fields after the command name (which may contain spaces) start at field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const rssPages = Number(fields[21]);
  return { cpuMicros: ((utime + stime) * 1e6) / CLOCK_TICKS, rssBytes: rssPages * PAGE_SIZE };
}

function clockTicks(): number {
  const result = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const value = Number(result.stdout?.trim());
  return Number.isFinite(value) && value > 0 ? value : 100;
}

function pageSize(): number {
  const result = spawnSync('getconf', ['PAGESIZE'], { encoding: 'utf8' });
  const value = Number(result.stdout?.trim());
  return Number.isFinite(value) && value > 0 ? value : 4096;
}

/** Pins this process (all its threads) to a core, so load generation stays off the server's. */
export function pinSelf(core: number): boolean {
  if (!HAS_TASKSET) return false;
  return spawnSync('taskset', ['-a', '-p', '-c', String(core), String(process.pid)], { stdio: 'ignore' }).status === 0;
}

/**
 * Compiles the three child entry points (and what they import) with tsc into `outDir`, so the
 * servers run as plain JS like the published package. Bare imports resolve to the repository's
 * node_modules because `outDir` lies inside the repository.
 */
export function compileChildren(outDir: string): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const here = fileURLToPath(new URL('.', import.meta.url));
  const root = join(here, '..', '..');
  const result = spawnSync(
    process.execPath,
    [
      tsc,
      '--ignoreConfig',
      '--outDir',
      outDir,
      '--rootDir',
      root,
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--skipLibCheck',
      '--types',
      'node',
      ...['upstream-child.ts', 'proxy-child.ts', 'fortitude-child.ts'].map((file) => join(here, file)),
    ],
    { encoding: 'utf8' },
  );
  // Type errors elsewhere in a work-in-progress tree do not stop tsc from emitting.
  if (result.status !== 0 && result.status !== 2) throw new Error(`tsc failed: ${result.stderr || result.stdout}`);
}

/** `root` and every process below it, from the parent pids in /proc. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(parent) ?? [];
    list.push(Number(entry));
    children.set(parent, list);
  }
  const tree = [root];
  for (let index = 0; index < tree.length; index++) tree.push(...(children.get(tree[index]!) ?? []));
  return tree;
}

/** CPU time and RSS summed over a process and all its descendants (primary + workers). */
export function readTreeStat(root: number): { cpuMicros: number; rssBytes: number } {
  let cpuMicros = 0;
  let rssBytes = 0;
  for (const pid of processTree(root)) {
    try {
      const stat = readStat(pid);
      cpuMicros += stat.cpuMicros;
      rssBytes += stat.rssBytes;
    } catch {
      // exited between the listing and the read
    }
  }
  return { cpuMicros, rssBytes };
}

/**
 * The real `fortitude serve --workers 1` from the built package (`dist/main.js`, `npm run
 * build`), in a scratch directory with one `openai_compatible` provider pointed at `upstreamUrl`
 * (rate limits high enough never to bind, everything else default), the whole process tree
 * pinned to `core`, started as the `fortitude` executable is. CPU and RSS are summed over the tree
 * (one process with the shipped entry point; primary + worker when node lacks serve's flags).
 */
export async function spawnRealServe(
  upstreamUrl: string,
  core: number | undefined,
  extraArgs: readonly string[] = [],
  env: Readonly<Record<string, string>> = {},
  /** Another build's `main.js` (an A/B arm of a code change in the same run); default this package's dist/. */
  mainPath?: string,
  /** The whole `fortitude.yaml`; default: one `openai_compatible` provider `fake` at `upstreamUrl`. */
  configYaml: string = fakeProviderYaml('openai_compatible', `${upstreamUrl}/v1`, 'gpt-4o-mini'),
  /** Node flags for the process `serve` starts in (given all of `server.runtime`'s, one worker runs in that process alone). */
  nodeFlags: readonly string[] = [],
): Promise<BenchChild> {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const main = mainPath ?? join(here, '..', '..', 'dist', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
  const cwd = mkdtempSync(join(tmpdir(), 'fortitude-gateway-bench-'));
  writeFileSync(join(cwd, 'fortitude.yaml'), configYaml);
  const serveArgs = ['serve', '--host', '127.0.0.1', '--port', '0', '--workers', '1', ...extraArgs];
  // As users start it: the executable itself (its `#!` line picks node and its flags), unless
  // node flags are given; then `node <flags> main.js`.
  const command = nodeFlags.length === 0 ? [main, ...serveArgs] : [process.execPath, ...nodeFlags, main, ...serveArgs];
  const options = { cwd, stdio: ['ignore', 'pipe', 'pipe'] as ('pipe' | 'ignore')[], env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env }, detached: true };
  const pinned = HAS_TASKSET && core !== undefined;
  const child: ChildProcess = pinned ? spawn('taskset', ['-c', String(core), ...command], options) : spawn(command[0]!, command.slice(1), options);
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fortitude serve did not start in 60 s:\n${output}`)), 60_000);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`fortitude serve exited early (${code}):\n${output}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match === null) return;
      clearTimeout(timer);
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      child.stderr!.removeAllListeners('data');
      child.stderr!.resume();
      const pid = child.pid!;
      resolve({
        name: 'fortitude serve',
        url: match[1]!,
        pid,
        cpuMicros: () => readTreeStat(pid).cpuMicros,
        rssBytes: () => readTreeStat(pid).rssBytes,
        stop: () =>
          new Promise<void>((done) => {
            child.removeAllListeners('exit');
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            process.kill(-pid, 'SIGTERM');
            setTimeout(() => {
              try {
                process.kill(-pid, 'SIGKILL');
              } catch {
                // already gone
              }
            }, 5_000).unref();
          }),
      });
    });
  });
}

/**
 * Sets the fake upstream (upstream-child.ts `fixed`) between phases: `latency` (ms before each
 * answer), `stream-gap` (ms between streamed chunks), `stream-words` (word chunks per stream).
 */
export async function setFakeUpstream(upstreamUrl: string, setting: 'latency' | 'stream-gap' | 'stream-words', value: number): Promise<void> {
  const response = await fetch(`${upstreamUrl}/__bench/${setting}?value=${value}`, { method: 'POST' });
  await response.text();
}

/** Rate limits high enough never to bind (requests, tokens and calls in flight). */
export const UNBOUND_RATE_LIMIT = '{ requests_per_minute: 100000000, tokens_per_minute: 100000000000, max_concurrent: 100000 }';

/**
 * A `fortitude.yaml` with one provider `fake` of `kind` at `baseUrl`, rate limits unbound, as many
 * connections to it as the bare proxy's pool has (128; the default 100 is a limit that binds at
 * 2,000/s with a 50 ms upstream over HTTP/1.1, bench/RESULTS.md "Connections"), everything else default.
 */
export function fakeProviderYaml(kind: string, baseUrl: string, model: string): string {
  return [
    'providers:',
    '  fake:',
    `    kind: ${kind}`,
    `    base_url: ${baseUrl}`,
    '    api_key: sk-bench-upstream',
    `    model: ${model}`,
    `    rate_limit: ${UNBOUND_RATE_LIMIT}`,
    '    connection_pool: { max_connections: 128 }',
    '',
  ].join('\n');
}

/** A `fortitude.yaml` with openai, claude and gemini at the provider simulator at `simulatorUrl` (the simulator off in serve), rate limits unbound. */
export function simulatorProvidersYaml(simulatorUrl: string): string {
  const provider = (name: string, baseUrl: string, model: string): string[] => [
    `  ${name}:`,
    `    base_url: ${baseUrl}`,
    '    api_key: sk-bench-upstream',
    `    model: ${model}`,
    `    rate_limit: ${UNBOUND_RATE_LIMIT}`,
  ];
  return [
    'simulator: { mode: never }',
    'providers:',
    ...provider('openai', `${simulatorUrl}/openai/v1`, 'gpt-4o-mini'),
    ...provider('claude', `${simulatorUrl}/claude`, 'claude-3-5-haiku-20241022'),
    ...provider('gemini', `${simulatorUrl}/gemini`, 'gemini-1.5-flash'),
    '',
  ].join('\n');
}
