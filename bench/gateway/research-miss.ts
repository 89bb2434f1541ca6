/**
 * The research path on a cache miss (issue 17): `POST /api/research` with a question never asked
 * before (every request a unique query, in a fresh scratch directory, so neither the exact nor the
 * semantic cache can answer), through the real `fortitude serve --workers 1` (built package,
 * dist/main.js). Its providers (`openai`, `claude`, `gemini`, each with an API key, so serve's
 * in-process simulator stays off) point at Fortitude's simulator running as its own process with a
 * lognormal latency (`--latency-ms` median, p99 4× that), so the serve tree's CPU is serve's alone.
 *
 * Arms, same run, rotated slice by slice:
 *   - `direct`          one chat call straight to the same simulated upstream (`/openai/v1/chat/completions`,
 *                       the same unique question as the user message) — the baseline;
 *   - `bare proxy`      that chat call through a bare undici proxy (node:http + Pool), a gateway's floor;
 *   - `serve research`  `POST /api/research {"query": …}` through the real serve.
 * Every server (serve's whole process tree) is pinned to core 1, the load generator and the
 * simulator to core 0. Phases: open loop at `--rates` (default 20,50 per second), closed loop with
 * `--connections` (default 16) clients. CPU µs/request is summed over each arm's process tree
 * from /proc; the simulator's CPU per request is shown too (for serve, its ratio to the direct
 * arm's is about the upstream work a research request causes), and at the end serve's own count of
 * provider calls (`fortitude_provider_requests_total` on `/metrics`, all outcomes) per research
 * request sent. Every answer's cache outcome is counted: a run with a non-`miss` answer says so.
 *
 *   npm run build && node --import tsx bench/gateway/research-miss.ts [--quick] [--slices N] [--latency-ms 200] [--rates 20,50] [--connections 16] [--main path/to/main.js]
 *
 * `--main` runs serve from another build's `main.js` (e.g. a copy of `dist/` taken before a change,
 * kept inside the repository so its imports resolve), for before/after runs on the same machine.
 *
 * About 1.5 minutes (`--quick` under 1). Writes bench/out/gateway-research-miss-results.{md,json}.
 */
import { join, resolve } from 'node:path';
import { armRow, benchMachine, benchOption as option, machineLine, rotate, writeResults, type Arm, type ArmRow } from './arms.js';
import { compileChildren, simulatorProvidersYaml, spawnChild, spawnRealServe } from './child-process.js';
import { closedLoop, openLoop, type LoadTarget } from './load.js';

const quick = process.argv.includes('--quick');
const SLICES = Number(option('--slices') ?? (quick ? 1 : 2));
const SLICE_MS = quick ? 1_500 : 2_500;
const LATENCY_MS = Number(option('--latency-ms') ?? 200);
const RATES = (option('--rates') ?? '20,50').split(',').map(Number);
const CONNECTIONS = Number(option('--connections') ?? 16);
const MAIN = option('--main') === undefined ? undefined : resolve(option('--main')!);
/** A backlog still unanswered this long after a slice's last send counts as errors (bounded run). */
const DRAIN_MS = 5_000;
for (const [name, value] of [['--slices', SLICES], ['--latency-ms', LATENCY_MS], ['--connections', CONNECTIONS], ...RATES.map((rate) => ['--rates', rate] as const)] as const) {
  if (!(Number.isFinite(value) && value > 0)) throw new Error(`${name}: expected a positive number, got ${String(value)}`);
}

/** A fresh question per request: the run id keeps two runs apart, the index keeps requests apart. */
const RUN_ID = Date.now().toString(36);
let nextQuestion = 0;
const question = (): string => {
  const n = nextQuestion++;
  return `What breaks when service ${RUN_ID}-${n} loses its database connection pool during deploy ${n % 97}?`;
};

const machine = benchMachine();
const { serverCore, outDir } = machine;
const buildDir = join(outDir, 'gateway-build');
compileChildren(buildDir);
const simulator = await spawnChild('simulator', 'upstream-child.ts', ['sim', String(LATENCY_MS), String(LATENCY_MS * 4)], machine.upstreamCore, buildDir);
const proxy = await spawnChild('bare proxy', 'proxy-child.ts', [simulator.url], serverCore, buildDir);
const serveYaml = simulatorProvidersYaml(simulator.url);
const serve = await spawnRealServe(simulator.url, serverCore, ['--workers', '1'], {}, MAIN, serveYaml);

const outcomes = new Map<string, number>();
/** Research requests sent (check, warm-up and measured), against serve's provider-call counter at the end. */
let researchSent = 0;
const countOutcome = (status: number, text: string): void => {
  const kind = status === 200 ? (/"cache":\{"kind":"(\w+)"/.exec(text)?.[1] ?? 'no cache field') : `status ${status}`;
  outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
};
const chatBody = (): string => JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: question() }], max_tokens: 512 });
const CHAT_PATH = '/v1/chat/completions';
const arms: Arm[] = [
  { name: 'direct', child: simulator, target: { url: simulator.url, path: `/openai${CHAT_PATH}`, body: '', bodyFor: chatBody } },
  { name: 'bare proxy', child: proxy, target: { url: proxy.url, path: CHAT_PATH, body: '', bodyFor: chatBody } },
  {
    name: 'serve research',
    child: serve,
    target: {
      url: serve.url,
      path: '/api/research',
      body: '',
      bodyFor: () => {
        researchSent++;
        return JSON.stringify({ query: question() });
      },
      onAnswer: countOutcome,
    },
  },
];

interface Row extends ArmRow {
  upstreamCpuMicrosPerRequest: number;
}
const rows: Row[] = [];

try {
  await checkAnswers();
  // Warm-up (unrecorded): connections, JIT, SQLite pages.
  for (const arm of arms) await openLoop(arm.target, RATES[0]!, 1_000, { drainMs: DRAIN_MS });
  outcomes.clear();

  for (const rate of RATES) {
    await phase(`open loop ${rate}/s`, async (arm) => {
      const run = await openLoop(arm.target, rate, SLICE_MS, { drainMs: DRAIN_MS });
      return { ok: run.ok, errors: run.errors, latencies: run.latencies };
    });
  }
  await phase(`closed loop, ${CONNECTIONS} connections`, async (arm) => {
    const run = await closedLoop(arm.target, CONNECTIONS, SLICE_MS);
    return { ok: run.ok, errors: run.errors, latencies: run.latencies, seconds: run.elapsedMs / 1000 };
  });

  const table = render();
  const providerCalls = await providerCallCount();
  const heading = [
    `${machineLine(machine, SLICES, SLICE_MS)}; simulator latency lognormal median ${LATENCY_MS} ms, p99 ${LATENCY_MS * 4} ms; serve --workers 1${MAIN === undefined ? '' : ` from ${MAIN}`}`,
    `Research answers' cache outcomes (measured slices): ${[...outcomes].map(([kind, count]) => `${kind} ${count}`).join(', ')}`,
    `Provider calls per research request (serve's fortitude_provider_requests_total ÷ research requests sent): ${providerCalls === undefined ? 'not available' : `${providerCalls} ÷ ${researchSent} = ${(providerCalls / researchSent).toFixed(2)}`}`,
    `Command: node --import tsx bench/gateway/research-miss.ts ${process.argv.slice(2).join(' ')}`.trim(),
  ].join('\n');
  writeResults(machine, 'gateway-research-miss-results', heading, rows, table);
} finally {
  await Promise.all([serve.stop(), proxy.stop()]);
  await simulator.stop();
}

interface SliceResult {
  ok: number;
  errors: number;
  latencies: Float64Array;
  seconds?: number;
}

async function phase(name: string, slice: (arm: Arm) => Promise<SliceResult>): Promise<void> {
  const upstreamCpu = new Map<Arm, number>();
  const tally = () => ({ ok: 0, errors: 0, cpuMicros: 0, wallMicros: 0, peakRss: 0, latencies: [] as Float64Array[] });
  const tallies = await rotate(arms, SLICES, { rssSampleMs: 200, tally }, async (arm, armTally) => {
    const before = simulator.cpuMicros();
    const result = await slice(arm);
    upstreamCpu.set(arm, (upstreamCpu.get(arm) ?? 0) + simulator.cpuMicros() - before);
    armTally.ok += result.ok;
    armTally.errors += result.errors;
    armTally.latencies.push(result.latencies);
    return result.seconds;
  });
  for (const arm of arms) {
    const t = tallies.get(arm)!;
    const base = armRow(name, arm, t);
    const row: Row = {
      ...base,
      // `direct`'s server is the simulator itself: its CPU is the upstream column.
      ...(arm.name === 'direct' ? { cpuMicrosPerRequest: Number.NaN } : {}),
      upstreamCpuMicrosPerRequest: (upstreamCpu.get(arm) ?? 0) / Math.max(1, t.ok + t.errors),
    };
    rows.push(row);
    process.stderr.write(
      `${name.padEnd(28)} ${arm.name.padEnd(15)} p50 ${row.p50.toFixed(1)}  p90 ${row.p90.toFixed(1)}  p99 ${row.p99.toFixed(1)} ms  ${row.rps.toFixed(1)} rps  ${row.cpuMicrosPerRequest.toFixed(0)} µs/req (upstream ${row.upstreamCpuMicrosPerRequest.toFixed(0)})  RSS ${row.peakRssMb.toFixed(0)} MB  errors ${row.errors}\n`,
    );
  }
}

function render(): string {
  const fixed = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : '–');
  const lines = [
    '| phase | arm | ok | errors | p50 ms | p90 ms | p99 ms | rps | server CPU µs/req (tree) | simulator CPU µs/req | peak RSS MB (tree) |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (row) =>
        `| ${row.phase} | ${row.arm} | ${row.ok} | ${row.errors} | ${fixed(row.p50)} | ${fixed(row.p90)} | ${fixed(row.p99)} | ${fixed(row.rps)} | ${fixed(row.cpuMicrosPerRequest, 0)} | ${fixed(row.upstreamCpuMicrosPerRequest, 0)} | ${fixed(row.peakRssMb, 0)} |`,
    ),
    '',
    'Same phase, same run: latency added over `direct` (one call to the same simulated upstream), and ratios.',
    '`direct`\'s server is the simulator itself, so CPU ratios are to the bare proxy.',
    '',
    '| phase | arm | added p50 ms | added p99 ms | rps ÷ direct | CPU/req ÷ bare proxy | simulator CPU/req ÷ direct\'s |',
    '|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const phaseName of [...new Set(rows.map((row) => row.phase))]) {
    const direct = rows.find((row) => row.phase === phaseName && row.arm === 'direct')!;
    const proxyRow = rows.find((row) => row.phase === phaseName && row.arm === 'bare proxy')!;
    for (const row of rows.filter((candidate) => candidate.phase === phaseName && candidate.arm !== 'direct')) {
      lines.push(
        `| ${phaseName} | ${row.arm} | ${fixed(row.p50 - direct.p50)} | ${fixed(row.p99 - direct.p99)} | ${fixed(row.rps / direct.rps, 2)}× | ${fixed(row.cpuMicrosPerRequest / proxyRow.cpuMicrosPerRequest, 2)}× | ${fixed(row.upstreamCpuMicrosPerRequest / direct.upstreamCpuMicrosPerRequest, 2)}× |`,
      );
    }
  }
  return lines.join('\n');
}

/** Every arm must answer before anything is timed; research must be a miss with an answer. */
async function checkAnswers(): Promise<void> {
  for (const arm of arms) {
    const target: LoadTarget = arm.target;
    const response = await fetch(target.url + target.path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
      body: target.bodyFor!(0),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${arm.name}: unexpected answer ${response.status} ${text.slice(0, 300)}`);
    if (arm.name === 'serve research' && !text.includes('"cache":{"kind":"miss"')) throw new Error(`serve research: not a cache miss: ${text.slice(0, 300)}`);
    if (arm.name !== 'serve research' && !text.includes('chat.completion')) throw new Error(`${arm.name}: not a chat.completion: ${text.slice(0, 300)}`);
  }
}

/** The sum of `fortitude_provider_requests_total` over every label set on serve's `/metrics`, if it answers. */
async function providerCallCount(): Promise<number | undefined> {
  const response = await fetch(`${serve.url}/metrics`);
  const text = await response.text();
  if (response.status !== 200) return undefined;
  let total = 0;
  let seen = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith('fortitude_provider_requests_total')) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
    seen = true;
  }
  return seen ? total : undefined;
}
