/**
 * Scale-out on this machine (issue 9): throughput of one `fortitude serve` process vs two behind
 * the loopback round-robin balancer, same closed-loop load; and the cost of shared state — Redis
 * round-trips per request (commands the replicas send, counted by a TCP proxy in front of a
 * private redis-server, so nothing else is counted; `INFO commandstats` deltas add what ran
 * inside Lua scripts) and the latency added over the embedded setup (SQLite, no Redis).
 *
 * Configurations, each behind the same balancer with the same load (a mixed workload, then
 * cached research only):
 *   embedded ×1 — SQLite, in-process budgets/limits/breakers (baseline for the cost of sharing)
 *   shared ×1   — PostgreSQL + Redis
 *   shared ×2   — two processes on the same PostgreSQL + Redis
 * Then, on shared ×1, one request kind at a time, to count Redis commands per request path.
 *
 *   node --import tsx bench/replicas.ts [--seconds 6] [--hit-seconds 3] [--concurrency 24]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { runClosedLoop, seededRandom, type PlannedRequest, type RequestOutcome } from '../test/replicas/closed-loop.js';
import { freePort, startReplicaSet, type ReplicaSet } from '../test/replicas/replica-harness.js';

const argument = (name: string, fallback: number) => {
  const index = process.argv.indexOf(name);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
};
const SECONDS = argument('--seconds', 6);
const HIT_SECONDS = argument('--hit-seconds', 3);
const WARM_UP_MS = 1_500;
const CONCURRENCY = argument('--concurrency', 24);
const FOCUSED_SECONDS = 2;

// Provider limits out of the way: this measures Fortitude, not the seed's provider quotas.
const CONFIG = `
providers:
  openai: { rate_limit: { requests_per_minute: 1000000, tokens_per_minute: 1000000000, max_concurrent: 1000 } }
  claude: { rate_limit: { requests_per_minute: 1000000, tokens_per_minute: 1000000000, max_concurrent: 1000 } }
  gemini: { rate_limit: { requests_per_minute: 1000000, tokens_per_minute: 1000000000, max_concurrent: 1000 } }
simulator: { latency_ms: 5 }
optimizer: { enabled: false }
`;

const POOL = Array.from({ length: 40 }, (_, index) => `How do I tune ${['Kafka', 'Redis', 'PostgreSQL', 'nginx', 'Kubernetes', 'gRPC', 'Envoy', 'SQLite'][index % 8]} setting number ${index} for production?`);

/** The mixed workload: 60 % research on a fixed pool (cache hits once warm), 20 % new questions, 20 % gateway calls upstream. */
function mixed(seed: number): () => PlannedRequest {
  const random = seededRandom(seed);
  let unique = 0;
  return () => {
    const pick = random();
    if (pick < 0.6) return researchHit(random);
    if (pick < 0.8) return researchMiss(seed * 1_000_000 + unique++);
    return gateway(random);
  };
}
const researchHit = (random: () => number): PlannedRequest => ({ kind: 'research hit', path: '/api/research', body: { query: POOL[Math.floor(random() * POOL.length)] } });
const researchMiss = (n: number): PlannedRequest => ({ kind: 'research miss', path: '/api/research', body: { query: `What breaks when service ${n} loses its database connection pool?` } });
const gateway = (random: () => number): PlannedRequest => ({
  kind: 'gateway call',
  path: '/v1/chat/completions',
  body: { model: 'auto', temperature: 0.7, messages: [{ role: 'user', content: `Explain topic ${Math.floor(random() * 1e9)}` }] },
});

/**
 * A private redis-server behind a counting TCP proxy: the replicas connect through the proxy,
 * which counts the commands clients send (RESP arrays; commands run inside Lua scripts are not
 * round-trips and are not counted) and the writes they arrive in (a pipelined batch is one).
 */
async function startPrivateRedis(): Promise<{ url: string; process: ChildProcess; client: Redis; counter: RespCounter; close(): Promise<void> }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'], { stdio: 'ignore' });
  const client = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: 20, retryStrategy: (times) => Math.min(times * 50, 500) });
  client.on('error', () => undefined);
  await client.ping();
  const counter: RespCounter = { commands: 0, writes: 0 };
  const sockets = new Set<Socket>();
  const proxy = createNetServer((inbound) => {
    const outbound = connect(port, '127.0.0.1');
    sockets.add(inbound).add(outbound);
    const parse = respCommandCounter();
    inbound.on('data', (chunk: Buffer) => {
      counter.writes++;
      counter.commands += parse(chunk);
      outbound.write(chunk);
    });
    outbound.on('data', (chunk: Buffer) => inbound.write(chunk));
    const end = () => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('close', end).on('error', end);
    outbound.on('close', end).on('error', end);
  });
  const proxyPort = await new Promise<number>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve((proxy.address() as AddressInfo).port)));
  return {
    url: `redis://127.0.0.1:${proxyPort}`,
    process: child,
    client,
    counter,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
      await client.quit().catch(() => undefined);
      child.kill('SIGKILL');
    },
  };
}

interface RespCounter {
  commands: number;
  writes: number;
}

/** Counts complete top-level RESP commands in a client → server byte stream (chunks may split anywhere). */
function respCommandCounter(): (chunk: Buffer) => number {
  let pending: Buffer = Buffer.alloc(0);
  let bulksLeft = 0; // bulk strings still expected in the current array
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let offset = 0;
    let completed = 0;
    for (;;) {
      const lineEnd = pending.indexOf('\r\n', offset);
      if (lineEnd < 0) break;
      const type = pending[offset];
      if (bulksLeft === 0) {
        if (type === 0x2a /* * */) {
          bulksLeft = Number(pending.toString('latin1', offset + 1, lineEnd));
          offset = lineEnd + 2;
          if (bulksLeft <= 0) {
            bulksLeft = 0;
            completed++;
          }
        } else {
          offset = lineEnd + 2; // inline command
          completed++;
        }
        continue;
      }
      const length = Number(pending.toString('latin1', offset + 1, lineEnd));
      const end = lineEnd + 2 + length + 2;
      if (end > pending.length) break;
      offset = end;
      if (--bulksLeft === 0) completed++;
    }
    pending = pending.subarray(offset);
    return completed;
  };
}

async function commandStats(client: Redis): Promise<Map<string, number>> {
  const text = await client.info('commandstats');
  const calls = new Map<string, number>();
  for (const match of text.matchAll(/cmdstat_([^:]+):calls=(\d+)/g)) calls.set(match[1]!, Number(match[2]));
  return calls;
}

/** Commands run between two snapshots, without the INFO calls that took them. */
function delta(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, count] of after) {
    const change = count - (before.get(name) ?? 0) - (name === 'info' ? 1 : 0);
    if (change > 0) out.set(name, change);
  }
  return out;
}

const sum = (counts: Map<string, number>) => [...counts.values()].reduce((total, value) => total + value, 0);

function cpuMs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited
    }
  }
  return ticks * 10;
}

function percentile(sorted: number[], fraction: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

interface Measured {
  name: string;
  processes: number;
  requests: number;
  rps: number;
  ok: number;
  p50: number;
  p95: number;
  p99: number;
  /** Commands the replicas sent (round-trips, pipelined ones counted each). */
  redisPerRequest: number | undefined;
  /** Commands Redis executed, those inside Lua scripts included. */
  redisExecutedPerRequest: number | undefined;
  serverCpuUsPerRequest: number;
  benchCpuUsPerRequest: number;
}

async function measure(
  name: string,
  set: ReplicaSet,
  redis: { client: Redis; counter: RespCounter } | undefined,
  next: (client: number) => PlannedRequest,
  seconds: number,
): Promise<{ summary: Measured; commands: Map<string, number> }> {
  await runClosedLoop({ baseUrl: set.url, concurrency: CONCURRENCY, durationMs: WARM_UP_MS, next }); // warm-up
  const pids = set.replicas.map((replica) => replica.child.pid!).filter(Boolean);
  const before = redis ? await commandStats(redis.client) : undefined;
  const sentBefore = redis?.counter.commands ?? 0;
  const cpuBefore = cpuMs(pids);
  const benchCpuBefore = process.cpuUsage();
  const started = performance.now();
  const outcomes: RequestOutcome[] = await runClosedLoop({ baseUrl: set.url, concurrency: CONCURRENCY, durationMs: seconds * 1000, next });
  const elapsed = performance.now() - started;
  const serverCpu = cpuMs(pids) - cpuBefore;
  const benchCpu = process.cpuUsage(benchCpuBefore);
  const sent = (redis?.counter.commands ?? 0) - sentBefore;
  const commands = redis && before ? delta(before, await commandStats(redis.client)) : new Map<string, number>();
  const latencies = outcomes.map((outcome) => outcome.endedAt - outcome.startedAt).sort((a, b) => a - b);
  const ok = outcomes.filter((outcome) => outcome.status === 200).length;
  const failed = outcomes.filter((outcome) => outcome.status !== 200);
  if (failed.length > 0) console.warn(`${name}: ${failed.length} non-200`, [...new Set(failed.map((outcome) => `${outcome.status} ${outcome.errorCode}`))].slice(0, 5));
  return {
    summary: {
      name,
      processes: set.replicas.length,
      requests: outcomes.length,
      rps: (outcomes.length / elapsed) * 1000,
      ok,
      p50: percentile(latencies, 0.5),
      p95: percentile(latencies, 0.95),
      p99: percentile(latencies, 0.99),
      redisPerRequest: redis ? sent / outcomes.length : undefined,
      redisExecutedPerRequest: redis ? sum(commands) / outcomes.length : undefined,
      serverCpuUsPerRequest: (serverCpu * 1000) / outcomes.length,
      benchCpuUsPerRequest: (benchCpu.user + benchCpu.system) / outcomes.length,
    },
    commands,
  };
}

const redis = await startPrivateRedis();
const mixedResults: Measured[] = [];
const hitResults: Measured[] = [];
const focused: { path: string; requests: number; redisPerRequest: number; executedPerRequest: number; top: string }[] = [];
const redisVersion = /redis_version:(\S+)/.exec(await redis.client.info('server'))?.[1];
const started = performance.now();
try {
  const runConfig = async (name: string, replicas: number, shared: boolean, seed: number, afterwards?: (set: ReplicaSet) => Promise<void>) => {
    const set = await startReplicaSet({ replicas, shared, configYaml: CONFIG, redisUrl: redis.url });
    try {
      const counting = shared ? redis : undefined;
      const plan = mixed(seed);
      mixedResults.push((await measure(name, set, counting, () => plan(), SECONDS)).summary);
      const random = seededRandom(seed);
      hitResults.push((await measure(name, set, counting, () => researchHit(random), HIT_SECONDS)).summary);
      await afterwards?.(set);
    } finally {
      await set.close();
    }
  };
  await runConfig('embedded ×1 (SQLite, no Redis)', 1, false, 1);
  await runConfig('shared ×1 (PostgreSQL + Redis)', 1, true, 2, async (set) => {
    const random = seededRandom(7);
    let unique = 0;
    const paths: [string, () => PlannedRequest][] = [
      ['research hit (exact, L1)', () => researchHit(random)],
      ['research miss (provider call + store)', () => researchMiss(9_000_000 + unique++)],
      ['gateway call (temperature 0.7, upstream)', () => gateway(random)],
    ];
    for (const [path, plan] of paths) {
      const { summary, commands } = await measure(path, set, redis, plan, FOCUSED_SECONDS);
      const top = [...commands.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([command, count]) => `${command} ${(count / summary.requests).toFixed(2)}`).join(', ');
      focused.push({ path, requests: summary.requests, redisPerRequest: summary.redisPerRequest ?? 0, executedPerRequest: summary.redisExecutedPerRequest ?? 0, top });
    }
  });
  await runConfig('shared ×2 (PostgreSQL + Redis)', 2, true, 3);
} finally {
  await redis.close();
}

const round = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const table = (title: string, results: Measured[]) => {
  const baseline = results[1]!;
  console.log(`\n${title}\n`);
  console.log('| configuration | req/s | vs shared ×1 | p50 ms | p95 ms | p99 ms | Redis round-trips/req | server CPU µs/req | bench CPU µs/req |');
  console.log('|---|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const result of results) {
    console.log(
      `| ${result.name} | ${round(result.rps)} | ${round(result.rps / baseline.rps, 2)}x | ${round(result.p50, 1)} | ${round(result.p95, 1)} | ${round(result.p99, 1)} | ${result.redisPerRequest === undefined ? '–' : round(result.redisPerRequest, 2)} | ${round(result.serverCpuUsPerRequest)} | ${round(result.benchCpuUsPerRequest)} |`,
    );
  }
};
console.log(`\n${CONCURRENCY} closed-loop clients through the balancer; Redis ${redisVersion} (private, behind a counting proxy); ${Math.round((performance.now() - started) / 1000)} s in all`);
table(`Mixed workload (60 % cached research, 20 % new questions, 20 % gateway calls), ${SECONDS} s each after ${WARM_UP_MS / 1000} s warm-up`, mixedResults);
table(`Cached research only (exact hits, the CPU-bound path), ${HIT_SECONDS} s each`, hitResults);
const [embeddedHits, sharedHits] = hitResults as [Measured, Measured];
const [embeddedMixed, sharedMixed] = mixedResults as [Measured, Measured];
console.log(
  `\nShared state vs embedded, one process: mixed ${round(sharedMixed.rps / embeddedMixed.rps, 2)}x throughput (p50 ${round(embeddedMixed.p50, 1)} → ${round(sharedMixed.p50, 1)} ms); cached ${round(sharedHits.rps / embeddedHits.rps, 2)}x (p50 ${round(embeddedHits.p50, 2)} → ${round(sharedHits.p50, 2)} ms)`,
);
console.log(`\nRedis commands per request by path (shared ×1, ${FOCUSED_SECONDS} s each):\n`);
console.log('| path | requests | Redis round-trips/req | commands executed/req (incl. inside Lua) | most executed (per request) |');
console.log('|---|--:|--:|--:|---|');
for (const row of focused) console.log(`| ${row.path} | ${row.requests} | ${round(row.redisPerRequest, 2)} | ${round(row.executedPerRequest, 2)} | ${row.top} |`);
