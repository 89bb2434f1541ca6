/**
 * The real `fortitude serve` (dist/, one worker, pinned like bench/gateway/serve.ts) on
 * PostgreSQL (`DATABASE_URL`) answering chat completions at a fixed rate while its database
 * becomes unreachable mid-load (`ALLOW_CONNECTIONS false` and its sessions terminated, so the
 * server's writes fail as in an outage). Every request's record then waits in the request-record
 * buffer, which fills to its bound (50,000) and from then on drops the oldest per request.
 *
 * Baseline in the same run: the same server before the outage. Printed per 2 s slice and per
 * phase (database up / buffer filling / buffer full): CPU µs per request, p50 / p99, RSS; and the
 * ratio of the full-buffer phase's CPU per request to the database-up phase's. Needs PostgreSQL
 * on 127.0.0.1:5432 (trust auth; the database `fortitude_bench_outage` is created and left).
 *
 *   npm run build && node --import tsx bench/gateway/database-outage.ts [--rate 2500] [--slices 22] [--main OTHER/dist/main.js]
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { benchMachine, gatewayRequest } from './arms.js';
import { fakeProviderYaml, spawnChild, spawnRealServe } from './child-process.js';
import { openLoop, percentile } from './load.js';

const option = (name: string): string | undefined => {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
};
const RATE = Number(option('--rate') ?? 2500);
const SLICES = Number(option('--slices') ?? 22);
const MAIN = option('--main') === undefined ? undefined : resolve(option('--main')!);
const SLICE_MS = 2_000;
/** Slices with the database up before the outage (the baseline). */
const UP_SLICES = 2;
/** BatchedWriter's default bound (src/infrastructure/storage/batched-writer.ts). */
const BUFFER_BOUND = 50_000;
const DATABASE = 'fortitude_bench_outage';

const psql = (sql: string): string => execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-Atc', sql], { encoding: 'utf8' }).trim();
if (psql(`SELECT count(*) FROM pg_database WHERE datname = '${DATABASE}'`) === '0') psql(`CREATE DATABASE ${DATABASE}`);
psql(`ALTER DATABASE ${DATABASE} ALLOW_CONNECTIONS true`);

const machine = benchMachine();
const upstream = await spawnChild('upstream', 'upstream-child.ts', ['fixed'], machine.upstreamCore);
const serve = await spawnRealServe(
  upstream.url,
  machine.serverCore,
  [],
  { DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${DATABASE}` },
  MAIN,
  fakeProviderYaml('openai_compatible', `${upstream.url}/v1`, 'gpt-4o-mini'),
);
const { body, path } = gatewayRequest(false);
const target = { url: serve.url, path, body, streamEnd: '' };

type Phase = 'database up' | 'buffer filling' | 'buffer full';
const phases = new Map<Phase, { cpuMicros: number; requests: number; latencies: number[]; peakRssMb: number }>();
let recordsSinceOutage = 0;
try {
  await openLoop(target, 1000, 3_000); // warm-up
  process.stdout.write(`fortitude serve on PostgreSQL at ${RATE}/s, ${SLICE_MS / 1000} s slices; the database becomes unreachable after slice ${UP_SLICES - 1}\n`);
  for (let slice = 0; slice < SLICES; slice++) {
    if (slice === UP_SLICES) {
      psql(`ALTER DATABASE ${DATABASE} ALLOW_CONNECTIONS false`);
      psql(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '${DATABASE}'`);
      process.stdout.write('-- database unreachable from here\n');
    }
    // The phase a slice belongs to is known before it runs: the buffer holds one record per request since the outage.
    const phase: Phase = slice < UP_SLICES ? 'database up' : recordsSinceOutage >= BUFFER_BOUND ? 'buffer full' : 'buffer filling';
    const cpuBefore = serve.cpuMicros();
    const run = await openLoop(target, RATE, SLICE_MS, { drainMs: 2_000 });
    const cpuMicros = serve.cpuMicros() - cpuBefore;
    if (slice >= UP_SLICES) recordsSinceOutage += run.ok;
    const sorted = Float64Array.from(run.latencies).sort();
    const rssMb = serve.rssBytes() / 1e6;
    const tally = phases.get(phase) ?? { cpuMicros: 0, requests: 0, latencies: [], peakRssMb: 0 };
    tally.cpuMicros += cpuMicros;
    tally.requests += run.ok + run.errors;
    tally.latencies.push(...run.latencies);
    tally.peakRssMb = Math.max(tally.peakRssMb, rssMb);
    phases.set(phase, tally);
    process.stdout.write(
      `slice ${String(slice).padStart(2)} (${phase}): ${run.ok} ok, ${run.errors} errors, ${(cpuMicros / Math.max(1, run.ok + run.errors)).toFixed(0)} µs/req, p50 ${percentile(sorted, 0.5).toFixed(2)} ms, p99 ${percentile(sorted, 0.99).toFixed(2)} ms, RSS ${rssMb.toFixed(0)} MB\n`,
    );
  }
} finally {
  psql(`ALTER DATABASE ${DATABASE} ALLOW_CONNECTIONS true`);
  await serve.stop();
  await upstream.stop();
}

process.stdout.write('\n| phase | requests | CPU µs/request | ÷ database up | p50 ms | p99 ms | peak RSS MB |\n|---|---|---|---|---|---|---|\n');
const up = phases.get('database up');
const upCpu = up === undefined ? Number.NaN : up.cpuMicros / up.requests;
for (const [phase, tally] of phases) {
  const sorted = Float64Array.from(tally.latencies).sort();
  const cpu = tally.cpuMicros / tally.requests;
  process.stdout.write(
    `| ${phase} | ${tally.requests} | ${cpu.toFixed(0)} | ${(cpu / upCpu).toFixed(2)}× | ${percentile(sorted, 0.5).toFixed(2)} | ${percentile(sorted, 0.99).toFixed(2)} | ${tally.peakRssMb.toFixed(0)} |\n`,
  );
}
if (!phases.has('buffer full')) process.stdout.write(`(the buffer never filled: raise --slices or --rate; ${BUFFER_BOUND} records are needed)\n`);
