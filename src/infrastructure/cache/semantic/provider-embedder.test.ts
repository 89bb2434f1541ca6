import { describe, expect, it } from 'vitest';
import { FortitudeError } from '../../../core/errors.js';
import { createEmbeddingCache } from './embedding-cache.js';
import { dot } from './embedder.js';
import { createLocalEmbedder } from './local-embedder.js';
import { createProviderEmbedder } from './provider-embedder.js';

describe('createProviderEmbedder', () => {
  it('batches calls and returns unit vectors in order', async () => {
    const batches: string[][] = [];
    const embedder = createProviderEmbedder({
      id: 'test:model', dimensions: 2, batchSize: 2,
      embed: async (texts) => {
        batches.push(texts);
        return texts.map((text) => [text.length, 0]);
      },
    });
    const vectors = await embedder.embed(['a', 'bb', 'ccc']);
    expect(batches).toEqual([['a', 'bb'], ['ccc']]);
    expect(vectors.map((vector) => Array.from(vector))).toEqual([[1, 0], [1, 0], [1, 0]]);
  });

  it('fails with a coded error on a wrong count or dimension', async () => {
    const wrongCount = createProviderEmbedder({ id: 'x', dimensions: 2, embed: async () => [] });
    await expect(wrongCount.embed(['a'])).rejects.toMatchObject({ code: 'provider_error' });
    const wrongDimensions = createProviderEmbedder({ id: 'x', dimensions: 3, embed: async (texts) => texts.map(() => [1, 2]) });
    await expect(wrongDimensions.embed(['a'])).rejects.toBeInstanceOf(FortitudeError);
  });
});

describe('createLocalEmbedder', () => {
  it('is deterministic, unit length, and closer for a paraphrase than for another question', async () => {
    const embedder = createLocalEmbedder({ dimensions: 256 });
    const [a, b, c, again] = await embedder.embed([
      'How do I install Redis on Ubuntu?', 'How can I set up Redis on Ubuntu?', 'What is the time complexity of quicksort?',
      'How do I install Redis on Ubuntu?',
    ]);
    expect(Array.from(again!)).toEqual(Array.from(a!));
    expect(dot(a!, a!)).toBeCloseTo(1, 5);
    expect(a!.length).toBe(256);
    expect(dot(a!, b!)).toBeGreaterThan(0.7);
    expect(dot(a!, c!)).toBeLessThan(0.3);
  });
});

describe('createEmbeddingCache', () => {
  it('calls the embedder once per distinct missing text', async () => {
    const calls: string[][] = [];
    const local = createLocalEmbedder();
    const cache = createEmbeddingCache({ ...local, embed: (texts) => (calls.push(texts), local.embed(texts)) });
    await cache.embed(['a b', 'c d', 'a b']);
    const [vector] = await cache.embed(['a b ']);
    expect(calls).toEqual([['a b', 'c d']]);
    expect(vector?.length).toBe(local.dimensions);
    expect(cache.size).toBe(2);
  });
});
