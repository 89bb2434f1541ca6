/**
 * Issue 14.6: /metrics of `fortitude serve` must show a provider that fails every attempt (each
 * try an error sample, not nothing) and count rate-limited tries. Only `openai` is enabled, and it
 * points at a simulator scripted to fail, so no fallback can hide the failures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/providers/simulator/simulator.js';
import { parsePrometheus, spawnServer, sumOf, type SpawnedServer } from '../observability/spawn-server.js';

let server: SpawnedServer;
let upstream: RunningSimulator;

beforeAll(async () => {
  upstream = await startSimulator({ builtInProviders: false, providers: { openai: { format: 'openai', profile: { latencyMs: 1 } } } });
  server = await spawnServer({
    env: {
      FORTITUDE_PROVIDERS__OPENAI__BASE_URL: upstream.baseUrlFor('openai'),
      FORTITUDE_PROVIDERS__OPENAI__API_KEY: 'sk-test-failing-provider-0000',
      FORTITUDE_PROVIDERS__OPENAI__REQUEST_OPTIMIZATION__RETRY_DELAY_MS: '5',
      // Never open the breaker: every call should reach the upstream.
      FORTITUDE_PROVIDERS__OPENAI__CIRCUIT_BREAKER__CONSECUTIVE_FAILURES: '1000',
      FORTITUDE_PROVIDERS__OPENAI__CIRCUIT_BREAKER__MINIMUM_REQUESTS: '1000',
      FORTITUDE_PROVIDERS__CLAUDE__ENABLED: 'false',
      FORTITUDE_PROVIDERS__GEMINI__ENABLED: 'false',
    },
  });
}, 90_000);

afterAll(async () => {
  await server?.close();
  await upstream?.close();
});

async function metrics() {
  return parsePrometheus(await (await fetch(`${server.url}/metrics`)).text());
}

async function chat(content: string): Promise<number> {
  const response = await fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], max_tokens: 20 }),
  });
  await response.arrayBuffer();
  return response.status;
}

const openai = (outcome: string) => (labels: Record<string, string>) => labels.provider === 'openai' && labels.outcome === outcome;

describe('provider failure metrics (issue 14.6)', () => {
  it('a provider failing every attempt leaves one error sample per try', async () => {
    upstream.setProfile('openai', { errorRatio: 1, rateLimitRatio: 0 });
    const before = upstream.stats('openai').requests;
    expect(await chat('every attempt fails')).toBeGreaterThanOrEqual(500);
    const tries = upstream.stats('openai').requests - before;
    expect(tries).toBe(4); // the first try and the seed's 3 retries
    const samples = await metrics();
    expect(sumOf(samples, 'fortitude_provider_requests_total', openai('server'))).toBe(tries);
  }, 30_000);

  it('counts rate-limited tries (upstream 429) in fortitude_provider_rate_limited_total', async () => {
    upstream.setProfile('openai', { errorRatio: 0, rateLimitRatio: 1, retryAfterSeconds: 0 });
    const before = upstream.stats('openai').rateLimited;
    expect(await chat('every attempt is rate limited')).toBeGreaterThanOrEqual(429);
    const limited = upstream.stats('openai').rateLimited - before;
    expect(limited).toBeGreaterThan(0);
    const samples = await metrics();
    expect(sumOf(samples, 'fortitude_provider_rate_limited_total', (labels) => labels.provider === 'openai')).toBe(limited);
    expect(sumOf(samples, 'fortitude_provider_requests_total', openai('rate_limit'))).toBe(limited);
  }, 30_000);
});
