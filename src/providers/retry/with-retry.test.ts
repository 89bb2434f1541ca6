import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../core/errors.js';
import { createManualClock } from '../clock.js';
import { chatRequest, collect, scriptedProvider } from '../../../test/support/fake-provider.js';
import { withRetry } from './with-retry.js';

const options = { maxRetries: 3, retryDelayMs: 100, exponentialBackoff: true };

describe('withRetry', () => {
  it('retries a 503 twice and then answers, waiting full-jitter delays', async () => {
    const clock = createManualClock();
    const inner = scriptedProvider('p', [
      { fail: 'server', status: 503 },
      { fail: 'server', status: 500 },
    ]);
    const provider = withRetry(options, { clock, random: () => 0.5 })(inner);
    const pending = provider.chat(chatRequest);
    await clock.advance(49);
    expect(inner.calls).toHaveLength(1);
    await clock.advance(1); // 0.5 × 100
    expect(inner.calls).toHaveLength(2);
    await clock.advance(100); // 0.5 × 200
    expect(inner.calls).toHaveLength(3);
    await expect(pending).resolves.toMatchObject({ text: 'answer from p' });
  });

  it('waits at least the retry-after of a 429', async () => {
    const clock = createManualClock();
    const inner = scriptedProvider('p', [{ fail: 'rate_limit', status: 429, retryAfterMs: 2_000 }]);
    const pending = withRetry(options, { clock, random: () => 0 })(inner).chat(chatRequest);
    await clock.advance(1_999);
    expect(inner.calls).toHaveLength(1);
    await clock.advance(1);
    await expect(pending).resolves.toBeDefined();
  });

  it('gives up after max_retries with the last error', async () => {
    const clock = createManualClock();
    const inner = scriptedProvider('p', [], { fail: 'timeout', reason: 'headers_timeout' });
    const pending = withRetry(options, { clock, random: () => 0 })(inner).chat(chatRequest);
    const settled = pending.catch((error: unknown) => error);
    await clock.advance(0);
    expect(await settled).toBeInstanceOf(ProviderError);
    expect(inner.calls).toHaveLength(4);
  });

  it('does not retry 400, 401, 404 or a refused connection', async () => {
    for (const step of [
      { fail: 'bad_request' as const, status: 400 },
      { fail: 'auth' as const, status: 401 },
      { fail: 'bad_request' as const, status: 404 },
      { fail: 'connection' as const, reason: 'refused' },
    ]) {
      const inner = scriptedProvider('p', [step]);
      await expect(withRetry(options, { random: () => 0 })(inner).chat(chatRequest)).rejects.toMatchObject({ errorClass: step.fail });
      expect(inner.calls).toHaveLength(1);
    }
  });

  it('does not wait out a retry-after above the ceiling', async () => {
    const inner = scriptedProvider('p', [{ fail: 'rate_limit', status: 429, retryAfterMs: 120_000 }]);
    await expect(withRetry(options)(inner).chat(chatRequest)).rejects.toMatchObject({ status: 429 });
    expect(inner.calls).toHaveLength(1);
  });

  it('retries a stream that failed before its first part, invisibly', async () => {
    const inner = scriptedProvider('p', [{ fail: 'stream_broken', partsFirst: 0 }]);
    const parts = await collect(withRetry(options, { random: () => 0 })(inner).stream(chatRequest));
    expect(parts).toEqual(['p:a', 'p:b', 'finish']);
    expect(inner.calls).toHaveLength(2);
  });

  it('never retries a stream after a part was delivered', async () => {
    const inner = scriptedProvider('p', [{ fail: 'stream_broken', partsFirst: 1 }]);
    const seen: string[] = [];
    const error = await (async () => {
      for await (const part of withRetry(options, { random: () => 0 })(inner).stream(chatRequest)) {
        seen.push(part.type === 'text' ? part.text : 'finish');
      }
    })().catch((caught: unknown) => caught);
    expect(seen).toEqual(['p:a']);
    expect(error).toMatchObject({ errorClass: 'stream_broken' });
    expect(inner.calls).toHaveLength(1);
  });
});
