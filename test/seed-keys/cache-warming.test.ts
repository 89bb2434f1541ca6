/**
 * Issue 20, cache warming with `caching.semantic.enabled: false`: the warmer still runs and
 * answers popular queries whose cached answer expired, into the exact tiers (it used to be built
 * only with the semantic cache, so warming silently did nothing). Seen in the `provider_requests`
 * rows: a provider call the client did not make.
 */
import { expect, it } from 'vitest';
import { spawnServer } from '../observability/spawn-server.js';
import { configDir, countRequests, researchOk } from './seed-server.js';

const okCalls = (cwd: string): number => countRequests(cwd, "status = 'ok'");

it('warming with the semantic cache off re-answers an expired popular query in the background', async () => {
  const cwd = configDir('warming', [
    'research: { quality_threshold: 0 }',
    'caching:',
    '  semantic: { enabled: false }',
    '  strategies:',
    '    query_results: { ttl_seconds: 1 }',
    '  warming: { enabled: true, interval: 1s, frequency_threshold: 1, max_queries_per_run: 5 }',
  ]);
  const server = await spawnServer({ cwd });
  try {
    await researchOk(server.url, { query: 'What is the difference between TCP and UDP?', quality_threshold: 0 });
    expect(server.output()).toContain('cache warming: the semantic cache is off');
    // No more client requests: a second provider call can only come from the warmer.
    let calls = okCalls(cwd);
    for (let waited = 0; waited < 20_000 && calls < 2; waited += 500) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      calls = okCalls(cwd);
    }
    expect(calls).toBeGreaterThanOrEqual(2);
  } finally {
    await server.close();
  }
}, 120_000);
