import { ApiError, GoogleGenAI } from '@google/genai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/providers/simulator/simulator.js';
import { estimateTokens } from '../../src/wire/token-estimate.js';

/**
 * The official `@google/genai` SDK against the simulator. The SDK builds
 * `${httpOptions.baseUrl}/${apiVersion}/models/{model}:{method}`, so the base URL is the
 * provider prefix (`${url}/gemini`), and streams use `:streamGenerateContent?alt=sse`.
 */

let sim: RunningSimulator;
let ai: GoogleGenAI;
const MODEL = 'gemini-2.0-flash';
const QUESTION = 'How do I add a Redis cache in front of a Python FastAPI endpoint?';

beforeAll(async () => {
  sim = await startSimulator({ seed: 11 });
  ai = new GoogleGenAI({ apiKey: 'gemini-simulated', httpOptions: { baseUrl: sim.baseUrlFor('gemini') } });
});
afterAll(() => sim.close());

const scenario = (name: string) => ({ httpOptions: { headers: { 'x-simulator-scenario': name } } });

describe('@google/genai → simulator', () => {
  it('generates content with usageMetadata and finishReason', async () => {
    const response = await ai.models.generateContent({
      model: MODEL,
      contents: QUESTION,
      config: { systemInstruction: 'You are a research assistant.' },
    });
    const text = response.text ?? '';
    expect(text).toMatch(/^## Answer/);
    expect(text).toMatch(/## Implementation\n\n```python\n/);
    expect(text).toContain('Redis');
    expect(response.candidates?.[0]?.finishReason).toBe('STOP');
    expect(response.usageMetadata?.candidatesTokenCount).toBe(estimateTokens(text));
    expect(response.usageMetadata?.totalTokenCount).toBe(
      (response.usageMetadata?.promptTokenCount ?? 0) + (response.usageMetadata?.candidatesTokenCount ?? 0),
    );
  });

  it('streams the same answer with generateContentStream', async () => {
    const plain = await ai.models.generateContent({ model: MODEL, contents: QUESTION });
    let text = '';
    let finish: string | undefined;
    let usage: number | undefined;
    let chunks = 0;
    for await (const chunk of await ai.models.generateContentStream({ model: MODEL, contents: QUESTION })) {
      chunks++;
      text += chunk.text ?? '';
      finish = chunk.candidates?.[0]?.finishReason ?? finish;
      usage = chunk.usageMetadata?.candidatesTokenCount ?? usage;
    }
    expect(chunks).toBeGreaterThan(2);
    expect(text).toBe(plain.text);
    expect(finish).toBe('STOP');
    expect(usage).toBe(plain.usageMetadata?.candidatesTokenCount);
  });

  it('applies maxOutputTokens and stopSequences', async () => {
    const cut = await ai.models.generateContent({ model: MODEL, contents: QUESTION, config: { maxOutputTokens: 9 } });
    expect(cut.candidates?.[0]?.finishReason).toBe('MAX_TOKENS');
    expect(cut.usageMetadata?.candidatesTokenCount).toBeLessThanOrEqual(9);
    const stopped = await ai.models.generateContent({ model: MODEL, contents: QUESTION, config: { stopSequences: ['## Evidence'] } });
    expect(stopped.text).not.toContain('## Evidence');
    expect(stopped.candidates?.[0]?.finishReason).toBe('STOP');
  });

  it('embeds a batch of texts', async () => {
    const response = await ai.models.embedContent({ model: 'text-embedding-004', contents: ['semantic cache', 'semantic caching'] });
    expect(response.embeddings).toHaveLength(2);
    expect(response.embeddings?.[0]?.values).toHaveLength(768);
    const sized = await ai.models.embedContent({ model: 'text-embedding-004', contents: 'x', config: { outputDimensionality: 32 } });
    expect(sized.embeddings?.[0]?.values).toHaveLength(32);
  });

  it('counts tokens', async () => {
    const count = await ai.models.countTokens({ model: MODEL, contents: QUESTION });
    expect(count.totalTokens).toBeGreaterThan(0);
  });

  it('surfaces HTTP errors as ApiError with the status', async () => {
    for (const [name, status] of [
      ['rate_limit', 429],
      ['error_500', 500],
      ['error_503', 503],
      ['unauthorized', 400],
      ['not_found', 404],
    ] as const) {
      const error = await ai.models.generateContent({ model: MODEL, contents: 'hi', config: scenario(name) }).catch((caught: unknown) => caught);
      expect(error, name).toBeInstanceOf(ApiError);
      expect((error as ApiError).status, name).toBe(status);
    }
  });

  it('throws on an error object inside the stream', async () => {
    const consume = async () => {
      for await (const _chunk of await ai.models.generateContentStream({ model: MODEL, contents: QUESTION, config: scenario('stream_error') })) {
        // drain
      }
    };
    await expect(consume()).rejects.toThrow(/internal error/i);
  });

  it('returns the real 403 body when the key is missing', async () => {
    const response = await fetch(`${sim.baseUrlFor('gemini')}/v1beta/models/${MODEL}:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 403, status: 'PERMISSION_DENIED' } });
  });

  it('rejects a request without contents like the API', async () => {
    const response = await fetch(`${sim.baseUrlFor('gemini')}/v1beta/models/${MODEL}:generateContent?key=k`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { status: 'INVALID_ARGUMENT', message: expect.stringContaining('contents') } });
  });
});
