import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../core/errors.js';
import { createManualClock } from '../clock.js';
import { chatRequest, collect, scriptedProvider } from '../../../test/support/fake-provider.js';
import { createCallTrace } from '../provider.js';
import { CircuitBreaker, breakerOutcome, withCircuitBreaker } from './circuit-breaker.js';

const error = (errorClass: ProviderError['errorClass']) => new ProviderError('x', { provider: 'p', errorClass });

describe('breakerOutcome', () => {
  it('counts provider trouble as failure and client or local errors as neutral', () => {
    for (const errorClass of ['server', 'timeout', 'connection', 'stream_broken'] as const) expect(breakerOutcome(error(errorClass))).toBe('failure');
    for (const errorClass of ['bad_request', 'auth', 'rate_limit', 'circuit_open', 'content_filter'] as const) {
      expect(breakerOutcome(error(errorClass))).toBe('neutral');
    }
    expect(breakerOutcome(new DOMException('aborted', 'AbortError'))).toBe('neutral');
  });
});

describe('withCircuitBreaker', () => {
  it('opens on broken streams, records the refusal on the trace, and closes after a good probe', async () => {
    const clock = createManualClock();
    const breaker = new CircuitBreaker('p', { failureThreshold: 2, openDurationMs: 1_000 }, { clock });
    const inner = scriptedProvider('p', [
      { fail: 'stream_broken', partsFirst: 1 },
      { fail: 'server', status: 500 },
    ]);
    const provider = withCircuitBreaker(breaker)(inner);
    await expect(collect(provider.stream(chatRequest))).rejects.toMatchObject({ errorClass: 'stream_broken' });
    await expect(collect(provider.stream(chatRequest))).rejects.toMatchObject({ errorClass: 'server' });
    await clock.advance(0);
    const trace = createCallTrace();
    await expect(provider.chat(chatRequest, { trace })).rejects.toMatchObject({ errorClass: 'circuit_open', retryAfterMs: 1_000 });
    expect(trace.attempts).toEqual([{ provider: 'p', outcome: 'circuit_open', latencyMs: 0 }]);
    expect(inner.calls).toHaveLength(2);
    await clock.advance(1_000);
    await expect(collect(provider.stream(chatRequest))).resolves.toEqual(['p:a', 'p:b', 'finish']);
    await clock.advance(0);
    expect((await breaker.snapshot()).state).toBe('closed');
  });

  it('treats a consumer that stops after data as a success', async () => {
    const breaker = new CircuitBreaker('p', { failureThreshold: 1, openDurationMs: 1_000 });
    const inner = scriptedProvider('p', []);
    const provider = withCircuitBreaker(breaker)(inner);
    for await (const part of provider.stream(chatRequest)) {
      expect(part.type).toBe('text');
      break;
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(await breaker.snapshot()).toMatchObject({ state: 'closed', windowRequests: 1, windowFailures: 0 });
  });
});
