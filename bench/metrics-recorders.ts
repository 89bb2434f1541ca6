/**
 * The per-call cost of the metrics recorders a gateway or research request calls besides the API
 * request's (`observeProviderCall` once per provider try; `observeCache` per cache level and
 * `observeCacheLookup` once per research lookup), in a tight loop over a realistic label mix:
 * ns per call and bytes allocated per call (young-generation bytes scavenged, with
 * `--max-semi-space-size=1` so every MB shows as one scavenge). A tight loop keeps every cache
 * warm: a lower bound on the in-server cost, and the allocation figure is exact either way.
 *
 *   node --max-semi-space-size=1 --import tsx bench/metrics-recorders.ts [--calls 2000000]
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { createMetrics } from '../src/infrastructure/metrics/create-metrics.js';

const index = process.argv.indexOf('--calls');
const CALLS = index >= 0 ? Number(process.argv[index + 1]) : 2_000_000;
const metrics = createMetrics({ components: { infrastructure: { disk_io: false, network_io: false } } });
const PROVIDERS = ['openai', 'claude', 'fake'];
const MODELS = ['gpt-4o-mini', 'claude-3-5-haiku-20241022', 'gpt-4o-mini'];
const OUTCOMES = ['success', 'success', 'success', 'timeout'];

let scavenged = 0;
const observer = new PerformanceObserver((list) => (scavenged += list.getEntries().length));

async function run(name: string, call: (i: number) => void): Promise<void> {
  for (let i = 0; i < 100_000; i++) call(i); // warm-up: every series exists, the code is optimised
  observer.observe({ entryTypes: ['gc'] });
  scavenged = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) call(i);
  const ns = Number(process.hrtime.bigint() - start) / CALLS;
  await new Promise((resolve) => setTimeout(resolve, 10)); // GC entries are delivered asynchronously
  observer.disconnect();
  // One MB semi-space: each GC is about one MB allocated (an upper bound; 0 means < 1 MB over all calls).
  console.log(`${name}: ${ns.toFixed(0)} ns/call, ~${((scavenged * 1_048_576) / CALLS).toFixed(1)} B/call allocated (${scavenged} GCs over ${CALLS} calls)`);
}

await run('observeProviderCall', (i) => {
  const p = i % 3;
  metrics.observeProviderCall({ provider: PROVIDERS[p]!, model: MODELS[p]!, outcome: OUTCOMES[i & 3]!, durationMs: 12.5 + (i & 7), inputTokens: 24, outputTokens: 14, costUsd: 0.00001 });
});
await run('observeCache', (i) => metrics.observeCache({ level: i & 1 ? 'memory' : 'disk', strategy: 'exact', result: i & 2 ? 'hit' : 'miss' }));
await run('observeCacheLookup', (i) => metrics.observeCacheLookup({ strategy: i & 1 ? 'exact' : 'semantic', result: i & 2 ? 'hit' : 'miss' }));
await run('observeApiRequest', (i) => metrics.observeApiRequest({ route: '/v1/chat/completions', method: 'POST', status: i & 15 ? 200 : 429, durationMs: 1.5 }));
metrics.close();
