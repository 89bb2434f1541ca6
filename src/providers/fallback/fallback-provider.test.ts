import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../core/errors.js';
import { chatRequest, collect, scriptedProvider } from '../../../test/support/fake-provider.js';
import { createCallTrace } from '../provider.js';
import { createFallbackProvider } from './fallback-provider.js';

describe('createFallbackProvider', () => {
  it('tries the next provider on an availability failure and records every attempt', async () => {
    const first = scriptedProvider('a', [{ fail: 'circuit_open' }]);
    const second = scriptedProvider('b', [{ fail: 'server', status: 503 }]);
    const third = scriptedProvider('c', []);
    const trace = createCallTrace();
    const result = await createFallbackProvider([first, second, third]).chat(chatRequest, { trace });
    expect(result.text).toBe('answer from c');
    expect(trace.provider).toBe('c');
    expect(trace.attempts.map((attempt) => `${attempt.provider}:${attempt.outcome}`)).toEqual(['a:circuit_open', 'b:server', 'c:ok']);
  });

  it('does not fall back on a client error', async () => {
    const first = scriptedProvider('a', [{ fail: 'bad_request', status: 400 }]);
    const second = scriptedProvider('b', []);
    await expect(createFallbackProvider([first, second]).chat(chatRequest)).rejects.toMatchObject({ status: 400, provider: 'a' });
    expect(second.calls).toHaveLength(0);
  });

  it('reports provider_unavailable with every failure when all fail', async () => {
    const error = await createFallbackProvider([
      scriptedProvider('a', [{ fail: 'connection', reason: 'refused' }]),
      scriptedProvider('b', [{ fail: 'server', status: 500 }]),
    ])
      .chat(chatRequest)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'provider_unavailable', provider: 'b', details: { providers: ['a', 'b'] } });
    expect((error as Error).message).toMatch(/a: scripted connection; b: scripted server/);
  });

  it('falls back invisibly when a stream fails before its first part', async () => {
    const parts = await collect(
      createFallbackProvider([scriptedProvider('a', [{ fail: 'stream_broken', partsFirst: 0 }]), scriptedProvider('b', [])]).stream(chatRequest),
    );
    expect(parts).toEqual(['b:a', 'b:b', 'finish']);
  });

  it('propagates a stream failure after the first part without trying the next provider', async () => {
    const second = scriptedProvider('b', []);
    const seen: string[] = [];
    const error = await (async () => {
      for await (const part of createFallbackProvider([scriptedProvider('a', [{ fail: 'stream_broken', partsFirst: 1 }]), second]).stream(chatRequest)) {
        seen.push(part.type === 'text' ? part.text : 'finish');
      }
    })().catch((caught: unknown) => caught);
    expect(seen).toEqual(['a:a']);
    expect(error).toMatchObject({ errorClass: 'stream_broken', provider: 'a' });
    expect(second.calls).toHaveLength(0);
  });
});
