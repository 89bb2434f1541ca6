/**
 * Start-up of the built CLI (`dist/main.js`; run `npm run build` first), as a user feels it:
 * wall time from spawn to exit (or to the first 200 from /api/health for `serve`), median of
 * repeated runs, each command's runs interleaved with `node -e 0` runs so the ratio compares like
 * with like on a busy machine. Also the idle RSS of every serving process once `serve` is ready.
 *
 *   node --import tsx bench/startup.ts [--runs 7]
 *
 * CPU seconds (user + system, from /proc/self/stat's children times) are printed beside the wall
 * times: on a machine shared with other work they are the steadier comparison.
 *
 * Targets (issue 18): --help ≤ 2.5× node -e 0, config validate ≤ 3×, research answered from the
 * cache ≤ 0.5 s, serve ready ≤ 1.5 s, idle RSS ≤ 90 MB per worker. `config validate` runs with
 * nothing configured (the build's generated defaults, no zod: src/app/config/default-config.ts);
 * `config validate (seed)` validates examples/fortitude.seed.yaml through YAML and the schema, for
 * the record (no target of its own).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const MAIN = new URL('../dist/main.js', import.meta.url).pathname;
const SEED = new URL('../examples/fortitude.seed.yaml', import.meta.url).pathname;
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;
const cwd = mkdtempSync(join(tmpdir(), 'fortitude-startup-'));
const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '', HOME: cwd };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** CPU seconds (user + system) of this process's waited-for children so far, from /proc (10 ms ticks). */
function childrenCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  // After "pid (comm) ": field 16 cutime and 17 cstime are at 13 and 14 here.
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/** CPU seconds of each timed run, by command line: a busy machine stretches wall time, much less CPU time. */
const cpuOf = new Map<string, number[]>();

/** Wall seconds of one run to exit (its CPU seconds go to `cpuOf`); throws when it fails. */
function timed(args: string[]): number {
  const cpuBefore = childrenCpuSeconds();
  const began = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd, env, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  const key = args.join(' ');
  cpuOf.set(key, [...(cpuOf.get(key) ?? []), childrenCpuSeconds() - cpuBefore]);
  return seconds;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Seconds from spawn to the first 200 from /api/health, and each serving process's RSS 2 s later. */
async function serveReady(workers: number): Promise<{ seconds: number; rss: number[] }> {
  const port = await freePort();
  const began = process.hrtime.bigint();
  const child = spawn(process.execPath, [MAIN, 'serve', '--port', String(port), '--workers', String(workers)], { cwd, env, stdio: 'ignore', detached: true });
  try {
    for (;;) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/api/health`);
        await response.arrayBuffer();
        if (response.status === 200) break;
      } catch {
        // not yet
      }
      if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}`);
      if (Number(process.hrtime.bigint() - began) / 1e9 > 300) throw new Error('serve not ready in 300 s');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const seconds = Number(process.hrtime.bigint() - began) / 1e9;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const serving = workers === 1 && childrenOf(child.pid!).length === 0 ? [child.pid!] : childrenOf(child.pid!);
    return { seconds, rss: serving.map(rssMb) };
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

const question = 'How do I spawn a background task in tokio and wait for it?';
timed([MAIN, 'research', question, '--json']); // fills the cache

const rows: Array<{ name: string; seconds: number[]; baseline: number[]; target: string }> = [
  { name: '--help', seconds: [], baseline: [], target: '≤ 2.5×' },
  { name: 'config validate', seconds: [], baseline: [], target: '≤ 3×' },
  { name: 'config validate (seed)', seconds: [], baseline: [], target: '—' },
  { name: 'research (cached)', seconds: [], baseline: [], target: '≤ 0.5 s' },
];
const argsOf: Record<string, string[]> = {
  '--help': [MAIN, '--help'],
  'config validate': [MAIN, 'config', 'validate'],
  'config validate (seed)': [MAIN, '--config', SEED, 'config', 'validate'],
  'research (cached)': [MAIN, 'research', question, '--json'],
};
for (let run = 0; run < RUNS; run++) {
  for (const row of rows) {
    row.baseline.push(timed(['-e', '0']));
    row.seconds.push(timed(argsOf[row.name]!));
  }
}
console.log(`node ${process.version}, ${RUNS} runs, load average ${loadavg().map((value) => value.toFixed(1)).join(' ')}`);
console.log('command                  median     node -e 0   ratio   target   | CPU median  node -e 0  ratio');
const baseCpu = median(cpuOf.get('-e 0')!);
for (const row of rows) {
  const value = median(row.seconds);
  const base = median(row.baseline);
  const cpu = median(cpuOf.get(argsOf[row.name]!.join(' '))!);
  console.log(
    `${row.name.padEnd(24)} ${value.toFixed(3).padStart(7)} s ${base.toFixed(3).padStart(9)} s ${(value / base).toFixed(2).padStart(6)}×   ${row.target.padEnd(7)}  | ${cpu.toFixed(2).padStart(7)} s ${baseCpu.toFixed(2).padStart(7)} s ${(cpu / baseCpu).toFixed(2).padStart(6)}×`,
  );
}
const serveRuns: Array<{ seconds: number; rss: number[] }> = [];
const serveBaseline: number[] = [];
for (let run = 0; run < Math.min(RUNS, 5); run++) {
  serveBaseline.push(timed(['-e', '0']));
  serveRuns.push(await serveReady(2));
}
const ready = median(serveRuns.map((run) => run.seconds));
console.log(`${'serve ready (2 w.)'.padEnd(24)} ${ready.toFixed(3).padStart(7)} s ${median(serveBaseline).toFixed(3).padStart(9)} s ${(ready / median(serveBaseline)).toFixed(2).padStart(6)}×   ≤ 1.5 s`);
const rss = serveRuns.flatMap((run) => run.rss);
console.log(`idle RSS per worker: median ${median(rss).toFixed(0)} MB, max ${Math.max(...rss).toFixed(0)} MB (target ≤ 90 MB)`);
rmSync(cwd, { recursive: true, force: true });
