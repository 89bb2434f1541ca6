/**
 * Where the real `fortitude serve` worker spends its CPU on the gateway path (issue 17): starts the
 * fake upstream and `fortitude serve --workers 1` (dist/main.js, the bench's config: one
 * `openai_compatible` provider, rate limits unbound) with bench/gateway/cpu-profile-preload.cjs in NODE_OPTIONS
 * (the worker inherits it; SIGUSR2 starts and stops its profiler), drives it closed-loop (autocannon, `--connections`, default 50) or open-loop
 * (`--rate N`), stops it, and prints the worker profile's self time by function and by file.
 *
 *   npm run build && node --import tsx bench/gateway/profile-serve.ts [--seconds 8] [--connections 50] [--rate N] [--api messages] [--alloc | --survivors] [--stream [--words N] [--chunk-gap-ms N]] [--top 40] [--stages [--json]] [--warm-seconds N]
 *
 * `--warm-seconds N`: before profiling, N seconds of closed-loop load (default 0: 1 s at 300/s only), so V8
 * has optimised the hot path as it has in a long-running server (it keeps compiling for ~10 s at saturation).
 *
 * `--words N` / `--chunk-gap-ms N` (with `--stream`): streamed answers of N word chunks, N ms apart
 * (each chunk then its own TCP segment, as a model's tokens arrive; default 11, back to back).
 *
 * `--alloc`: bytes allocated per request instead, by function (self) and by Fortitude function (inclusive).
 * `--stages`: then the per-stage table (HTTP parse → … → record, plus node's and V8's own buckets,
 * stages.ts): CPU µs per request — the worker main thread's CPU time from /proc, shared among the
 * stages by their busy samples, since the profiler samples wall-clock time and on a loaded
 * machine counts the waits for a core too — and % of busy time, or bytes per request (`--alloc`),
 * against the budgets in stages.ts; written to stages.json beside the profile too. `--json`: the
 * table as JSON on stdout (the text reports go to stderr).
 * Profiles are left in bench/out/profile-serve/ (open them in Chrome DevTools).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ANTHROPIC_MODEL, benchMachine, gatewayRequest } from './arms.js';
import { fakeProviderYaml, processTree, readStat, setFakeUpstream, spawnChild, spawnRealServe, threadCpuMicros } from './child-process.js';
import { openLoop, openLoopStream, saturate } from './load.js';
import { allocationsByStage, cpuByStage, formatStageTable, stageTable, type StageTotal } from './stages.js';

const option = (name: string): string | undefined => {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
};
const SECONDS = Number(option('--seconds') ?? 8);
const CONNECTIONS = Number(option('--connections') ?? 50);
const RATE = option('--rate') === undefined ? (process.argv.includes('--stream') ? 200 : undefined) : Number(option('--rate'));
const TOP = Number(option('--top') ?? 40);
const WARM_SECONDS = Number(option('--warm-seconds') ?? 0);
/** `--alloc`: a sampling heap profile of every allocation (scavenged ones too) instead of a CPU profile. */
const SURVIVORS = process.argv.includes('--survivors');
const ALLOC = process.argv.includes('--alloc') || SURVIVORS;
const MESSAGES = option('--api') === 'messages';
const STREAM = process.argv.includes('--stream');
const WORDS = option('--words');
const CHUNK_GAP_MS = option('--chunk-gap-ms');
/** `--main <path>`: profile another build's `serve` (e.g. bench/out/base/dist/main.js, for a before/after in the same conditions). */
const MAIN = option('--main') === undefined ? undefined : resolve(option('--main')!);
const STAGES_REPORT = process.argv.includes('--stages');
const JSON_OUT = process.argv.includes('--json');
/** The text reports: stdout, or stderr when stdout carries the JSON table. */
const write = (text: string) => (JSON_OUT ? process.stderr : process.stdout).write(text);
const { body: PLAIN_BODY, path: PATH } = gatewayRequest(MESSAGES);
const BODY = STREAM ? PLAIN_BODY.replace('"max_tokens":64', '"max_tokens":64,"stream":true') : PLAIN_BODY;

const machine = benchMachine();
const profileDir = join(machine.outDir, 'profile-serve');
rmSync(profileDir, { recursive: true, force: true });
mkdirSync(profileDir, { recursive: true });
const upstream = await spawnChild('upstream', 'upstream-child.ts', ['fixed'], machine.upstreamCore);
const yaml = MESSAGES ? fakeProviderYaml('anthropic', upstream.url, ANTHROPIC_MODEL) : fakeProviderYaml('openai_compatible', `${upstream.url}/v1`, 'gpt-4o-mini');
const preload = fileURLToPath(new URL('cpu-profile-preload.cjs', import.meta.url));
const serve = await spawnRealServe(upstream.url, machine.serverCore, [], { NODE_OPTIONS: `--require ${preload}`, CPU_PROFILE_DIR: profileDir, PROFILE_KIND: SURVIVORS ? 'survivors' : ALLOC ? 'alloc' : 'cpu' }, MAIN, yaml);
// The process that serves: a cluster worker when serve forked one, else serve itself (`--workers 1` started with its flags is one process).
const workerPid = processTree(serve.pid).find((pid) => pid !== serve.pid && readFileSync(`/proc/${pid}/environ`, 'utf8').includes('NODE_CHANNEL_FD=')) ?? serve.pid;
process.stderr.write(`serve ${serve.pid}, worker ${workerPid}: ${processTree(serve.pid).map((pid) => `${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').slice(0, 80)}`).join('; ')}\n`);
if (workerPid === undefined) throw new Error('no worker process found under fortitude serve');
const target = { url: serve.url, path: PATH, body: BODY, streamEnd: STREAM ? (MESSAGES ? 'message_stop' : '[DONE]') : '' };
let summary = '';
/** Requests answered while the profiler ran: what a per-request figure divides by. */
let requests = 0;
let failed = 0;
/**
 * CPU µs while the profiler ran: the worker's main thread (what the CPU profile samples) and the
 * whole worker process (GC helper threads, the SQLite writer thread too).
 */
let mainThreadCpu = 0;
let workerCpu = 0;
try {
  if (WORDS !== undefined) await setFakeUpstream(upstream.url, 'stream-words', Number(WORDS));
  if (CHUNK_GAP_MS !== undefined) await setFakeUpstream(upstream.url, 'stream-gap', Number(CHUNK_GAP_MS));
  await openLoop(target, 300, 1_000);
  if (WARM_SECONDS > 0) await (STREAM ? openLoopStream(target, RATE ?? 200, WARM_SECONDS * 1000) : saturate(target, CONNECTIONS, WARM_SECONDS));
  const cpuBefore = serve.cpuMicros();
  const mainBefore = threadCpuMicros(workerPid);
  const workerBefore = readStat(workerPid).cpuMicros;
  process.kill(workerPid, 'SIGUSR2');
  // Mid-run, what the provider stack holds: calls in flight, queued at the rate limiter, breaker state.
  const status = new Promise<string>((done) =>
    setTimeout(() => {
      fetch(`${serve.url}/api/providers/status`)
        .then(async (response) => done(await response.text()))
        .catch((error: unknown) => done(String(error)));
    }, (SECONDS * 1000) / 2),
  );
  if (RATE === undefined) {
    const run = await saturate(target, CONNECTIONS, SECONDS);
    requests = run.ok;
    failed = run.errors;
    summary = `closed loop ${CONNECTIONS} connections: ${run.ok} ok, ${run.errors} errors, ${(run.ok / run.durationSeconds).toFixed(0)} rps, p50 ${run.p50} ms, p99 ${run.p99} ms`;
    summary += `, tree CPU ${((serve.cpuMicros() - cpuBefore) / Math.max(1, run.ok + run.errors)).toFixed(0)} µs/request`;
  } else {
    const run = STREAM ? await openLoopStream(target, RATE, SECONDS * 1000) : await openLoop(target, RATE, SECONDS * 1000, { drainMs: 3_000 });
    requests = run.ok;
    failed = run.errors;
    summary = `open loop ${RATE}/s${STREAM ? ' streamed' : ''}: ${run.ok} ok, ${run.errors} errors, tree CPU ${((serve.cpuMicros() - cpuBefore) / Math.max(1, run.ok + run.errors)).toFixed(0)} µs/request`;
  }
  process.kill(workerPid, 'SIGUSR2');
  mainThreadCpu = threadCpuMicros(workerPid) - mainBefore;
  workerCpu = readStat(workerPid).cpuMicros - workerBefore;
  summary += `, worker process CPU ${(workerCpu / Math.max(1, requests)).toFixed(0)} µs/request (main thread ${(mainThreadCpu / Math.max(1, requests)).toFixed(0)})`;
  summary += `\nprovider status mid-run: ${(await status).slice(0, 1_500)}`;
  await new Promise((resolve) => setTimeout(resolve, 1_500));
} finally {
  await serve.stop();
  await upstream.stop();
}
const load = loadavg()[0]!;
write(`load average ${load.toFixed(1)}; ${summary}\n`);
if (ALLOC) {
  const name = readdirSync(profileDir).find((file) => file.endsWith('.heapprofile'));
  if (name === undefined) throw new Error(`no allocation profile written in ${profileDir}`);
  const head = (JSON.parse(readFileSync(join(profileDir, name), 'utf8')) as { head: HeapNode }).head;
  summariseAllocations(head);
  if (STAGES_REPORT) reportStages(undefined, allocationsByStage(head));
  process.exit(0);
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const files = readdirSync(profileDir).filter((name) => name.endsWith('.cpuprofile'));
const profiles = files.map((name) => ({ name, profile: JSON.parse(readFileSync(join(profileDir, name), 'utf8')) as Profile }));
profiles.sort((a, b) => b.profile.samples.length - a.profile.samples.length);
const worker = profiles[0];
if (worker === undefined) throw new Error(`no profile written in ${profileDir}`);
const byId = new Map(worker.profile.nodes.map((node) => [node.id, node]));
const selfMicros = new Map<number, number>();
for (let index = 0; index < worker.profile.samples.length; index += 1) {
  const id = worker.profile.samples[index]!;
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + (worker.profile.timeDeltas[index] ?? 0));
}
const total = [...selfMicros.values()].reduce((sum, value) => sum + value, 0);
const shortUrl = (url: string) => url.replace(/^file:\/\/.*?\/(dist|node_modules)\//, '$1/').replace(/^node:/, 'node:');
const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
for (const [id, micros] of selfMicros) {
  const frame = byId.get(id)!.callFrame;
  const where = shortUrl(frame.url);
  const fn = `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
  byFile.set(where || frame.functionName, (byFile.get(where || frame.functionName) ?? 0) + micros);
}
const print = (title: string, entries: Map<string, number>) => {
  write(`\n${title} (worker ${worker.name}, ${(total / 1e6).toFixed(2)} s sampled)\n`);
  for (const [name, micros] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
    write(`${((100 * micros) / total).toFixed(1).padStart(5)} %  ${name}\n`);
  }
};
// Inclusive time of each Fortitude function (dist/ frames): every sample counts once for each distinct function on its stack.
const parent = new Map<number, number>();
for (const node of worker.profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const inclusive = new Map<string, number>();
for (const [id, micros] of selfMicros) {
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at)!.callFrame;
    if (!frame.url.includes('/dist/')) continue;
    const fn = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    if (seen.has(fn)) continue;
    seen.add(fn);
    inclusive.set(fn, (inclusive.get(fn) ?? 0) + micros);
  }
}
print('self time by function', byFunction);
print('inclusive time of Fortitude functions', inclusive);
print('self time by file', byFile);
if (STAGES_REPORT) reportStages(cpuByStage(worker.profile), undefined);

/**
 * The per-stage table (stages.ts) over the requests answered while profiling; stages.json beside
 * the profile, and on stdout with `--json`.
 */
function reportStages(cpu: Map<string, StageTotal> | undefined, bytes: Map<string, StageTotal> | undefined): void {
  const rows = stageTable(requests, cpu, bytes, { cpuMicros: mainThreadCpu });
  const kind = cpu !== undefined ? 'cpu' : SURVIVORS ? 'survivors' : 'alloc';
  const unit =
    cpu !== undefined
      ? `CPU µs: the worker main thread's ${(mainThreadCpu / 1e3).toFixed(0)} ms of CPU shared by busy samples; "below": node/native/package frames called from the stage; "% all": share of all samples, idle included`
      : SURVIVORS
        ? 'bytes surviving a scavenge; the budgets are for all bytes allocated'
        : 'bytes allocated';
  write(`\nper stage, per request (${unit}; ${requests} answered requests)\n${formatStageTable(rows)}\n`);
  if (failed > 0) write(`WARNING: ${failed} requests failed; per-request figures are not comparable\n`);
  const cpuPerRequest = { mainThread: mainThreadCpu / Math.max(1, requests), workerProcess: workerCpu / Math.max(1, requests) };
  const document = { kind, command: process.argv.slice(2).join(' '), loadAverage: load, summary: summary.split('\n')[0], requests, failed, cpuMicrosPerRequest: cpuPerRequest, stages: rows };
  // Two decimals are more than the sampling resolves.
  const text = `${JSON.stringify(document, (_key, value: unknown) => (typeof value === 'number' ? Math.round(value * 100) / 100 : value), 2)}\n`;
  writeFileSync(join(profileDir, 'stages.json'), text);
  if (JSON_OUT) process.stdout.write(text);
}

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

/**
 * The worker's sampled allocations (the sampling heap profiler scales each sample to an estimate
 * of every byte allocated, scavenged objects included): bytes per request in total, by function
 * (self) and by Fortitude function (inclusive: everything allocated below it).
 */
function summariseAllocations(head: HeapNode): void {
  const shortUrl = (url: string) => url.replace(/^file:\/\/.*?\/(dist|node_modules)\//, '$1/');
  const label = (node: HeapNode) => `${node.callFrame.functionName || '(anonymous)'} ${shortUrl(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  const walk = (node: HeapNode, stack: Set<string>): number => {
    const own = label(node);
    self.set(own, (self.get(own) ?? 0) + node.selfSize);
    total += node.selfSize;
    const fresh = node.callFrame.url.includes('/dist/') && !stack.has(own);
    if (fresh) stack.add(own);
    let below = node.selfSize;
    for (const child of node.children) below += walk(child, stack);
    if (fresh) {
      stack.delete(own);
      inclusive.set(own, (inclusive.get(own) ?? 0) + below);
    }
    return below;
  };
  walk(head, new Set());
  const perRequest = (bytes: number) => (bytes / Math.max(1, requests)).toFixed(0).padStart(7);
  write(`\n${SURVIVORS ? 'survived a scavenge (promoted or alive at the end)' : 'allocated'} ${(total / 1e6).toFixed(1)} MB over ${requests} answered requests: ${perRequest(total).trim()} bytes per request (sampled; profile in ${profileDir})\n`);
  // A request the client gave up on may still have run, or not: the figure is only sound without failures.
  if (failed > 0) write(`WARNING: ${failed} requests failed; bytes per request are not comparable (lower --rate)\n`);
  const print = (title: string, entries: Map<string, number>) => {
    write(`\n${title}, bytes per request\n`);
    for (const [where, bytes] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, TOP)) write(`${perRequest(bytes)}  ${where}\n`);
  };
  print('self, by function', self);
  print('inclusive, Fortitude functions', inclusive);
}
