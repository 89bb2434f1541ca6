/**
 * Failover from a hung provider, `fortitude serve` as shipped (one worker, the seed's providers):
 * `openai` points at a simulator that holds every request without answering, `claude` and `gemini`
 * are the built-in simulated ones. Sequential gateway calls for `gpt-4o-mini` (sent to `openai`
 * first), timed at the client over loopback HTTP: cold (openai hangs from the start) and warm
 * (openai answered 20 calls, then hangs).
 *
 *   node --import tsx bench/hung-provider-failover.ts [--calls 10]
 */
import { startSimulator } from '../src/providers/simulator/simulator.js';
import { percentile } from '../src/providers/stats/provider-stats.js';
import { spawnServer } from '../test/observability/spawn-server.js';

const index = process.argv.indexOf('--calls');
const CALLS = index >= 0 ? Number(process.argv[index + 1]) : 10;

async function chat(url: string, content: string): Promise<{ ms: number; provider: string }> {
  const started = performance.now();
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], max_tokens: 40 }),
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return { ms: performance.now() - started, provider: response.headers.get('x-fortitude-provider') ?? '?' };
}

async function arm(name: string, warmCalls: number): Promise<void> {
  const upstream = await startSimulator({ builtInProviders: false, providers: { openai: { format: 'openai', profile: { latencyMs: 5 } } } });
  const server = await spawnServer({ env: { FORTITUDE_PROVIDERS__OPENAI__BASE_URL: upstream.baseUrlFor('openai'), FORTITUDE_PROVIDERS__OPENAI__API_KEY: 'sk-bench-hung-0000' } });
  try {
    for (let call = 0; call < warmCalls; call++) await chat(server.url, `warm-up ${call}`);
    upstream.setProfile('openai', { hangRatio: 1 });
    const results = [];
    // Spaced 600 ms apart so the seed's claude limit (120/min, no burst) never makes a call wait.
    for (let call = 0; call < CALLS; call++) {
      results.push(await chat(server.url, `${name} question ${call} while openai hangs`));
      await new Promise((resolve) => setTimeout(resolve, 600));
    }
    const times = results.map((result) => result.ms).sort((a, b) => a - b);
    console.log(
      `${name}: ${CALLS} calls, answered by ${[...new Set(results.map((result) => result.provider))].join('/')}; ms p50 ${percentile(times, 0.5).toFixed(0)}, max ${times[times.length - 1]!.toFixed(0)}; each: ${results.map((result) => result.ms.toFixed(0)).join(' ')}`,
    );
  } finally {
    await server.close();
    await upstream.close();
  }
}

await arm('cold (openai hangs from the start)', 0);
await arm('warm (openai answered 20 calls first)', 20);
