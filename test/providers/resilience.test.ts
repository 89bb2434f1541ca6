import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/core/errors.js';
import { createFallbackProvider } from '../../src/providers/fallback/fallback-provider.js';
import { createProviderChain } from '../../src/providers/fallback/provider-chain.js';
import { HttpTransport } from '../../src/providers/http-transport.js';
import { createCallTrace } from '../../src/providers/provider.js';
import { createProviderStack, providerStatus } from '../../src/providers/provider-stack.js';
import type { ManagedProvider, ProviderStackOptions } from '../../src/providers/provider-stack.js';
import { startSimulator } from '../../src/providers/simulator/simulator.js';
import type { RunningSimulator } from '../../src/providers/simulator/simulator.js';
import { createProviderStats } from '../../src/providers/stats/provider-stats.js';
import { refusedUrl } from './helpers/test-server.js';
import { SIMULATED_KINDS, drain, question, settle } from './helpers/simulated.js';

let simulator: RunningSimulator;
let transport: HttpTransport;
const opened: ManagedProvider[] = [];

beforeAll(async () => {
  simulator = await startSimulator({ seed: 11 });
  transport = new HttpTransport();
});
afterEach(async () => {
  for (const provider of opened.splice(0)) await provider.close();
  simulator.resetStats();
});
afterAll(async () => {
  await transport.close();
  await simulator.close();
});

/** A scenario per attempt: the list is consumed in order, then `ok`. */
function scenarios(list: string[]) {
  const calls: string[] = [];
  return {
    calls,
    headers: () => {
      const scenario = list.shift() ?? 'ok';
      calls.push(scenario);
      return { 'x-simulator-scenario': scenario };
    },
  };
}

function stack(name: string, options: Partial<ProviderStackOptions> = {}, stats = createProviderStats()): ManagedProvider {
  const entry = SIMULATED_KINDS.find((each) => each.name === name)!;
  const provider = createProviderStack(
    {
      name,
      kind: entry.kind,
      baseUrl: simulator.baseUrlFor(name),
      apiKey: entry.apiKey,
      simulated: true,
      totalTimeoutMs: 2_000,
      readTimeoutMs: 2_000,
      retry: { maxRetries: 3, retryDelayMs: 1, exponentialBackoff: true },
      ...options,
    },
    { transport, stats },
  );
  opened.push(provider);
  return provider;
}

describe.each(SIMULATED_KINDS)('retries for $kind', ({ name }) => {
  it('retries two 5xx and answers on the third try', async () => {
    const script = scenarios(['error_500', 'error_503']);
    const trace = createCallTrace();
    const result = await stack(name, { headers: script.headers }).chat(question, { trace });
    expect(result.text.length).toBeGreaterThan(0);
    expect(script.calls).toEqual(['error_500', 'error_503', 'ok']);
    expect(trace.attempts.map((attempt) => `${attempt.outcome}:${attempt.status ?? ''}`)).toEqual(['server:500', 'server:503', 'ok:']);
    expect(simulator.stats(name).requests).toBe(3);
  });

  it('does not retry 400 or 401', async () => {
    for (const scenario of ['bad_request', 'unauthorized']) {
      const script = scenarios([scenario, scenario, scenario]);
      const error = (await settle(stack(name, { headers: script.headers }).chat(question))).error;
      expect(error).toBeInstanceOf(ProviderError);
      expect(script.calls).toEqual([scenario]);
    }
  });

  it('retries a reset and a stream broken before its first byte', async () => {
    const chatScript = scenarios(['reset']);
    await stack(name, { headers: chatScript.headers }).chat(question);
    expect(chatScript.calls).toEqual(['reset', 'ok']);
    const streamScript = scenarios(['error_503', 'reset']);
    const { error, parts } = await drain(stack(name, { headers: streamScript.headers }).stream(question));
    expect(error).toBeUndefined();
    expect(parts.at(-1)?.type).toBe('finish');
    expect(streamScript.calls).toEqual(['error_503', 'reset', 'ok']);
  });

  it('never retries a stream that broke after its first part', async () => {
    const script = scenarios(['truncate']);
    const { error, parts } = await drain(stack(name, { headers: script.headers }).stream({ ...question, maxTokens: undefined }));
    expect(parts.length).toBeGreaterThan(0);
    expect(error).toMatchObject({ errorClass: 'stream_broken' });
    expect(script.calls).toEqual(['truncate']);
  });

  it('waits out the retry-after of a 429', async () => {
    simulator.setProfile(name, { retryAfterSeconds: 0.2 });
    const script = scenarios(['rate_limit']);
    const started = Date.now();
    await stack(name, { headers: script.headers }).chat(question);
    simulator.setProfile(name, { retryAfterSeconds: 1 });
    expect(script.calls).toEqual(['rate_limit', 'ok']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });
});

describe('circuit breaker over HTTP', () => {
  it('opens after consecutive failures, refuses locally, then recovers through a half-open probe', async () => {
    const script = scenarios(['error_500', 'error_500', 'error_500']);
    const provider = stack('openai', {
      headers: script.headers,
      retry: { maxRetries: 0 },
      breaker: { failureThreshold: 3, openDurationMs: 150 },
    });
    for (let index = 0; index < 3; index += 1) expect((await settle(provider.chat(question))).error).toMatchObject({ errorClass: 'server' });
    const refused = (await settle(provider.chat(question))).error;
    expect(refused).toMatchObject({ errorClass: 'circuit_open', code: 'provider_unavailable' });
    expect((refused as ProviderError).retryAfterMs).toBeGreaterThan(0);
    expect(script.calls).toHaveLength(3); // the refused call never reached the simulator
    expect((await provider.status()).breaker.state).toBe('open');

    await new Promise((resolve) => setTimeout(resolve, 160));
    expect((await provider.status()).breaker.state).toBe('half_open');
    await provider.chat(question); // the probe succeeds
    expect((await provider.status()).breaker.state).toBe('closed');
    expect(script.calls).toEqual(['error_500', 'error_500', 'error_500', 'ok']);
  });

  it('reopens when the half-open probe fails', async () => {
    const script = scenarios(['error_503', 'error_503', 'error_503']);
    const provider = stack('gemini', { headers: script.headers, retry: { maxRetries: 0 }, breaker: { failureThreshold: 2, openDurationMs: 100 } });
    await settle(provider.chat(question));
    await settle(provider.chat(question));
    await new Promise((resolve) => setTimeout(resolve, 110));
    expect((await settle(provider.chat(question))).error).toMatchObject({ errorClass: 'server' }); // probe
    expect((await settle(provider.chat(question))).error).toMatchObject({ errorClass: 'circuit_open' });
  });
});

describe('fallback over HTTP', () => {
  it('falls back from a provider whose port refuses connections to a healthy one', async () => {
    const down = createProviderStack(
      { name: 'down', kind: 'openai', baseUrl: `${await refusedUrl()}/v1`, apiKey: 'sk-down-0123456789', retry: { maxRetries: 3, retryDelayMs: 1_000 } },
      { transport },
    );
    opened.push(down);
    const trace = createCallTrace();
    const result = await createFallbackProvider([down, stack('claude')]).chat(question, { trace });
    expect(result.text.length).toBeGreaterThan(0);
    expect(trace.provider).toBe('claude');
    // One try at the dead port: a refused connection is not retried, the chain moves on.
    expect(trace.attempts.map((attempt) => `${attempt.provider}:${attempt.outcome}`)).toEqual(['down:connection', 'claude:ok']);
  });

  it('skips a provider whose breaker is open', async () => {
    const broken = stack('openai', { headers: { 'x-simulator-scenario': 'error_500' }, retry: { maxRetries: 0 }, breaker: { failureThreshold: 1, openDurationMs: 60_000 } });
    await settle(broken.chat(question));
    const trace = createCallTrace();
    await createFallbackProvider([broken, stack('gemini')]).chat(question, { trace });
    expect(trace.attempts.map((attempt) => `${attempt.provider}:${attempt.outcome}`)).toEqual(['openai:circuit_open', 'gemini:ok']);
    expect(simulator.stats('openai').requests).toBe(1);
  });

  it('is invisible in a stream that failed before its first byte', async () => {
    const failing = stack('openai', { headers: { 'x-simulator-scenario': 'error_503' }, retry: { maxRetries: 1, retryDelayMs: 1 } });
    const trace = createCallTrace();
    const { parts, error } = await drain(createFallbackProvider([failing, stack('compat')]).stream(question, { trace }));
    expect(error).toBeUndefined();
    expect(parts.at(-1)).toMatchObject({ type: 'finish', id: expect.stringMatching(/^chatcmpl-sim/) });
    expect(trace.provider).toBe('compat');
    expect(trace.attempts.map((attempt) => `${attempt.provider}:${attempt.outcome}`)).toEqual(['openai:server', 'openai:server', 'compat:ok']);
  });

  it('propagates a stream failure after the first byte instead of switching providers', async () => {
    const breaking = stack('claude', { headers: { 'x-simulator-scenario': 'truncate' } });
    const { parts, error } = await drain(createFallbackProvider([breaking, stack('gemini')]).stream({ ...question, maxTokens: undefined }));
    expect(parts.length).toBeGreaterThan(0);
    expect(error).toMatchObject({ errorClass: 'stream_broken', provider: 'claude' });
    expect(simulator.stats('gemini').requests).toBe(0);
  });

  it('answers through a provider chain with the answering provider known before the first part', async () => {
    const chain = createProviderChain(
      new Map([
        ['openai', stack('openai', { headers: { 'x-simulator-scenario': 'reset' }, retry: { maxRetries: 0 } })],
        ['claude', stack('claude')],
      ]),
    );
    const answer = await chain.call(['openai', 'claude'], question);
    expect(answer).toMatchObject({ provider: 'claude', simulated: true, attempts: [{ provider: 'openai', outcome: 'connection' }] });
    const streamed = await chain.stream(['openai', 'claude'], question);
    expect(streamed.provider).toBe('claude');
    expect((await drain(streamed.parts)).error).toBeUndefined();
  });
});

describe('rate limiting over HTTP', () => {
  it('queues over max_concurrent in arrival order and fails clearly past the bounded wait', async () => {
    simulator.setProfile('compat', { latencyMs: 40 });
    try {
      const provider = stack('compat', { rateLimit: { maxConcurrent: 1, maxQueueWaitMs: 10_000 } });
      const finished: number[] = [];
      await Promise.all([0, 1, 2].map((index) => provider.chat(question).then(() => finished.push(index))));
      expect(finished).toEqual([0, 1, 2]);

      const strict = stack('compat', { rateLimit: { maxConcurrent: 1, maxQueueWaitMs: 10 } });
      const [first, second] = await Promise.all([settle(strict.chat(question)), settle(strict.chat(question))]);
      expect(first.error).toBeUndefined();
      expect(second.error).toMatchObject({ code: 'rate_limited', errorClass: 'rate_limit' });
    } finally {
      simulator.setProfile('compat', { latencyMs: 0 });
    }
  });

  it('enforces requests_per_minute without calling the provider', async () => {
    // 6 per minute: the third request would wait ~10 s for its token.
    const provider = stack('gemini', { rateLimit: { requestsPerMinute: 6, burstAllowance: 1, maxQueueWaitMs: 100 } });
    await provider.chat(question);
    await provider.chat(question);
    const refused = (await settle(provider.chat(question))).error;
    expect(refused).toMatchObject({ code: 'rate_limited' });
    expect((refused as ProviderError).retryAfterMs).toBeGreaterThan(5_000);
    expect(simulator.stats('gemini').requests).toBe(2);
  });

  it('slows down after a provider 429 with retry-after', async () => {
    simulator.setProfile('openai', { retryAfterSeconds: 5 });
    try {
      const provider = stack('openai', {
        headers: { 'x-simulator-scenario': 'rate_limit' },
        retry: { maxRetries: 0 },
        rateLimit: { requestsPerMinute: 6_000, burstAllowance: 100, maxQueueWaitMs: 1_000 },
      });
      expect((await settle(provider.chat(question))).error).toMatchObject({ status: 429 });
      // The provider asked for 5 s: the local limiter now refuses at once rather than hammering it.
      expect((await settle(provider.chat(question))).error).toMatchObject({ code: 'rate_limited' });
      expect(simulator.stats('openai').requests).toBe(1);
      expect((await provider.status()).rateLimit.blockedForMs).toBeGreaterThan(4_000);
    } finally {
      simulator.setProfile('openai', { retryAfterSeconds: 1 });
    }
  });

  it('corrects the token budget with the usage the provider reported', async () => {
    // 1000 per minute refills one token per 60 ms, so the call's duration hardly matters.
    const provider = stack('claude', { rateLimit: { tokensPerMinute: 1_000 } });
    const result = await provider.chat(question);
    const { tokensRemaining } = (await provider.status()).rateLimit;
    const used = result.usage.inputTokens + result.usage.outputTokens;
    expect(used).toBeGreaterThan(20);
    expect(tokensRemaining).toBeGreaterThanOrEqual(1_000 - used - 1);
    expect(tokensRemaining).toBeLessThanOrEqual(1_000 - used + 20);
  });
});

describe('provider status', () => {
  it('reports breaker, rolling latency, error rate, rate-limit budget and connections', async () => {
    const stats = createProviderStats();
    // 1 per minute refills too slowly to change the count during the test: 50 − 4 = 46 remain.
    const healthy = stack('openai', { rateLimit: { requestsPerMinute: 1, burstAllowance: 49 } }, stats);
    const failing = stack('claude', { headers: { 'x-simulator-scenario': 'error_500' }, retry: { maxRetries: 0 }, breaker: { failureThreshold: 2 } }, stats);
    for (let index = 0; index < 4; index += 1) await healthy.chat(question);
    await settle(failing.chat(question));
    await settle(failing.chat(question));
    const [first, second] = await providerStatus([healthy, failing]);
    expect(first).toMatchObject({
      name: 'openai',
      kind: 'openai',
      simulated: true,
      configured: true,
      healthy: true,
      breaker: { state: 'closed' },
      rateLimit: { requestsRemaining: 46, inFlight: 0, queued: 0 },
      stats: { requests: 4, errors: 0, errorRate: 0 },
      connections: { connected: expect.any(Number) },
    });
    expect(first!.stats!.latencyMs!.p95).toBeGreaterThanOrEqual(first!.stats!.latencyMs!.p50);
    expect(second).toMatchObject({ name: 'claude', healthy: false, breaker: { state: 'open' }, stats: { requests: 2, errorRate: 1 } });
    expect(JSON.stringify([first, second])).not.toMatch(/SECRET/);
  });
});
