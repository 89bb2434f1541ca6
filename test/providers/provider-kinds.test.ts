import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/core/errors.js';
import { createHttpProvider } from '../../src/providers/http-provider.js';
import type { HttpProviderOptions } from '../../src/providers/http-provider.js';
import { HttpTransport } from '../../src/providers/http-transport.js';
import { createCallTrace } from '../../src/providers/provider.js';
import { startSimulator } from '../../src/providers/simulator/simulator.js';
import type { RunningSimulator } from '../../src/providers/simulator/simulator.js';
import { SIMULATED_KINDS, drain, question, settle } from './helpers/simulated.js';

let simulator: RunningSimulator;
let transport: HttpTransport;

beforeAll(async () => {
  simulator = await startSimulator({ seed: 7 });
  transport = new HttpTransport();
});
afterAll(async () => {
  await transport.close();
  await simulator.close();
});

describe.each(SIMULATED_KINDS)('$kind over HTTP', ({ name, kind, apiKey }) => {
  const provider = (scenario?: string, extra: Partial<HttpProviderOptions> = {}) =>
    createHttpProvider(
      {
        name,
        kind,
        baseUrl: simulator.baseUrlFor(name),
        apiKey,
        simulated: true,
        totalTimeoutMs: 2_000,
        readTimeoutMs: 2_000,
        ...(scenario ? { headers: { 'x-simulator-scenario': scenario } } : {}),
        ...extra,
      },
      { transport },
    );

  it('answers a chat request with text, usage and a finish reason', async () => {
    const trace = createCallTrace();
    const result = await provider().chat(question, { trace });
    expect(result.text.length).toBeGreaterThan(20);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(['stop', 'length']).toContain(result.finishReason);
    expect(trace.provider).toBe(name);
    expect(trace.attempts).toMatchObject([{ provider: name, outcome: 'ok' }]);
  });

  it('streams text parts then exactly one finish part', async () => {
    const { parts, error } = await drain(provider().stream({ ...question, maxTokens: undefined }));
    expect(error).toBeUndefined();
    expect(parts.length).toBeGreaterThan(2);
    expect(parts.filter((part) => part.type === 'finish')).toHaveLength(1);
    const finish = parts[parts.length - 1]!;
    expect(finish).toMatchObject({ type: 'finish', finishReason: 'stop' });
    expect(finish.type === 'finish' && finish.usage.outputTokens).toBeGreaterThan(0);
  });

  it.each([
    ['bad_request', 'bad_request', 400],
    ['not_found', 'bad_request', 404],
    ['error_500', 'server', 500],
    ['error_503', 'server', 503],
  ] as const)('maps %s to %s (%i)', async (scenario, errorClass, status) => {
    for (const call of [() => provider(scenario).chat(question), async () => (await drain(provider(scenario).stream(question))).error]) {
      const outcome = await settle(Promise.resolve().then(call));
      const error = outcome.error ?? outcome.value;
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ errorClass, status, provider: name });
    }
  });

  it('maps unauthorized to auth (Gemini answers 400 for a bad key)', async () => {
    const error = (await settle(provider('unauthorized').chat(question))).error;
    expect(error).toMatchObject({ errorClass: 'auth', status: kind === 'gemini' ? 400 : 401, retryable: false });
  });

  it('maps a 429 to rate_limit with the retry-after in ms', async () => {
    simulator.setProfile(name, { retryAfterSeconds: 3 });
    const error = (await settle(provider('rate_limit').chat(question))).error;
    simulator.setProfile(name, { retryAfterSeconds: 1 });
    expect(error).toMatchObject({ errorClass: 'rate_limit', status: 429, retryAfterMs: 3_000, retryable: true });
  });

  it('turns a hung request into a timeout', async () => {
    const options = { totalTimeoutMs: 150 };
    const chat = (await settle(provider('hang', options).chat(question))).error;
    expect(chat).toMatchObject({ errorClass: 'timeout', details: { reason: 'total_timeout' } });
    const stream = (await drain(provider('hang', options).stream(question))).error;
    expect(stream).toMatchObject({ errorClass: 'timeout' });
  });

  it('turns a connection reset into a connection error', async () => {
    const error = (await settle(provider('reset').chat(question))).error;
    expect(error).toMatchObject({ errorClass: 'connection', details: { reason: 'reset' }, retryable: true });
  });

  it('never finishes a truncated stream cleanly: the caller sees stream_broken', async () => {
    const { parts, error } = await drain(provider('truncate').stream({ ...question, maxTokens: undefined }));
    expect(parts.some((part) => part.type === 'text')).toBe(true);
    expect(parts.some((part) => part.type === 'finish')).toBe(false);
    expect(error).toMatchObject({ errorClass: 'stream_broken', provider: name });
  });

  it('surfaces an in-stream error event as an error after the text so far', async () => {
    const { parts, error } = await drain(provider('stream_error').stream({ ...question, maxTokens: undefined }));
    expect(parts.some((part) => part.type === 'finish')).toBe(false);
    expect(error).toBeInstanceOf(ProviderError);
  });

  it('fails a truncated plain response instead of returning half an answer', async () => {
    const error = (await settle(provider('truncate').chat(question))).error;
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).retryable).toBe(true);
  });

  it.runIf(kind !== 'anthropic')('embeds texts in input order', async () => {
    const embed = provider().embed;
    expect(embed).toBeDefined();
    const result = await embed!({ model: 'sim-embed', input: ['alpha', 'beta', 'alpha'] });
    expect(result.vectors).toHaveLength(3);
    expect(result.vectors[0]!.length).toBeGreaterThan(8);
    expect(result.vectors[0]).toEqual(result.vectors[2]);
    expect(result.vectors[0]).not.toEqual(result.vectors[1]);
  });
});

describe('registry capabilities', () => {
  it('gives Anthropic no embeddings and the others embeddings', () => {
    for (const { name, kind } of SIMULATED_KINDS) {
      const provider = createHttpProvider({ name, kind, baseUrl: 'http://127.0.0.1:9', apiKey: 'k' }, { transport });
      expect(provider.capabilities.embeddings).toBe(kind !== 'anthropic');
      expect(typeof provider.embed).toBe(kind === 'anthropic' ? 'undefined' : 'function');
    }
  });
});
