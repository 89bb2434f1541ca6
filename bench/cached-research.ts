/**
 * Cached research answers (issue 5 target: ≥ 5,000 rps, p99 < 5 ms): `POST /api/research` for a
 * question already answered, against `fortitude serve` (one worker, embedded defaults,
 * simulated providers), closed loop with autocannon; baseline in the same run: `GET /api/health`
 * on the same server (a pre-serialised constant answer, the cheapest route there is).
 *
 * The server runs from the compiled package (`dist/`, built first with `npm run build`), as it
 * is deployed; `--tsx` runs the TypeScript sources through tsx instead.
 *
 *   npm run build && node --import tsx bench/cached-research.ts [--seconds 8] [--connections 16] [--tsx]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  non2xx: number;
}
type AutocannonOptions = { url: string; method?: string; headers?: Record<string, string>; body?: string; duration?: number; connections?: number };
const autocannon = createRequire(import.meta.url)('autocannon') as (options: AutocannonOptions) => Promise<AutocannonResult>;

const argument = (name: string, fallback: number) => {
  const index = process.argv.indexOf(name);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
};
const SECONDS = argument('--seconds', 8);
const CONNECTIONS = argument('--connections', 16);
const USE_TSX = process.argv.includes('--tsx');
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
const child = spawn(process.execPath, [...(USE_TSX ? ['--import', TSX] : []), MAIN, 'serve', '--port', String(port), '--workers', '1'], {
  cwd,
  env: { ...process.env, FORTITUDE_SIMULATOR__LATENCY_MS: '0', FORTITUDE_LOG_LEVEL: 'warn' },
  stdio: 'ignore',
});
const base = `http://127.0.0.1:${port}`;
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
  const warm = (await (await fetch(`${base}/api/research`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).json()) as { id: string };
  const check = (await (await fetch(`${base}/api/research`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).json()) as { id: string; cache: { kind: string } };
  if (check.id !== warm.id || check.cache.kind !== 'exact') throw new Error('the second ask was not a cache hit');

  const status = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  const rss = () => status('VmRSS');
  const peakRss = () => status('VmHWM');
  const cpuTicks = () => {
    const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]);
  };
  const run = async (name: string, options: AutocannonOptions) => {
    await autocannon({ ...options, duration: 2 }); // warm-up
    const ticks = cpuTicks();
    const result = await autocannon({ ...options, duration: SECONDS, connections: CONNECTIONS });
    const cpuMs = (cpuTicks() - ticks) * 10;
    return {
      name,
      rps: Math.round(result.requests.average),
      p50: result.latency.p50,
      p99: result.latency.p99,
      errors: result.errors + result.non2xx,
      cpuUsPerRequest: Math.round((cpuMs * 1000) / Math.max(1, result.requests.total)),
      rssMb: Math.round(rss()),
      peakRssMb: Math.round(peakRss()),
    };
  };
  const idleRss = Math.round(rss());
  const health = await run('GET /api/health (baseline)', { url: `${base}/api/health` });
  const cached = await run('POST /api/research, cached', { url: `${base}/api/research`, method: 'POST', headers: { 'content-type': 'application/json' }, body });
  console.log(`\nclosed loop, ${CONNECTIONS} connections, ${SECONDS} s each, server pinned to nothing, load ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`);
  console.log(`server: ${USE_TSX ? 'src/ through tsx' : 'compiled dist/'}, idle RSS ${idleRss} MB`);
  console.log('| route | req/s | p50 ms | p99 ms | errors | CPU µs/req | RSS MB | peak RSS MB |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const row of [health, cached]) console.log(`| ${row.name} | ${row.rps} | ${row.p50} | ${row.p99} | ${row.errors} | ${row.cpuUsPerRequest} | ${row.rssMb} | ${row.peakRssMb} |`);
  console.log(`\ncached research / health throughput ratio: ${(cached.rps / health.rps).toFixed(2)}`);
} finally {
  child.kill('SIGTERM');
}
