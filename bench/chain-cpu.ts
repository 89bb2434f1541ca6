/**
 * CPU per call of the fallback chain itself (ordering, the fallback loop, trace, cancellation),
 * with two in-process providers that answer at once: no HTTP, no limiter, so the number is the
 * chain's own cost. Arm: "chain over in-process providers", not `fortitude serve`. Run the same
 * file on two trees to compare before and after.
 *
 *   node --import tsx bench/chain-cpu.ts [--calls 200000] [--trials 5]
 */
import type { ChatRequest, ChatResult } from '../src/core/chat.js';
import { createProviderChain } from '../src/providers/fallback/provider-chain.js';
import type { CallOptions, Provider } from '../src/providers/provider.js';

function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const CALLS = flag('calls', 200_000);
const TRIALS = flag('trials', 5);

function instant(name: string): Provider {
  const result: ChatResult = { id: name, model: 'm', text: 'answer', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 } };
  let latency = 0;
  return {
    name,
    kind: 'openai_compatible',
    capabilities: { streaming: true, embeddings: false },
    simulated: true,
    // Present on the new tree's stacks (deadline and hedging); ignored by the old tree.
    timing: { deadlineMs: 30_000, hedgeAfterMs: () => 250, observe: (ms: number) => void (latency = ms), hedgeLost: () => true },
    chat(_request: ChatRequest, options?: CallOptions) {
      options?.trace?.attempts.push({ provider: name, outcome: 'ok', latencyMs: latency });
      if (options?.trace) options.trace.provider = name;
      return Promise.resolve(result);
    },
    // eslint-disable-next-line require-yield
    async *stream() {
      throw new Error('not used');
    },
    close: () => Promise.resolve(),
  } as Provider;
}

const chain = createProviderChain(new Map([['a', instant('a')], ['b', instant('b')]]));
const order = ['a', 'b'];
const request: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hello' }] };
const signal = new AbortController().signal;

async function run(calls: number): Promise<number> {
  const before = process.cpuUsage();
  for (let index = 0; index < calls; index++) await chain.call(order, request, { signal });
  const used = process.cpuUsage(before);
  return (used.user + used.system) / calls;
}

await run(20_000);
const results: number[] = [];
for (let trial = 0; trial < TRIALS; trial++) results.push(await run(CALLS));
results.sort((a, b) => a - b);
console.log(`chain.call CPU µs/call: median ${results[Math.floor(results.length / 2)]!.toFixed(3)} (trials ${results.map((value) => value.toFixed(3)).join(', ')})`);
