/**
 * Client-side CPU per call of the fallback chain over two real provider stacks (rate limit →
 * breaker → retry → HTTP provider → transport) against the simulator in its own process (0 ms
 * latency). Sequential calls; CPU of this process only, so the simulator's work is not counted.
 * Arm: "chain over provider stacks, in-process", not `fortitude serve`. Run on two trees to compare.
 *
 *   node --import tsx bench/chain-stack-cpu.ts [--calls 4000] [--trials 5]
 */
import { createProviderChain } from '../src/providers/fallback/provider-chain.js';
import { createProviderStack } from '../src/providers/provider-stack.js';
import { loadTokenizer } from '../src/providers/rate-limit/token-estimator.js';
import { spawnSimulator } from './provider-simulator-child.js';

function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}
const CALLS = flag('calls', 4_000);
const TRIALS = flag('trials', 5);

const simulator = await spawnSimulator();
await loadTokenizer();
const stack = (name: string) =>
  createProviderStack({
    name,
    kind: 'openai',
    baseUrl: `${simulator.url}/openai/v1`,
    apiKey: 'sk-bench-0123456789abcdef',
    simulated: true,
    rateLimit: { requestsPerMinute: 10_000_000, burstAllowance: 1_000_000, tokensPerMinute: 1_000_000_000, maxConcurrent: 10_000 },
  });
const chain = createProviderChain(new Map([['a', stack('a')], ['b', stack('b')]]));
const order = ['a', 'b'];
const signal = new AbortController().signal;
let next = 0;

async function run(calls: number): Promise<number> {
  const before = process.cpuUsage();
  for (let index = 0; index < calls; index++) {
    await chain.call(order, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `question ${next++}` }], maxTokens: 16 }, { signal });
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / calls;
}

await run(2_000);
const results: number[] = [];
for (let trial = 0; trial < TRIALS; trial++) results.push(await run(CALLS));
results.sort((a, b) => a - b);
console.log(`chain over stacks, client CPU µs/call: median ${results[Math.floor(results.length / 2)]!.toFixed(1)} (trials ${results.map((value) => value.toFixed(1)).join(', ')})`);
await simulator.stop();
process.exit(0);
