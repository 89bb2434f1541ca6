/**
 * A/B of two `fortitude serve` builds on the gateway path, for a code change on a shared machine
 * (issue 17): this package's dist/ (`serve`) and another build's DIR/dist/main.js (`baseline`,
 * see serve.ts `--baseline`), the same config (one `openai_compatible` provider at the fake
 * upstream, rate limits unbound), pinned to the same core. Many short rounds alternate the arms
 * (order swapped every round); each round measures server-tree CPU per request in a closed loop
 * (`--connections`, default 16) and in an open loop at `--rate` (default 300/s). Reported: each
 * arm's median CPU µs/request and the median of the per-round ratios serve ÷ baseline, which
 * machine load moves much less than either arm's absolute numbers.
 *
 * `--redis URL`: both arms with `REDIS_URL` (shared budget, rate limits and breakers in Redis),
 * each under its own key prefix, deleted at the end.
 *
 *   npm run build && node --import tsx bench/gateway/ab-serve.ts --baseline DIR [--rounds 12] [--slice-ms 1500] [--connections 16] [--rate 300] [--api messages] [--redis redis://127.0.0.1:6379]
 */
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { ANTHROPIC_MODEL, benchMachine, gatewayRequest } from './arms.js';
import { fakeProviderYaml, spawnChild, spawnRealServe, type BenchChild } from './child-process.js';
import { closedLoop, openLoop, type LoadTarget } from './load.js';

const option = (name: string): string | undefined => {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
};
const baselineDir = option('--baseline');
if (baselineDir === undefined) throw new Error('--baseline DIR: the other build (DIR/dist/main.js)');
const ROUNDS = Number(option('--rounds') ?? 12);
const SLICE_MS = Number(option('--slice-ms') ?? 1_500);
const CONNECTIONS = Number(option('--connections') ?? 16);
const RATE = Number(option('--rate') ?? 300);
const MESSAGES = option('--api') === 'messages';
const REDIS_URL = option('--redis');
const redisPrefix = (arm: string) => `fortitude-bench-ab-${process.pid}-${arm}`;
const { body: BODY, path: PATH } = gatewayRequest(MESSAGES);

const machine = benchMachine();
const upstream = await spawnChild('upstream', 'upstream-child.ts', ['fixed'], machine.upstreamCore);
const yaml = MESSAGES ? fakeProviderYaml('anthropic', upstream.url, ANTHROPIC_MODEL) : fakeProviderYaml('openai_compatible', `${upstream.url}/v1`, 'gpt-4o-mini');
const arms: { name: string; child: BenchChild; target: LoadTarget; closed: number[]; open: number[] }[] = [];
for (const [name, main] of [
  ['serve', undefined],
  ['baseline', resolve(baselineDir, 'dist', 'main.js')],
] as const) {
  const env: Record<string, string> = REDIS_URL === undefined ? {} : { REDIS_URL, FORTITUDE_REDIS__KEY_PREFIX: `${redisPrefix(name)}:` };
  const child = await spawnRealServe(upstream.url, machine.serverCore, [], env, main, yaml);
  arms.push({ name, child, target: { url: child.url, path: PATH, body: BODY }, closed: [], open: [] });
}
const loadBefore = loadavg()[0]!;
try {
  for (const arm of arms) await openLoop(arm.target, 300, 1_000);
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? arms : [...arms].reverse();
    for (const arm of order) {
      let before = arm.child.cpuMicros();
      const closed = await closedLoop(arm.target, CONNECTIONS, SLICE_MS);
      arm.closed.push((arm.child.cpuMicros() - before) / Math.max(1, closed.ok + closed.errors));
      before = arm.child.cpuMicros();
      const open = await openLoop(arm.target, RATE, SLICE_MS, { drainMs: 2_000 });
      arm.open.push((arm.child.cpuMicros() - before) / Math.max(1, open.ok + open.errors));
      if (closed.errors + open.errors > 0) process.stderr.write(`${arm.name}: ${closed.errors + open.errors} errors in round ${round}\n`);
    }
  }
} finally {
  await Promise.all(arms.map((arm) => arm.child.stop()));
  await upstream.stop();
  if (REDIS_URL !== undefined) {
    const { Redis } = await import('ioredis');
    const redis = new Redis(REDIS_URL);
    for (const arm of arms) {
      const keys = await redis.keys(`*${redisPrefix(arm.name)}*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    await redis.quit();
  }
}
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const [serve, baseline] = arms as [(typeof arms)[0], (typeof arms)[0]];
const ratio = (key: 'closed' | 'open') => median(serve[key].map((value, index) => value / baseline[key][index]!));
process.stdout.write(
  [
    `POST ${PATH}${REDIS_URL === undefined ? '' : ' (shared state in Redis)'}; load average ${loadBefore.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}; ${ROUNDS} rounds of ${SLICE_MS} ms per arm and mode; servers pinned to core 1: ${machine.pinned ? 'yes' : 'no'}`,
    `Command: node --import tsx bench/gateway/ab-serve.ts ${process.argv.slice(2).join(' ')}`,
    '',
    '| mode | serve CPU µs/req (median) | baseline CPU µs/req (median) | serve ÷ baseline (median of rounds) |',
    '|---|---:|---:|---:|',
    `| closed loop, ${CONNECTIONS} connections | ${median(serve.closed).toFixed(0)} | ${median(baseline.closed).toFixed(0)} | ${ratio('closed').toFixed(3)} |`,
    `| open loop ${RATE}/s | ${median(serve.open).toFixed(0)} | ${median(baseline.open).toFixed(0)} | ${ratio('open').toFixed(3)} |`,
    '',
  ].join('\n'),
);
