/**
 * Time to an answer when the first provider refuses connections and the second is healthy,
 * against the healthy provider alone. Sequential (closed loop, arms round-robin) so each number
 * is one request's own latency under the same machine conditions. Two failover arms: breaker effectively off (every request pays the refused
 * connect) and the default breaker (opens after 5 failures; later requests skip the dead
 * provider locally).
 *
 *   node --import tsx bench/provider-failover.ts [--requests 1000]
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createFallbackProvider } from '../src/providers/fallback/fallback-provider.js';
import { createProviderStack } from '../src/providers/provider-stack.js';
import type { ProviderStackOptions } from '../src/providers/provider-stack.js';
import type { Provider } from '../src/providers/provider.js';
import { loadTokenizer } from '../src/providers/rate-limit/token-estimator.js';
import { percentile } from '../src/providers/stats/provider-stats.js';
import { spawnSimulator } from './provider-simulator-child.js';

const index = process.argv.indexOf('--requests');
const REQUESTS = index >= 0 ? Number(process.argv[index + 1]) : 1000;
const WARMUP = 200;

async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const simulator = await spawnSimulator();
await loadTokenizer();
const deadUrl = `http://127.0.0.1:${await refusedPort()}/v1`;
const common: Omit<ProviderStackOptions, 'name' | 'kind' | 'baseUrl' | 'apiKey'> = {
  simulated: true,
  // The seed's request_optimization: a refused port must not be retried with these delays.
  retry: { maxRetries: 3, retryDelayMs: 1_000, exponentialBackoff: true },
};
const healthy = createProviderStack({ name: 'claude', kind: 'anthropic', baseUrl: `${simulator.url}/claude`, apiKey: 'sk-ant-bench', ...common });
const deadNoBreaker = createProviderStack({
  name: 'openai',
  kind: 'openai',
  baseUrl: deadUrl,
  apiKey: 'sk-bench',
  ...common,
  breaker: { failureThreshold: Number.MAX_SAFE_INTEGER, minimumRequests: Number.MAX_SAFE_INTEGER },
});
const deadWithBreaker = createProviderStack({ name: 'openai', kind: 'openai', baseUrl: deadUrl, apiKey: 'sk-bench', ...common });

const arms: [string, Provider][] = [
  ['healthy provider alone', healthy],
  ['refused -> healthy, breaker off', createFallbackProvider([deadNoBreaker, healthy])],
  ['refused -> healthy, breaker on', createFallbackProvider([deadWithBreaker, healthy])],
];

const request = (index: number) => ({
  model: 'claude-3-5-haiku-20241022',
  messages: [{ role: 'user' as const, content: `Which index type suits range queries on timestamps? (${index})` }],
  maxTokens: 64,
});

// Warm up the healthy pool and JIT; the breaker-on arm is measured from its first request,
// so its numbers include the five refused connects before the breaker opens.
for (let index = 0; index < WARMUP; index += 1) {
  await healthy.chat(request(index));
  await arms[1]![1].chat(request(index));
}
// Round-robin, one request at a time: every arm sees the same machine conditions.
const latencies = arms.map(() => [] as number[]);
for (let index = 0; index < REQUESTS; index += 1) {
  for (const [arm, [, provider]] of arms.entries()) {
    const started = performance.now();
    await provider.chat(request(index));
    latencies[arm]!.push(performance.now() - started);
  }
}
const fmt = (value: number) => value.toFixed(3).padStart(8);
const results = new Map<string, { p50: number; p99: number; max: number }>();
for (const [arm, [name]] of arms.entries()) {
  const sorted = latencies[arm]!.sort((a, b) => a - b);
  results.set(name, { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1]! });
}
const base = results.get('healthy provider alone')!;
console.log(`provider-failover: ${REQUESTS} sequential requests per arm (arms round-robin), first provider refuses connections, simulator 0 ms in a child process`);
console.log('arm                                 p50 ms   p99 ms   max ms   added p50  added p99   ratio p50');
for (const [name, result] of results) {
  console.log(
    `${name.padEnd(34)} ${fmt(result.p50)} ${fmt(result.p99)} ${fmt(result.max)}   ${fmt(result.p50 - base.p50)}   ${fmt(result.p99 - base.p99)}   ${fmt(result.p50 / base.p50)}`,
  );
}
const worst = results.get('refused -> healthy, breaker off')!;
console.log(`target failover adds < 5 ms (p99, every request paying the refused connect): ${worst.p99 - base.p99 < 5 ? 'MET' : 'NOT MET'} (${(worst.p99 - base.p99).toFixed(3)} ms)`);

for (const provider of [healthy, deadNoBreaker, deadWithBreaker]) await provider.close();
await simulator.stop();
