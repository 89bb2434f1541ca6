/**
 * Bytes allocated per call on the gateway's provider path, in process, layer by layer (issue 17:
 * GC was ~14 % of serve's worker): a stub provider (the baseline: one awaited async call), the
 * HTTP provider over a stub transport (wire translation, no socket), the whole provider stack
 * (model choice, rate limit with a tokens_per_minute limit, breaker, retry), the fallback chain
 * over it, the provider call (plan, budget reservation stub, records) and the gateway's chat.
 * Sampling heap profiler, scavenged objects included; deterministic enough to compare two trees.
 * Arm: "provider path in process, stub transport", not `fortitude serve` (bench/gateway/profile-serve.ts --alloc).
 *
 *   node --import tsx bench/provider-path-alloc.ts [--calls 20000] [--detail]
 */
import { Session } from 'node:inspector/promises';
import type { ChatRequest, ChatResult } from '../src/core/chat.js';
import { createPriceResolver } from '../src/pipeline/budget/price-resolver.js';
import { createGateway } from '../src/pipeline/gateway.js';
import type { ProviderCatalog } from '../src/pipeline/ports.js';
import { createProviderCaller } from '../src/pipeline/provider-call.js';
import { createProviderChain } from '../src/providers/fallback/provider-chain.js';
import { createHttpProvider } from '../src/providers/http-provider.js';
import type { HttpTransport } from '../src/providers/http-transport.js';
import type { Provider } from '../src/providers/provider.js';
import { createProviderStack } from '../src/providers/provider-stack.js';
import { estimateChatTokens, loadTokenizer } from '../src/providers/rate-limit/token-estimator.js';

const index = process.argv.indexOf('--calls');
const CALLS = index >= 0 ? Number(process.argv[index + 1]) : 20_000;
const DETAIL = process.argv.includes('--detail');

interface HeapNode {
  callFrame: { functionName: string; url: string };
  selfSize: number;
  children: HeapNode[];
}

const session = new Session();
session.connect();
let baseline = 0;
async function measure(label: string, call: () => Promise<unknown>): Promise<void> {
  for (let warm = 0; warm < 2_000; warm++) await call();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', { samplingInterval: 128, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  for (let done = 0; done < CALLS; done++) await call();
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: HeapNode } };
  const self = new Map<string, number>();
  let total = 0;
  const walk = (node: HeapNode) => {
    total += node.selfSize;
    const key = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.replace(/.*\/src\//, '')}`;
    self.set(key, (self.get(key) ?? 0) + node.selfSize);
    node.children.forEach(walk);
  };
  walk(profile.head);
  const bytes = total / CALLS;
  if (baseline === 0) baseline = bytes;
  process.stdout.write(`| ${label} | ${bytes.toFixed(0)} | ${(bytes / baseline).toFixed(1)}× |\n`);
  if (DETAIL) for (const [where, size] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 10)) process.stdout.write(`|   ${where} | ${(size / CALLS).toFixed(0)} | |\n`);
}

await loadTokenizer();
const responseBody = JSON.parse(
  '{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"A mutex is owned by one thread; a semaphore counts permits."},"finish_reason":"stop"}],"usage":{"prompt_tokens":25,"completion_tokens":12,"total_tokens":37}}',
) as unknown;
const transport = { json: async () => ({ status: 200, body: responseBody }), stats: () => [], close: async () => undefined } as unknown as HttpTransport;
const request: ChatRequest = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are a concise research assistant.' },
    { role: 'user', content: 'What is the difference between a mutex and a semaphore?' },
  ],
  maxTokens: 64,
};
const result: ChatResult = { id: 'x', model: 'm', text: 't', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 } };
const stub: Provider = {
  name: 'stub',
  kind: 'openai_compatible',
  capabilities: { streaming: true, embeddings: false },
  simulated: false,
  chat: async () => result,
  // eslint-disable-next-line require-yield
  stream: async function* () {
    return;
  },
  close: async () => undefined,
};
const options = { name: 'fake', kind: 'openai_compatible' as const, baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'sk-bench' };
const http = createHttpProvider(options, { transport });
const stack = createProviderStack(
  { ...options, modelChoice: { defaultModel: 'gpt-4o-mini', servedModels: [] }, rateLimit: { requestsPerMinute: 100_000_000, tokensPerMinute: 100_000_000_000, maxConcurrent: 100_000 } },
  { transport },
);
const chain = createProviderChain(new Map([['fake', stack]]));
const names = ['fake'];
const catalog: ProviderCatalog = {
  names,
  has: (name) => name === 'fake',
  modelOf: () => 'gpt-4o-mini',
  modelFor: (_name, requested) => requested || 'gpt-4o-mini',
  providerFor: (model) => (model === 'gpt-4o-mini' ? 'fake' : undefined),
  models: () => [],
  embedders: () => [],
  chain,
};
const reservation = { id: 'r', reservedUsd: 0, reconcile: async () => ({ overrunUsd: 0 }), release: async () => undefined };
const caller = createProviderCaller({
  providers: catalog,
  router: { plan: () => ({ order: names, models: {} }) as never, record: () => undefined, recordQuality: () => undefined },
  budget: { reserve: async () => reservation },
  prices: createPriceResolver(),
  estimateTokens: estimateChatTokens,
  recorder: { add: () => undefined },
  onCall: () => undefined,
});
const gateway = createGateway({ providers: catalog, caller, responses: { enabled: false, prefix: 'bench', getOrCompute: () => Promise.reject(new Error('not cached')) } });

process.stdout.write(`${CALLS} sequential calls per row (bytes per call, sampled)\n\n| layer | bytes per call | ÷ stub provider |\n|---|---:|---:|\n`);
await measure('stub provider (baseline)', () => stub.chat(request));
await measure('HTTP provider over a stub transport', () => http.chat(request, {}));
await measure('provider stack', () => stack.chat(request, {}));
await measure('fallback chain over the stack', () => chain.call(names, request, {}));
await measure('provider call over the chain (stub router and budget)', () => caller.call(names, request, {}));
await measure('gateway chat over the provider call', () => gateway.chat(request, { cache: { bypass: false, refresh: false } }));
await stack.close();
process.exit(0);
