/**
 * What the gateway benchmarks (`run.ts`: the HTTP layer with pass-through services; `serve.ts`:
 * `fortitude serve` as shipped) set up alike: the machine (this process pinned to core 0, servers
 * to core 1), the fake upstream, the bare-proxy baseline and the pass-through arm with `serve`'s
 * worker runtime, the rotation of measured slices, and the answer check before anything is timed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfigText } from '../../src/app/config/load-config.js';
import { runtimeEnvironment, runtimeNodeFlags } from '../../src/app/config/runtime-flags.js';
import { lowerV8ThreadPriority } from '../../src/infrastructure/runtime/background-threads.js';
import { compileChildren, HAS_TASKSET, pinSelf, spawnChild, type BenchChild } from './child-process.js';
import { percentile, type LoadTarget } from './load.js';

/** The OpenAI chat request every arm answers (non-streamed). */
export const CHAT_BODY = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are a concise research assistant.' },
    { role: 'user', content: 'What is the difference between a mutex and a semaphore?' },
  ],
  max_tokens: 64,
});

export const ANTHROPIC_MODEL = 'claude-3-5-haiku-20241022';
/** The Anthropic Messages request the `--api messages` arms answer: the chat request's content in Anthropic's shape. */
export const MESSAGES_BODY = JSON.stringify({
  model: ANTHROPIC_MODEL,
  max_tokens: 64,
  system: 'You are a concise research assistant.',
  messages: [{ role: 'user', content: 'What is the difference between a mutex and a semaphore?' }],
});

/** The gateway request a bench sends: chat completions, or `/v1/messages` with `messages`. */
export function gatewayRequest(messages: boolean): { body: string; path: string } {
  return messages ? { body: MESSAGES_BODY, path: '/v1/messages' } : { body: CHAT_BODY, path: '/v1/chat/completions' };
}

export interface Arm {
  name: string;
  child: BenchChild;
  target: LoadTarget;
}

export type BenchMachine = ReturnType<typeof benchMachine>;

/**
 * Pins this process to core 0 (on two cores or more) and says where everything runs: servers on
 * core 1, the upstream on core 0 (both undefined on one core), and the V8 flags and allocator
 * environment `fortitude serve` gives a worker by default (`runtime`).
 */
export function benchMachine() {
  const cores = availableParallelism();
  const multiCore = cores >= 2;
  const pinned = multiCore && pinSelf(0) && HAS_TASKSET;
  // The load generator's own GC threads took core 0 for 3–4 ms slices while the upstream waited
  // there (`perf sched`): a stall every arm's latency showed. Lowered, they use idle time.
  void lowerV8ThreadPriority(10);
  const serverCore = multiCore ? 1 : undefined;
  const serverRuntime = parseConfigText('').server.runtime;
  return {
    cores,
    serverCore,
    upstreamCore: multiCore ? 0 : undefined,
    pinned,
    loadBefore: loadavg()[0]!,
    /** bench/out/, with a trailing slash. */
    outDir: fileURLToPath(new URL('../out/', import.meta.url)),
    runtime: {
      nodeFlags: runtimeNodeFlags(serverRuntime, { workers: 1, cores: serverCore === undefined || !HAS_TASKSET ? cores : 1 }),
      env: runtimeEnvironment(serverRuntime),
    },
  };
}

/**
 * The fake upstream (`sim` or `fixed`, see upstream-child.ts), the bare undici proxy in front of
 * it and Fortitude's HTTP layer with pass-through services, compiled to plain JS under
 * bench/out/gateway-build/ unless `viaTsx`. The proxy gets serve's worker runtime when
 * `proxyRuntime` is set.
 */
export async function spawnBaseArms(
  machine: BenchMachine,
  /** `proxyPrefix`: what the proxy puts before the request path upstream (default `/openai`; `''` for the Anthropic arm). */
  options: { upstreamKind: string; viaTsx?: boolean; proxyRuntime: boolean; proxyPrefix?: string },
) {
  const buildDir = options.viaTsx ? undefined : join(machine.outDir, 'gateway-build');
  if (buildDir !== undefined) compileChildren(buildDir);
  const upstream = await spawnChild('upstream', 'upstream-child.ts', [options.upstreamKind], machine.upstreamCore, buildDir);
  const proxyArgs = options.proxyPrefix === undefined ? [upstream.url] : [upstream.url, options.proxyPrefix];
  const proxy = await spawnChild('bare proxy', 'proxy-child.ts', proxyArgs, machine.serverCore, buildDir, options.proxyRuntime ? machine.runtime : undefined);
  const passthrough = await spawnChild('pass-through', 'fortitude-child.ts', [upstream.url], machine.serverCore, buildDir, machine.runtime);
  return { upstream, proxy, passthrough };
}

/** CPU time, wall time and peak RSS of an arm's process (tree) around its slices. */
export type ArmUsage = { cpuMicros: number; wallMicros: number; peakRss: number };

/**
 * Runs `slices` rounds; each round measures every arm once, starting with a different arm, and
 * adds the arm's CPU time, wall time and peak RSS (sampled every `rssSampleMs`) around its slice
 * to its tally. A slice may return its own duration in seconds (autocannon's) to count as wall time.
 */
export async function rotate<A extends Arm, T extends ArmUsage>(arms: readonly A[], slices: number, options: { rssSampleMs: number; tally: () => T }, slice: (arm: A, tally: T) => Promise<number | void>) {
  const tallies = new Map<A, T>(arms.map((arm) => [arm, options.tally()]));
  for (let round = 0; round < slices; round++) {
    for (let index = 0; index < arms.length; index++) {
      const arm = arms[(round + index) % arms.length]!;
      const tally = tallies.get(arm)!;
      const sampler = setInterval(() => (tally.peakRss = Math.max(tally.peakRss, arm.child.rssBytes())), options.rssSampleMs);
      const cpuBefore = arm.child.cpuMicros();
      const started = performance.now();
      const seconds = await slice(arm, tally);
      tally.wallMicros += typeof seconds === 'number' ? seconds * 1e6 : (performance.now() - started) * 1000;
      tally.cpuMicros += arm.child.cpuMicros() - cpuBefore;
      clearInterval(sampler);
      tally.peakRss = Math.max(tally.peakRss, arm.child.rssBytes());
    }
  }
  return tallies;
}

/** The slices' latencies as one sorted array. */
export function concatSorted(parts: Float64Array[]): Float64Array {
  const all = new Float64Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all.sort();
}

/** Throws unless the arm returns a real `chat.completion` for `CHAT_BODY`; resolves to the response for further checks. */
export async function checkChatAnswer(arm: Arm): Promise<Response> {
  const response = await fetch(arm.target.url + arm.target.path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
    body: CHAT_BODY,
  });
  const body = (await response.json()) as { object?: string; choices?: { message?: { content?: string } }[] };
  if (response.status !== 200 || body.object !== 'chat.completion' || typeof body.choices?.[0]?.message?.content !== 'string') {
    throw new Error(`${arm.name}: unexpected answer ${response.status} ${JSON.stringify(body).slice(0, 200)}`);
  }
  return response;
}

/** A command-line option's value (`--name value`), or undefined. */
export function benchOption(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

/** One arm's numbers in one phase: what every serve benchmark's table shows. */
export interface ArmRow {
  phase: string;
  arm: string;
  ok: number;
  errors: number;
  p50: number;
  p90: number;
  p99: number;
  rps: number;
  cpuMicrosPerRequest: number;
  peakRssMb: number;
}

/** An arm's row from its tally over the phase's slices: percentiles of its latencies, rates per request sent. */
export function armRow(phase: string, arm: Arm, tally: ArmUsage & { ok: number; errors: number; latencies: Float64Array[] }): ArmRow {
  const sorted = concatSorted(tally.latencies);
  return {
    phase,
    arm: arm.name,
    ok: tally.ok,
    errors: tally.errors,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    rps: (tally.ok + tally.errors) / (tally.wallMicros / 1e6),
    cpuMicrosPerRequest: tally.cpuMicros / Math.max(1, tally.ok + tally.errors),
    peakRssMb: tally.peakRss / 1e6,
  };
}

/** The results heading's first line: the machine, the load before and now, the pinning and the slices. */
export function machineLine(machine: BenchMachine, slices: number, sliceMs: number): string {
  return `${cpus()[0]?.model ?? 'cpu'} × ${machine.cores}, Node ${process.version}, load average ${machine.loadBefore.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}; servers pinned to core 1: ${machine.pinned ? 'yes' : 'no'}; ${slices} slice(s) of ${sliceMs} ms per arm and phase`;
}

/** Writes bench/out/<name>.{json,md} and prints the heading and table. */
export function writeResults(machine: BenchMachine, name: string, heading: string, rows: readonly object[], table: string): void {
  mkdirSync(machine.outDir, { recursive: true });
  writeFileSync(`${machine.outDir}${name}.json`, `${JSON.stringify({ heading, rows }, null, 2)}\n`);
  writeFileSync(`${machine.outDir}${name}.md`, `${heading}\n\n${table}\n`);
  process.stdout.write(`${heading}\n\n${table}\n`);
}
