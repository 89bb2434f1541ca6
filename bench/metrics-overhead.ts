/**
 * Throughput cost of per-request metrics at saturation (issue 8: target < 3 %).
 *
 * Two servers (bench/metrics-overhead-server.ts), each its own process: the same minimal
 * node:http handler without metrics (baseline) and with the recording the HTTP layer does per
 * request (concurrent gauge, request timing, counters, duration histogram, rolling window).
 * autocannon drives both closed-loop from this process at the same time, for `--rounds` rounds
 * of `--duration` seconds. The load generator is pinned to CPU 0 and both servers to CPU 1, so
 * the servers saturate and share one CPU under identical conditions: whatever else the machine
 * is doing hits both arms alike. Per round: the req/s ratio and the server-CPU-per-request
 * ratio; reported: their medians. (Running the arms one after the other instead was useless on
 * a shared 2-vCPU machine: an A/A run gave per-pair ratios from 0.28 to 1.51.)
 *
 * Also reported, as cross-checks: the recording work timed in place on every 16th request in a
 * third server, and the recording calls in a tight loop (warm caches: a lower bound).
 *
 *   node --import tsx bench/metrics-overhead.ts [--duration 2] [--rounds 12] [--connections 50] [--control]
 *
 * `--control` runs the "with metrics" arm without metrics (A/A): the result is the noise floor.
 */
import { execFileSync, fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createMetrics } from '../src/infrastructure/metrics/create-metrics.js';

function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}
const DURATION = flag('duration', 2);
const ROUNDS = flag('rounds', 12);
const CONNECTIONS = flag('connections', 50);
const PIPELINING = flag('pipelining', 1);
const CONTROL = process.argv.includes('--control');

interface AutocannonResult {
  latency: { p99: number };
  errors: number;
  non2xx: number;
  '2xx': number;
  duration: number;
}
const autocannon = createRequire(import.meta.url)('autocannon') as (options: Record<string, unknown>) => Promise<AutocannonResult>;

interface Usage {
  cpuMicros: number;
  served: number;
  recording: { medianNs: number; trimmedMeanNs: number; clockMedianNs: number; samples: number };
}

/**
 * Pins a process (all its threads) to one CPU with taskset, when there are at least two CPUs
 * and taskset exists: the load generator on CPU 0, every server on CPU 1. Without pinning, the
 * scheduler's placement made whichever server started second up to 40 % slower in an A/A run.
 */
function pin(pid: number, cpu: number): boolean {
  if (availableParallelism() < 2) return false;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface Server {
  child: ChildProcess;
  port: number;
  ask<T>(type: string): Promise<T>;
}

async function startServer(mode: 'baseline' | 'metrics' | 'metrics-timed'): Promise<Server> {
  const child = fork(fileURLToPath(new URL('./metrics-overhead-server.ts', import.meta.url)), [mode], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const port = await new Promise<number>((resolve) => child.once('message', (message: { port: number }) => resolve(message.port)));
  pin(child.pid!, 1);
  const ask = <T>(type: string) =>
    new Promise<T>((resolve) => {
      child.once('message', (message: T) => resolve(message));
      child.send({ type });
    });
  return { child, port, ask };
}

interface Round {
  rps: number;
  cpuPerRequestUs: number;
  p99Ms: number;
  errors: number;
}

/** Loads `server` for `seconds`; req/s, server CPU per request, p99. */
async function load(server: Server, seconds: number, connections = CONNECTIONS): Promise<Round & { usage: Usage }> {
  const before = await server.ask<Usage>('usage');
  const result = await autocannon({ url: `http://127.0.0.1:${server.port}/bench`, connections, pipelining: PIPELINING, duration: seconds });
  const after = await server.ask<Usage>('usage');
  return {
    rps: result['2xx'] / result.duration,
    cpuPerRequestUs: (after.cpuMicros - before.cpuMicros) / Math.max(1, after.served - before.served),
    p99Ms: result.latency.p99,
    errors: result.errors + result.non2xx,
    usage: after,
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const percent = (fraction: number) => `${(fraction * 100).toFixed(2)} %`;

/** Recording calls per request in a tight loop, ns (best of three). */
function tightLoop(): number {
  const metrics = createMetrics();
  const iterations = 500_000;
  const run = () => {
    const start = process.hrtime.bigint();
    for (let index = 0; index < iterations; index += 1) {
      metrics.apiConcurrent.inc();
      metrics.apiConcurrent.dec();
      metrics.observeApiRequest({ route: '/bench', method: 'GET', status: 200, durationMs: (index % 97) * 0.37 });
    }
    return Number(process.hrtime.bigint() - start) / iterations;
  };
  run(); // warm-up
  const result = Math.min(run(), run(), run());
  metrics.close();
  return result;
}

const pinned = pin(process.pid, 0);
const loadBefore = loadavg()[0]!;
const loopNs = tightLoop();
const baseline = await startServer('baseline');
const measured = await startServer(CONTROL ? 'baseline' : 'metrics');
const timed = await startServer('metrics-timed');
const together = () => Promise.all([load(baseline, DURATION, CONNECTIONS / 2), load(measured, DURATION, CONNECTIONS / 2)]);
await together(); // warm-up: JIT, connections

const rounds: { baseline: Round; metrics: Round }[] = [];
for (let index = 0; index < ROUNDS; index += 1) {
  const [a, b] = await together();
  rounds.push({ baseline: a, metrics: b });
}

// In place (after a warm-up, so the samples come from optimised code).
await load(timed, DURATION);
const inPlace = (await load(timed, DURATION)).usage.recording;

const recorded = await measured.ask<{ requestsTotal: number; windowRequests: number }>('scrape');
for (const server of [baseline, measured, timed]) server.child.send({ type: 'exit' });

const rpsRatios = rounds.map((round) => round.metrics.rps / round.baseline.rps);
const cpuRatios = rounds.map((round) => round.metrics.cpuPerRequestUs / round.baseline.cpuPerRequestUs);
const rpsRatio = median(rpsRatios);
const cpuRatio = median(cpuRatios);
const baseCpuNs = median(rounds.map((round) => round.baseline.cpuPerRequestUs)) * 1000;
const arm = (armRounds: Round[]) =>
  `${median(armRounds.map((round) => round.rps)).toFixed(0)} | ${median(armRounds.map((round) => round.cpuPerRequestUs)).toFixed(2)} | ${median(armRounds.map((round) => round.p99Ms))} | ${armRounds.reduce((sum, round) => sum + round.errors, 0)}`;
const list = (values: number[]) => [...values].sort((a, b) => a - b).map((value) => value.toFixed(3)).join(', ');

console.log(
  `\nMetrics overhead at saturation — Node ${process.version}, ${ROUNDS} rounds × ${DURATION} s, ${CONNECTIONS / 2} connections per arm, ` +
    `load average ${loadBefore.toFixed(1)} before / ${loadavg()[0]!.toFixed(1)} after, ${pinned ? 'load generator on CPU 0, servers on CPU 1' : 'not pinned'}` +
    `${CONTROL ? ' — CONTROL RUN: both arms without metrics' : ''}\n`,
);
console.log('| arm (both loaded at once) | median req/s | server CPU µs/req | p99 ms | errors |');
console.log('|---|---:|---:|---:|---:|');
console.log(`| no metrics (baseline) | ${arm(rounds.map((round) => round.baseline))} |`);
console.log(`| with metrics | ${arm(rounds.map((round) => round.metrics))} |`);
console.log('\n| measurement | median | throughput cost |');
console.log('|---|---:|---:|');
console.log(`| req/s, with ÷ without metrics, per round (${list(rpsRatios)}) | ${rpsRatio.toFixed(3)}× | **${percent(1 - rpsRatio)}** |`);
console.log(`| server CPU per request, with ÷ without, per round (${list(cpuRatios)}) | ${cpuRatio.toFixed(3)}× | ${percent(1 - 1 / cpuRatio)} |`);
const typicalNs = inPlace.medianNs + 2 * inPlace.clockMedianNs;
console.log(
  `| cross-check: recording timed in place, ${inPlace.samples} samples (median ${inPlace.medianNs.toFixed(0)} ns + 2 clock reads × ${inPlace.clockMedianNs.toFixed(0)} ns; ` +
    `99 %-trimmed mean ${inPlace.trimmedMeanNs.toFixed(0)} ns incl. interrupts) vs ${baseCpuNs.toFixed(0)} ns baseline CPU/request | ${typicalNs.toFixed(0)} ns | ${percent(typicalNs / (baseCpuNs + typicalNs))} |`,
);
console.log(`| cross-check: recording calls in a tight loop (warm caches, no clock reads) | ${loopNs.toFixed(0)} ns | ${percent(loopNs / (baseCpuNs + loopNs))} |`);
console.log(`\nTarget: < 3 % throughput cost. Recorded by the metrics server: fortitude_api_requests_total=${recorded.requestsTotal}, window requests=${recorded.windowRequests}.`);
