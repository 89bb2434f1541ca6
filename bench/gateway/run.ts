/**
 * Gateway overhead benchmark (issue 5): the same OpenAI chat request (non-stream) sent
 * (a) straight to the upstream, (b) through a bare undici proxy, (c) through Fortitude's HTTP
 * server with pass-through services — open loop at fixed rates (latency from each request's
 * intended send time) and closed-loop saturation (autocannon). Each server runs in its own
 * process pinned to core 1; the client and the upstream share core 0. Every measurement is
 * split into short slices with the three paths rotated between slices, so machine noise lands
 * on all three alike.
 *
 *   node --import tsx bench/gateway/run.ts [--quick] [--upstream sim|fixed] [--tsx]
 *
 * The servers run as plain JS compiled with tsc into bench/out/gateway-build/ (as the published
 * package runs); `--tsx` runs them through tsx instead (slower to start, ~30 MB more RSS).
 * Writes bench/out/gateway-report.html, gateway-results.json and gateway-results.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { benchMachine, CHAT_BODY as BODY, checkChatAnswer, concatSorted, rotate as rotateArms, spawnBaseArms, type Arm, type ArmUsage } from './arms.js';
import { openLoop, percentile, saturate } from './load.js';
import { htmlReport, markdownTable, type ArmResult, type BenchReport } from './report.js';

const quick = process.argv.includes('--quick');
const upstreamIndex = process.argv.indexOf('--upstream');
const upstreamKind = upstreamIndex >= 0 ? process.argv[upstreamIndex + 1]! : 'sim';
const viaTsx = process.argv.includes('--tsx');
const RATES = [500, 1000, 2000];
/** Slices per measurement; each path gets `SLICES × SLICE_MS` per rate. */
const SLICES = quick ? 2 : 4;
const SLICE_MS = quick ? 600 : 1_000;
const SATURATION_SLICE_SECONDS = 1;
const SATURATION_SLICES = quick ? 2 : 4;
const WARM_UP_MS = quick ? 700 : 1_500;
const SATURATION_CONNECTIONS = 32;

interface Tally extends ArmUsage {
  ok: number;
  errors: number;
  sent: number;
  latencies: Float64Array[];
  overheads: number[];
  /** Saturation only: autocannon percentiles per slice, weighted by requests. */
  weightedP50: number;
  weightedP99: number;
}

const machine = benchMachine();
const { cores, pinned, loadBefore, outDir, runtime } = machine;
// Both servers get the V8 and allocator settings `fortitude serve` gives a worker by default, so
// the ratio compares code, and Fortitude's RSS is what a deployment sees.
const { upstream, proxy, passthrough: fortitude } = await spawnBaseArms(machine, { upstreamKind, viaTsx, proxyRuntime: true });
const arms: Arm[] = [
  { name: 'direct', child: upstream, target: { url: upstream.url, path: '/openai/v1/chat/completions', body: BODY } },
  { name: 'bare proxy', child: proxy, target: { url: proxy.url, path: '/v1/chat/completions', body: BODY } },
  { name: 'fortitude', child: fortitude, target: { url: fortitude.url, path: '/v1/chat/completions', body: BODY } },
];

try {
  await checkAnswers();
  for (const arm of arms) await openLoop(arm.target, 500, WARM_UP_MS);

  const results: ArmResult[] = [];
  for (const rate of RATES) {
    const tallies = await rotate(SLICES, async (arm, tally) => {
      const run = await openLoop(arm.target, rate, SLICE_MS);
      tally.ok += run.ok;
      tally.errors += run.errors;
      tally.sent += run.sent;
      tally.latencies.push(run.latencies);
      for (const overhead of run.overheads) tally.overheads.push(overhead);
    });
    for (const arm of arms) {
      const tally = tallies.get(arm)!;
      const sorted = concatSorted(tally.latencies);
      const overheads = Float64Array.from(tally.overheads).sort();
      results.push({
        arm: arm.name,
        rate,
        ok: tally.ok,
        errors: tally.errors,
        p50: percentile(sorted, 0.5),
        p99: percentile(sorted, 0.99),
        rps: tally.sent / (tally.wallMicros / 1e6),
        ...(overheads.length === 0 ? {} : { selfOverheadP50: percentile(overheads, 0.5), selfOverheadP99: percentile(overheads, 0.99) }),
        ...usage(tally),
      });
    }
    progress(results.slice(-3));
  }

  const saturation = await rotate(SATURATION_SLICES, async (arm, tally) => {
    const run = await saturate(arm.target, SATURATION_CONNECTIONS, SATURATION_SLICE_SECONDS);
    tally.ok += run.ok;
    tally.errors += run.errors;
    tally.sent += run.ok + run.errors;
    tally.weightedP50 += run.p50 * run.ok;
    tally.weightedP99 += run.p99 * run.ok;
  });
  for (const arm of arms) {
    const tally = saturation.get(arm)!;
    results.push({
      arm: arm.name,
      rate: 'saturation',
      ok: tally.ok,
      errors: tally.errors,
      p50: tally.weightedP50 / Math.max(1, tally.ok),
      p99: tally.weightedP99 / Math.max(1, tally.ok),
      rps: tally.ok / (tally.wallMicros / 1e6),
      ...usage(tally),
    });
  }
  progress(results.slice(-3));

  const report: BenchReport = {
    startedAt: new Date().toISOString(),
    command: `node --import tsx bench/gateway/run.ts${quick ? ' --quick' : ''}${upstreamIndex >= 0 ? ` --upstream ${upstreamKind}` : ''}${viaTsx ? ' --tsx' : ''}`,
    machine: `${cpus()[0]?.model ?? 'cpu'} × ${cores}, Node ${process.version}, load average ${loadBefore.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}`,
    upstream: upstreamKind === 'fixed' ? 'fixed chat.completion server' : 'Fortitude simulator, 0 ms latency',
    pinned,
    runtime: `${viaTsx ? 'servers run through tsx' : 'servers compiled to JS with tsc'}, with serve's worker settings (${[...runtime.nodeFlags, ...Object.entries(runtime.env).map(([name, value]) => `${name}=${value}`)].join(' ')})`,
    results,
  };
  mkdirSync(outDir, { recursive: true });
  const table = markdownTable(report);
  writeFileSync(`${outDir}gateway-results.json`, `${JSON.stringify(report, null, 2)}\n`);
  const heading = `${report.machine}; ${report.upstream}; ${report.runtime}; servers pinned: ${report.pinned ? 'yes' : 'no'}`;
  writeFileSync(`${outDir}gateway-results.md`, `${heading}\n\n${table}\n`);
  writeFileSync(`${outDir}gateway-report.html`, htmlReport(report));
  process.stdout.write(`${heading}\n\n${table}\n\nreport: bench/out/gateway-report.html\n`);
} finally {
  await Promise.all([fortitude.stop(), proxy.stop()]);
  await upstream.stop();
}

/** `rotate` over the three arms, with fresh tallies and RSS sampled every 100 ms. */
function rotate(slices: number, slice: (arm: Arm, tally: Tally) => Promise<void>): Promise<Map<Arm, Tally>> {
  const tally = (): Tally => ({ ok: 0, errors: 0, sent: 0, cpuMicros: 0, wallMicros: 0, peakRss: 0, latencies: [], overheads: [], weightedP50: 0, weightedP99: 0 });
  return rotateArms(arms, slices, { rssSampleMs: 100, tally }, slice);
}

function usage(tally: Tally): Pick<ArmResult, 'cpuMicrosPerRequest' | 'cpuShare' | 'peakRssMb'> {
  return {
    cpuMicrosPerRequest: tally.cpuMicros / Math.max(1, tally.ok + tally.errors),
    cpuShare: tally.cpuMicros / tally.wallMicros,
    peakRssMb: tally.peakRss / 1e6,
  };
}

function progress(results: ArmResult[]): void {
  for (const result of results) {
    const load = result.rate === 'saturation' ? 'saturation' : `${result.rate} rps`;
    process.stderr.write(
      `${load.padEnd(11)} ${result.arm.padEnd(11)} p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms  ${result.rps.toFixed(0)} rps  ${result.cpuMicrosPerRequest.toFixed(0)} µs/req  errors ${result.errors}\n`,
    );
  }
}

/** Every path must return a real chat.completion before anything is timed. */
async function checkAnswers(): Promise<void> {
  for (const arm of arms) {
    const response = await checkChatAnswer(arm);
    if (arm.name === 'fortitude' && response.headers.get('x-fortitude-provider') !== 'openai') {
      throw new Error('fortitude: missing x-fortitude-provider');
    }
  }
}
