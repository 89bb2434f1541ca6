/**
 * Added latency of the provider stack (rate limiter, breaker, retry, transport, wire translation)
 * over a bare undici request, both against the simulator (0 ms latency, own process), open loop
 * at a fixed total rate (arms alternating request by request) with latency measured from each request's intended send time.
 *
 *   node --import tsx bench/provider-overhead.ts [--rate 1000] [--requests 5000]
 */
import { Pool } from 'undici';
import { createProviderStack } from '../src/providers/provider-stack.js';
import { loadTokenizer } from '../src/providers/rate-limit/token-estimator.js';
import { percentile } from '../src/providers/stats/provider-stats.js';
import { openaiWire } from '../src/wire/openai/openai-wire.js';
import { spawnSimulator } from './provider-simulator-child.js';

function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const RATE = flag('rate', 1000); // requests per second
const REQUESTS = flag('requests', 2000); // per arm and trial
const TRIALS = flag('trials', 3);
const WARMUP = 1000;
const API_KEY = 'sk-bench-0123456789abcdef';

const TOTAL = WARMUP + REQUESTS * TRIALS;
/** Distinct questions, so token counting and JSON work are not served from caches. */
const requests = Array.from({ length: TOTAL }, (_, index) => ({
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system' as const, content: 'You are a concise research assistant.' },
    { role: 'user' as const, content: `What is the difference between a mutex and a semaphore in case ${index}?` },
  ],
  maxTokens: 64,
}));
let next = 0;

const simulator = await spawnSimulator();
const baseUrl = `${simulator.url}/openai/v1`;
await loadTokenizer();

// Bare: the same bytes the stack sends (built before the run), through one undici Pool, body read as text.
const specs = requests.map((request) => openaiWire.buildChatRequest(request, { baseUrl, apiKey: API_KEY }, { stream: false }));
const pool = new Pool(simulator.url, { connections: 100, keepAliveTimeout: 90_000 });
const barePath = `/openai/v1${specs[0]!.path}`;
const bare = async () => {
  const spec = specs[next++ % TOTAL]!;
  const response = await pool.request({ method: 'POST', path: barePath, headers: spec.headers, body: spec.body });
  const text = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}: ${text}`);
  return text;
};

// Full stack: limits far above the offered load so they are checked but never wait.
const provider = createProviderStack({
  name: 'openai',
  kind: 'openai',
  baseUrl,
  apiKey: API_KEY,
  simulated: true,
  connection: { maxConnections: 100, maxIdleConnections: 100 },
  rateLimit: { requestsPerMinute: 10_000_000, burstAllowance: 1_000_000, tokensPerMinute: 1_000_000_000, maxConcurrent: 10_000 },
  retry: { maxRetries: 3, retryDelayMs: 100, exponentialBackoff: true },
});
const stack = () => provider.chat(requests[next++ % TOTAL]!);

/**
 * Interleaved open loop: one request is due every `1000/rate` ms, alternately bare and through
 * the stack, so both arms run at the same time and share every stall the machine throws at
 * them; the difference of their percentiles is the stack's own cost.
 */
async function interleaved(count: number): Promise<{ bare: number[]; stack: number[]; errors: number }> {
  const interval = 1000 / RATE;
  const latencies = { bare: [] as number[], stack: [] as number[] };
  let errors = 0;
  let sent = 0;
  let done = 0;
  const total = count * 2;
  const start = performance.now() + 5;
  return new Promise((resolve) => {
    const finish = (arm: 'bare' | 'stack', intended: number) => {
      latencies[arm].push(performance.now() - intended);
      if (++done === total) resolve({ ...latencies, errors });
    };
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        const intended = start + sent * interval;
        const arm = sent % 2 === 0 ? 'bare' : 'stack';
        sent += 1;
        (arm === 'bare' ? bare() : stack()).then(
          () => finish(arm, intended),
          () => {
            errors += 1;
            finish(arm, intended);
          },
        );
      }
      // A 1 ms timer rather than a busy loop: spinning would steal a core from the simulator on
      // small machines. Send lateness counts in the latency of both arms alike.
      if (sent < total) setTimeout(tick, 0);
    };
    setTimeout(tick, 0);
  });
}

await interleaved(WARMUP);

const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1] ?? 0 };
};
const fmt = (value: number) => value.toFixed(3).padStart(8);
const all = { bare: [] as number[], stack: [] as number[] };
const addedP99: number[] = [];
let errors = 0;
console.log(
  `provider-overhead: ${RATE} req/s open loop, arms alternating (${RATE / 2} req/s each), ${REQUESTS} requests per arm x ${TRIALS} trials (+${WARMUP} warm-up), simulator 0 ms in a child process`,
);
console.log('trial arm                    p50 ms   p99 ms   max ms');
for (let trial = 1; trial <= TRIALS; trial += 1) {
  const run = await interleaved(REQUESTS);
  errors += run.errors;
  const runs = { bare: summary(run.bare), stack: summary(run.stack) };
  for (const name of ['bare', 'stack'] as const) {
    all[name].push(...run[name]);
    const result = runs[name];
    console.log(`${String(trial).padStart(5)} ${name.padEnd(18)} ${fmt(result.p50)} ${fmt(result.p99)} ${fmt(result.max)}`);
  }
  addedP99.push(runs.stack.p99 - runs.bare.p99);
}
const b = summary(all.bare);
const s = summary(all.stack);
const medianAdded = [...addedP99].sort((x, y) => x - y)[Math.floor(addedP99.length / 2)]!;
console.log('');
console.log('all trials               p50 ms   p99 ms   max ms');
console.log(`bare undici Pool       ${fmt(b.p50)} ${fmt(b.p99)} ${fmt(b.max)}`);
console.log(`full provider stack    ${fmt(s.p50)} ${fmt(s.p99)} ${fmt(s.max)}`);
console.log(`added                  ${fmt(s.p50 - b.p50)} ${fmt(s.p99 - b.p99)}`);
console.log(`ratio stack/bare       ${fmt(s.p50 / b.p50)} ${fmt(s.p99 / b.p99)}`);
console.log(`per-trial p99 added: ${addedP99.map((value) => value.toFixed(3)).join(', ')} ms (median ${medianAdded.toFixed(3)}); errors: ${errors}`);
console.log(`target p99 added <= 0.5 ms: ${s.p99 - b.p99 <= 0.5 ? 'MET' : 'NOT MET'} (${(s.p99 - b.p99).toFixed(3)} ms over all trials)`);

// CPU per request is robust to a busy machine where tail latency is not: closed loop, 8 in
// flight, client process CPU time only (the simulator runs in its own process).
const cpuPerRequest = async (call: () => Promise<unknown>, count: number): Promise<number> => {
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let index = 0; index < count / 8; index += 1) await call();
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
};
const cpu = { bare: [] as number[], stack: [] as number[] };
for (let round = 0; round < 3; round += 1) {
  cpu.bare.push(await cpuPerRequest(bare, 2_000));
  cpu.stack.push(await cpuPerRequest(stack, 2_000));
}
const medianOf = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
const cpuBare = medianOf(cpu.bare);
const cpuStack = medianOf(cpu.stack);
console.log(`client CPU per request (median of 3 closed-loop rounds): bare ${cpuBare.toFixed(1)} µs, stack ${cpuStack.toFixed(1)} µs, added ${(cpuStack - cpuBare).toFixed(1)} µs, ratio ${(cpuStack / cpuBare).toFixed(2)}`);

await provider.close();
await pool.close();
await simulator.stop();
