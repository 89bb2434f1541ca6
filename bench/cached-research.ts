/**
 * Cached research answers (issue 5 target: ≥ 5,000 rps, p99 < 5 ms, RSS < 150 MB per worker):
 * `POST /api/research` for a question already answered, against `fortitude serve` (one worker,
 * embedded defaults, simulated providers). Baseline in the same run: `GET /api/health` on the
 * same server (a constant answer, the cheapest route there is).
 *
 * Two measurements per route:
 * - open loop at a fixed rate (`--rate`, default 5000/s): every request has an intended send
 *   time and its latency counts from then, so queueing inside the server is not hidden;
 * - closed loop with autocannon (`--connections`, default 16): saturation throughput.
 * CPU per request comes from `/proc/<pid>/stat`; RSS from `/proc/<pid>/status`, sampled every
 * 100 ms during the measured runs (peak under load) and VmHWM (lifetime peak, start-up included).
 *
 * The server runs from the compiled package (`dist/`, `npm run build` first), as deployed, with
 * the V8 settings `server.runtime` gives a worker; `--tsx` runs the sources instead, and
 * `--node-flags "--max-semi-space-size=16"` overrides the worker's V8 flags; `--server-log FILE`
 * keeps the server's output (with `--node-flags --trace-gc`, its garbage collections).
 *
 *   npm run build && node --import tsx bench/cached-research.ts [--seconds 6] [--rate 5000] [--connections 16]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HAS_TASKSET, pinSelf, readStat } from './gateway/child-process.js';
import { openLoop, percentile } from './gateway/load.js';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  non2xx: number;
}
type AutocannonOptions = { url: string; method?: string; headers?: Record<string, string>; body?: string; duration?: number; connections?: number };
const autocannon = createRequire(import.meta.url)('autocannon') as (options: AutocannonOptions) => Promise<AutocannonResult>;

const argument = (name: string, fallback: string) => {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1]! : fallback;
};
const SECONDS = Number(argument('--seconds', '6'));
const RATE = Number(argument('--rate', '5000'));
const CONNECTIONS = Number(argument('--connections', '16'));
const NODE_FLAGS = argument('--node-flags', '').split(' ').filter(Boolean);
const USE_TSX = process.argv.includes('--tsx');
/** `--server-log FILE`: the server's stdout/stderr (e.g. with `--node-flags --trace-gc`). */
const SERVER_LOG = argument('--server-log', '');
const MAIN = new URL(USE_TSX ? '../src/main.ts' : '../dist/main.js', import.meta.url).pathname;
if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first (or pass --tsx)`);
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

const port = await new Promise<number>((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const address = server.address();
    server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
  });
});
const cwd = mkdtempSync(join(tmpdir(), 'fortitude-bench-'));
// As the issue asks: the server pinned to one core, the load generator to the other.
const PINNED = HAS_TASKSET && pinSelf(0);
const serverArgs = [...NODE_FLAGS, ...(USE_TSX ? ['--import', TSX] : []), MAIN, 'serve', '--port', String(port), '--workers', '1'];
const child = spawn(PINNED ? 'taskset' : process.execPath, PINNED ? ['-c', '1', process.execPath, ...serverArgs] : serverArgs, {
  cwd,
  env: { ...process.env, FORTITUDE_SIMULATOR__LATENCY_MS: '0', FORTITUDE_LOG_LEVEL: 'warn' },
  stdio: SERVER_LOG ? ['ignore', openSync(SERVER_LOG, 'w'), openSync(SERVER_LOG, 'a')] : 'ignore',
});
const base = `http://127.0.0.1:${port}`;

/** The process serving requests: the worker when `serve` forks one, else the process itself. */
function servingPid(): number {
  const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim();
  return children ? Number(children.split(' ')[0]) : child.pid!;
}

try {
  for (let attempt = 0; ; attempt++) {
    try {
      if ((await fetch(`${base}/api/health`)).ok) break;
    } catch {
      if (attempt > 200) throw new Error('server did not start');
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }
  const body = JSON.stringify({ query: 'How do I add a readiness probe to a Kubernetes deployment?' });
  const post = async () => (await fetch(`${base}/api/research`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).json() as Promise<{ id: string; cache: { kind: string } }>;
  const warm = await post();
  const check = await post();
  if (check.id !== warm.id || check.cache.kind !== 'exact') throw new Error('the second ask was not a cache hit');

  const pid = servingPid();
  const status = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  const cpuMicros = () => readStat(pid).cpuMicros;
  const idleRss = Math.round(status('VmRSS'));

  const measure = async (name: string, method: 'GET' | 'POST', path: string, payload: string) => {
    const options: AutocannonOptions = { url: base + path, method, ...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: payload } : {}) };
    await autocannon({ ...options, duration: 2, connections: CONNECTIONS }); // warm-up
    // RSS under load: sampled while the measured runs go (VmHWM also counts start-up).
    let loadPeakRss = 0;
    const sampler = setInterval(() => (loadPeakRss = Math.max(loadPeakRss, status('VmRSS'))), 100);
    let cpu = cpuMicros();
    const closed = await autocannon({ ...options, duration: SECONDS, connections: CONNECTIONS });
    const closedCpuUs = (cpuMicros() - cpu) / Math.max(1, closed.requests.total);
    cpu = cpuMicros();
    const open = await openLoop({ url: base, path, body: method === 'POST' ? payload : '', method }, RATE, SECONDS * 1000, { warmupMs: 1000 });
    const openCpuUs = (cpuMicros() - cpu) / Math.max(1, open.ok);
    clearInterval(sampler);
    const sorted = Float64Array.from(open.latencies).sort();
    return {
      name,
      closed: { rps: Math.round(closed.requests.average), p50: closed.latency.p50, p99: closed.latency.p99, errors: closed.errors + closed.non2xx, cpuUs: Math.round(closedCpuUs) },
      open: {
        achieved: Math.round((open.ok / open.elapsedMs) * 1000),
        p50: percentile(sorted, 0.5),
        p99: percentile(sorted, 0.99),
        p999: percentile(sorted, 0.999),
        errors: open.errors,
        cpuUs: Math.round(openCpuUs),
      },
      rssMb: Math.round(status('VmRSS')),
      loadPeakRssMb: Math.round(loadPeakRss),
      lifetimePeakRssMb: Math.round(status('VmHWM')),
    };
  };
  const health = await measure('GET /api/health (baseline)', 'GET', '/api/health', '');
  const cached = await measure('POST /api/research, cached', 'POST', '/api/research', body);

  console.log(`\nserver: ${PINNED ? 'pinned to core 1 (load generator on core 0), ' : 'not pinned, '}${USE_TSX ? 'src/ through tsx' : 'compiled dist/'}${NODE_FLAGS.length ? `, node ${NODE_FLAGS.join(' ')}` : ''}; idle RSS ${idleRss} MB; load average ${loadavg()[0]!.toFixed(1)}`);
  console.log(`open loop ${RATE}/s and closed loop ${CONNECTIONS} connections, ${SECONDS} s each\n`);
  console.log('| route | open: achieved rps | p50 ms | p99 ms | p99.9 ms | CPU µs/req | closed: rps | p99 ms | CPU µs/req | errors | RSS MB | peak RSS under load MB | lifetime peak RSS MB |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  const f = (value: number) => value.toFixed(2);
  for (const row of [health, cached]) {
    console.log(
      `| ${row.name} | ${row.open.achieved} | ${f(row.open.p50)} | ${f(row.open.p99)} | ${f(row.open.p999)} | ${row.open.cpuUs} | ${row.closed.rps} | ${row.closed.p99} | ${row.closed.cpuUs} | ${row.open.errors + row.closed.errors} | ${row.rssMb} | ${row.loadPeakRssMb} | ${row.lifetimePeakRssMb} |`,
    );
  }
  console.log(`\ncached research / health: saturation throughput ${(cached.closed.rps / health.closed.rps).toFixed(2)}, CPU per request ${(cached.closed.cpuUs / health.closed.cpuUs).toFixed(2)}×`);
} finally {
  child.kill('SIGTERM');
}
