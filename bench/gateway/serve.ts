/**
 * The gateway as users run it (issue 17): the real `fortitude serve --workers 1` (built package,
 * dist/main.js; one `openai_compatible` provider pointed at a fake upstream, rate limits high
 * enough never to bind, everything else default) against, in the same run:
 *   - `direct`       the fake upstream itself,
 *   - `bare proxy`   a node:http server forwarding through an undici Pool (the baseline),
 *   - `pass-through` Fortitude's HTTP layer with pass-through services (bench/gateway/run.ts's arm:
 *                    no routing, limits, budget, metrics or records — not what users run),
 *   - `serve`        the real `fortitude serve`.
 * Every server (and serve's whole process tree) is pinned to core 1, the load generator and the
 * upstream to core 0. Phases: open loop at 500/1000/2000 per second with a 0 ms and a 50 ms
 * upstream, closed-loop saturation (autocannon) at 0 ms, streaming time to first byte, and the CPU
 * per relayed chunk, with chunks back to back and 1 ms apart (each in its own TCP segment); the
 * added p99 with a bootstrap 95 % interval (one run's p99 rests on its slowest 1 %). Each
 * measurement is short slices with the arms rotated, so machine noise lands on all of them.
 * CPU µs/request and RSS are summed over each server's process tree from /proc.
 *
 * `--api messages`: the Anthropic Messages API instead — `POST /v1/messages` through serve with one
 * `anthropic` provider at the fake upstream (which answers `/v1/messages` in Anthropic's format,
 * JSON or SSE events), the bare proxy forwarding the same path to it; no pass-through arm (it
 * speaks OpenAI only); open loop at 500/1000 per second with a 0 ms upstream, saturation and
 * streaming time to first byte.
 *
 * `--baseline DIR`: a second serve arm, `serve (baseline)`, from another build's DIR/dist/main.js (for
 * a code change, same run, e.g. the previous commit built with
 * `git archive HEAD src tsconfig.json tsconfig.build.json package.json | tar -x -C DIR && (cd DIR && npx tsc -p tsconfig.build.json)`
 * with DIR inside this repository, so its imports resolve to node_modules).
 *
 *   npm run build && node --import tsx bench/gateway/serve.ts [--quick] [--slices N] [--workers N] [--young-mb N] [--only-0ms] [--api messages] [--baseline DIR]
 *
 * About 2 minutes (`--quick` about 1). Writes bench/out/gateway-serve-results.{md,json}
 * (`gateway-serve-messages-results.*` with `--api messages`).
 */
import { resolve } from 'node:path';
import { ANTHROPIC_MODEL, armRow, benchMachine, benchOption as option, CHAT_BODY as BODY, checkChatAnswer, MESSAGES_BODY, concatSorted, machineLine, rotate as rotateArms, spawnBaseArms, writeResults, type Arm as BaseArm, type ArmRow } from './arms.js';
import { fakeProviderYaml, setFakeUpstream, spawnRealServe } from './child-process.js';
import { openLoop, openLoopStream, saturate } from './load.js';

const quick = process.argv.includes('--quick');
const SLICES = Number(option('--slices') ?? (quick ? 1 : 2));
const SLICE_MS = quick ? 700 : 1_000;
const WORKERS = option('--workers') ?? '1';
const API = option('--api') ?? 'chat';
if (API !== 'chat' && API !== 'messages') throw new Error(`--api: expected chat or messages, got ${API}`);
const MESSAGES = API === 'messages';
const RATES = MESSAGES ? [500, 1000] : [500, 1000, 2000];
const LATENCIES = process.argv.includes('--only-0ms') || MESSAGES ? [0] : [0, 50];
const SATURATION_CONNECTIONS = 50;
const SATURATION_SECONDS = 1.5;
const STREAM_RATE = 200;
const STREAM_PHASE = `stream TTFB at ${STREAM_RATE}/s, 0 ms upstream`;
/** Word chunks added to each stream in the per-chunk phase (11 by default). */
const EXTRA_CHUNKS = 200;
const LONG_STREAM_PHASE = `stream of ${11 + EXTRA_CHUNKS} chunks at ${STREAM_RATE}/s (complete time)`;
/**
 * Streams whose chunks come 1 ms apart, as a model's tokens do (tens of ms apart in practice): each
 * arrives in a TCP segment of its own, so each costs a read, a parse and a write. Back to back (the
 * phases above) most chunks coalesce into a few reads on the way and cost far less each.
 */
const SPACED_GAP_MS = 1;
const SPACED_RATE = 20;
const SPACED_PHASE = `stream of 11 chunks ${SPACED_GAP_MS} ms apart at ${SPACED_RATE}/s (complete time)`;
const SPACED_LONG_PHASE = `stream of ${11 + EXTRA_CHUNKS} chunks ${SPACED_GAP_MS} ms apart at ${SPACED_RATE}/s (complete time)`;
/** An overloaded arm's backlog is cut off this long after a slice's last send (counted as errors), so the run stays bounded. */
const DRAIN_MS = 3_000;

const REQUEST_BODY = MESSAGES ? MESSAGES_BODY : BODY;
const STREAM_BODY = REQUEST_BODY.replace('"max_tokens":64', '"max_tokens":64,"stream":true');
const STREAM_END = MESSAGES ? 'message_stop' : '[DONE]';

interface Arm extends BaseArm {
  stream: boolean;
}

type Row = ArmRow;

const machine = benchMachine();
const { serverCore } = machine;
const { upstream, proxy, passthrough } = await spawnBaseArms(machine, { upstreamKind: 'fixed', proxyRuntime: false, ...(MESSAGES ? { proxyPrefix: '' } : {}) });
const serveYaml = MESSAGES ? fakeProviderYaml('anthropic', upstream.url, ANTHROPIC_MODEL) : fakeProviderYaml('openai_compatible', `${upstream.url}/v1`, 'gpt-4o-mini');
const serve = await spawnRealServe(upstream.url, serverCore, ['--workers', WORKERS], {}, undefined, serveYaml);
/** `--young-mb N`: a second serve arm with `server.runtime.young_generation_mb: N`, same run (V8 heap setting per workload). */
const youngMb = option('--young-mb');
const serveYoung =
  youngMb === undefined ? undefined : await spawnRealServe(upstream.url, serverCore, ['--workers', WORKERS], { FORTITUDE_SERVER__RUNTIME__YOUNG_GENERATION_MB: youngMb }, undefined, serveYaml);
const baselineDir = option('--baseline');
const serveBaseline =
  baselineDir === undefined ? undefined : await spawnRealServe(upstream.url, serverCore, ['--workers', WORKERS], {}, resolve(baselineDir, 'dist', 'main.js'), serveYaml);
const PATH = MESSAGES ? '/v1/messages' : '/v1/chat/completions';
const target = (url: string) => ({ url, path: PATH, body: REQUEST_BODY, streamEnd: STREAM_END });
const arms: Arm[] = [
  { name: 'direct', child: upstream, target: target(upstream.url), stream: true },
  { name: 'bare proxy', child: proxy, target: target(proxy.url), stream: true },
  // The pass-through services speak OpenAI's chat completions only.
  ...(MESSAGES ? [] : [{ name: 'pass-through', child: passthrough, target: target(passthrough.url), stream: false }]),
  { name: 'serve', child: serve, target: target(serve.url), stream: true },
  ...(serveBaseline === undefined ? [] : [{ name: 'serve (baseline)', child: serveBaseline, target: target(serveBaseline.url), stream: true }]),
  ...(serveYoung === undefined ? [] : [{ name: `serve young ${youngMb} MB`, child: serveYoung, target: target(serveYoung.url), stream: true }]),
];
const rows: Row[] = [];
/** Each open-loop row's latencies, sorted (phase|arm → ms), for the added p99's confidence interval. */
const latenciesOf = new Map<string, Float64Array>();

try {
  await checkAnswers();
  // Warm-up: serve's code needs a few thousand requests before V8 has optimised its hot path (its
  // compiler threads share the pinned core); with 1.5 s the first phase still paid for it
  // (serve 2.0 ms CPU/request at 500/s vs 1.0 at 1000/s in the same run, 2026-12-07 12:00).
  for (const arm of arms) await openLoop(arm.target, 1_000, quick ? 700 : 5_000);

  for (const latency of LATENCIES) {
    await setFakeUpstream(upstream.url, 'latency', latency);
    for (const rate of RATES) {
      const phase = `${rate}/s, ${latency} ms upstream`;
      await rotate(phase, arms, async (arm) => {
        const run = await openLoop(arm.target, rate, SLICE_MS, { drainMs: DRAIN_MS });
        return { ok: run.ok, errors: run.errors, latencies: run.latencies };
      });
    }
  }

  await setFakeUpstream(upstream.url, 'latency', 0);
  await rotate('saturation (50 connections), 0 ms upstream', arms, async (arm) => {
    const run = await saturate(arm.target, SATURATION_CONNECTIONS, SATURATION_SECONDS);
    return { ok: run.ok, errors: run.errors, latencies: Float64Array.from([run.p50]), p99: run.p99, seconds: run.durationSeconds };
  });

  const streamArms = arms.filter((arm) => arm.stream).map((arm) => ({ ...arm, target: { ...arm.target, body: STREAM_BODY } }));
  await rotate(STREAM_PHASE, streamArms, async (arm) => {
    const run = await openLoopStream(arm.target, STREAM_RATE, SLICE_MS);
    return { ok: run.ok, errors: run.errors, latencies: run.firstByte };
  });
  // The same streams with EXTRA_CHUNKS more word chunks each: the CPU difference per chunk is
  // what relaying one chunk costs (parse, re-render, write), apart from the per-request cost.
  await setFakeUpstream(upstream.url, 'stream-words', 11 + EXTRA_CHUNKS);
  await rotate(LONG_STREAM_PHASE, streamArms, async (arm) => {
    const run = await openLoopStream(arm.target, STREAM_RATE, SLICE_MS);
    return { ok: run.ok, errors: run.errors, latencies: run.complete };
  });
  await setFakeUpstream(upstream.url, 'stream-gap', SPACED_GAP_MS);
  for (const [phase, words] of [[SPACED_PHASE, 11], [SPACED_LONG_PHASE, 11 + EXTRA_CHUNKS]] as const) {
    await setFakeUpstream(upstream.url, 'stream-words', words);
    await rotate(phase, streamArms, async (arm) => {
      const run = await openLoopStream(arm.target, SPACED_RATE, SLICE_MS * 2);
      return { ok: run.ok, errors: run.errors, latencies: run.complete };
    });
  }
  await setFakeUpstream(upstream.url, 'stream-gap', 0);
  await setFakeUpstream(upstream.url, 'stream-words', 11);

  const table = render();
  const heading = [
    `${machineLine(machine, SLICES, SLICE_MS)}; serve --workers ${WORKERS}; POST ${PATH}`,
    `Command: node --import tsx bench/gateway/serve.ts ${process.argv.slice(2).join(' ')}`.trim(),
  ].join('\n');
  writeResults(machine, MESSAGES ? 'gateway-serve-messages-results' : 'gateway-serve-results', heading, rows, table);
} finally {
  await Promise.all([serve.stop(), serveBaseline?.stop(), serveYoung?.stop(), passthrough.stop(), proxy.stop()]);
  await upstream.stop();
}

interface SliceResult {
  ok: number;
  errors: number;
  latencies: Float64Array;
  /** Saturation: autocannon's p99 and duration. */
  p99?: number;
  seconds?: number;
}

async function rotate(phase: string, phaseArms: Arm[], slice: (arm: Arm) => Promise<SliceResult>): Promise<void> {
  const tally = () => ({ ok: 0, errors: 0, cpuMicros: 0, wallMicros: 0, peakRss: 0, latencies: [] as Float64Array[], p99: 0 });
  const tallies = await rotateArms(phaseArms, SLICES, { rssSampleMs: 200, tally }, async (arm, tally) => {
    const result = await slice(arm);
    tally.ok += result.ok;
    tally.errors += result.errors;
    tally.latencies.push(result.latencies);
    if (result.p99 !== undefined) tally.p99 += result.p99 * result.ok;
    return result.seconds;
  });
  for (const arm of phaseArms) {
    const tally = tallies.get(arm)!;
    // Saturation slices report autocannon's p50 and p99 (weighted by requests): their mean stands for the phase.
    const saturation = phase.startsWith('saturation');
    const row: Row = { ...armRow(phase, arm, tally), ...(saturation ? { p50: mean(concatSorted(tally.latencies)), p90: Number.NaN, p99: tally.p99 / Math.max(1, tally.ok) } : {}) };
    rows.push(row);
    if (!saturation) latenciesOf.set(`${phase}|${arm.name}`, concatSorted(tally.latencies));
    process.stderr.write(
      `${phase.padEnd(40)} ${arm.name.padEnd(12)} p50 ${row.p50.toFixed(2)}  p90 ${row.p90.toFixed(2)}  p99 ${row.p99.toFixed(2)} ms  ${row.rps.toFixed(0)} rps  ${row.cpuMicrosPerRequest.toFixed(0)} µs/req  RSS ${row.peakRssMb.toFixed(0)} MB  errors ${row.errors}\n`,
    );
  }
}

function mean(values: Float64Array): number {
  return values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
}

function render(): string {
  const fixed = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : '–');
  const lines = [
    '| phase | arm | ok | errors | p50 ms | p90 ms | p99 ms | rps | CPU µs/req (tree) | peak RSS MB (tree) |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (row) =>
        `| ${row.phase} | ${row.arm} | ${row.ok} | ${row.errors} | ${fixed(row.p50)} | ${fixed(row.p90)} | ${fixed(row.p99)} | ${fixed(row.rps, 0)} | ${fixed(row.cpuMicrosPerRequest, 0)} | ${fixed(row.peakRssMb, 0)} |`,
    ),
    '',
    'Added over `direct` (same phase, same run) and ratios to the bare proxy:',
    '',
    '| phase | arm | added p50 ms | added p90 ms | added p99 ms | added p99, 95 % CI | CPU/req ÷ proxy | rps ÷ proxy |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const phase of [...new Set(rows.map((row) => row.phase))]) {
    const direct = rows.find((row) => row.phase === phase && row.arm === 'direct')!;
    const proxyRow = rows.find((row) => row.phase === phase && row.arm === 'bare proxy')!;
    for (const row of rows.filter((candidate) => candidate.phase === phase && candidate.arm !== 'direct')) {
      lines.push(
        `| ${phase} | ${row.arm} | ${fixed(row.p50 - direct.p50, 3)} | ${fixed(row.p90 - direct.p90, 3)} | ${fixed(row.p99 - direct.p99, 3)} | ${addedP99Interval(phase, row.arm)} | ${fixed(row.cpuMicrosPerRequest / proxyRow.cpuMicrosPerRequest)}× | ${fixed(row.rps / proxyRow.rps)}× |`,
      );
    }
  }
  lines.push(
    '',
    `Per relayed chunk (CPU µs/stream of ${11 + EXTRA_CHUNKS} chunks − of 11, ÷ ${EXTRA_CHUNKS}), back to back and ${SPACED_GAP_MS} ms apart (each chunk its own read):`,
    '',
    '| arm | back to back, µs | ÷ proxy | − proxy, µs | 1 ms apart, µs | ÷ proxy | − proxy, µs |',
    '|---|---:|---:|---:|---:|---:|---:|',
  );
  const perChunk = (arm: string, shortPhase: string, longPhase: string): number => {
    const short = rows.find((row) => row.phase === shortPhase && row.arm === arm);
    const long = rows.find((row) => row.phase === longPhase && row.arm === arm);
    return short && long ? (long.cpuMicrosPerRequest - short.cpuMicrosPerRequest) / EXTRA_CHUNKS : Number.NaN;
  };
  for (const arm of [...new Set(rows.filter((row) => row.phase === LONG_STREAM_PHASE).map((row) => row.arm))]) {
    const together = perChunk(arm, STREAM_PHASE, LONG_STREAM_PHASE);
    const apart = perChunk(arm, SPACED_PHASE, SPACED_LONG_PHASE);
    const proxyTogether = perChunk('bare proxy', STREAM_PHASE, LONG_STREAM_PHASE);
    const proxyApart = perChunk('bare proxy', SPACED_PHASE, SPACED_LONG_PHASE);
    // "− proxy": what the arm adds to relaying a chunk over the bare proxy (the per-chunk overhead read as added cost).
    lines.push(`| ${arm} | ${fixed(together)} | ${fixed(together / proxyTogether)}× | ${fixed(together - proxyTogether)} | ${fixed(apart)} | ${fixed(apart / proxyApart)}× | ${fixed(apart - proxyApart)} |`);
  }
  return lines.join('\n');
}


/**
 * A bootstrap 95 % interval of `arm`'s p99 minus `direct`'s in `phase` (both resampled with
 * replacement, 500 times): how far the added p99 of one run could be from the one a rerun would
 * give. A p99 of 2,000 latencies rests on its 20 largest, so one stall moves it.
 */
function addedP99Interval(phase: string, arm: string): string {
  const own = latenciesOf.get(`${phase}|${arm}`);
  const direct = latenciesOf.get(`${phase}|direct`);
  if (own === undefined || direct === undefined || own.length < 100 || direct.length < 100) return '–';
  const differences = new Float64Array(500);
  for (let draw = 0; draw < differences.length; draw++) differences[draw] = resampledP99(own) - resampledP99(direct);
  differences.sort();
  return `${differences[12]!.toFixed(2)} to ${differences[487]!.toFixed(2)}`;
}

/** The p99 of a resample (with replacement) of `sorted`: its 99th-percentile rank among as many random indices, looked up. */
function resampledP99(sorted: Float64Array): number {
  const indices = new Uint32Array(sorted.length);
  for (let index = 0; index < indices.length; index++) indices[index] = Math.floor(Math.random() * sorted.length);
  indices.sort();
  return sorted[indices[Math.max(0, Math.ceil(0.99 * indices.length) - 1)]!]!;
}



/** Every arm must return a real chat.completion or Anthropic message (and every streaming arm a stream) before anything is timed. */
async function checkAnswers(): Promise<void> {
  for (const arm of arms) {
    const response = MESSAGES ? await checkMessagesAnswer(arm) : await checkChatAnswer(arm);
    if (arm.name.startsWith('serve') && response.headers.get('x-fortitude-provider') !== 'fake') throw new Error('serve: did not answer through the fake provider');
    if (!arm.stream) continue;
    const streamed = await fetch(arm.target.url + arm.target.path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
      body: STREAM_BODY,
    });
    const text = await streamed.text();
    if (streamed.status !== 200 || !text.includes('semaphore') || !text.includes(STREAM_END)) throw new Error(`${arm.name}: unexpected stream ${streamed.status} ${text.slice(0, 300)}`);
  }
}

/** Throws unless the arm returns an Anthropic `message` with text for `MESSAGES_BODY`. */
async function checkMessagesAnswer(arm: Arm): Promise<Response> {
  const response = await fetch(arm.target.url + arm.target.path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
    body: MESSAGES_BODY,
  });
  const body = (await response.json()) as { type?: string; content?: { type?: string; text?: string }[] };
  if (response.status !== 200 || body.type !== 'message' || typeof body.content?.[0]?.text !== 'string') {
    throw new Error(`${arm.name}: unexpected answer ${response.status} ${JSON.stringify(body).slice(0, 200)}`);
  }
  return response;
}
