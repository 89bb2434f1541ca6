import { createHash } from 'node:crypto';
import type { CacheStrategy } from '../cache-strategies.js';
import type { Embedder } from './embedder.js';

/**
 * The `caching.strategies.embeddings` strategy in front of an embedder: a text's vector is
 * read from the strategy's levels (memory, Redis…) with its TTL before the embedder is asked,
 * and every computed vector is stored. Keys carry the embedder's id, so vectors of different
 * embedders never mix. A disabled strategy passes every call straight through.
 */
export function createCachedEmbedder(inner: Embedder, strategy: Pick<CacheStrategy<number[]>, 'enabled' | 'prefix' | 'peek' | 'get' | 'set'>): Embedder {
  if (!strategy.enabled) return inner;
  const keyOf = (text: string) => `${strategy.prefix}:v1:${inner.id}:${createHash('sha256').update(text).digest('hex')}`;
  return {
    id: inner.id,
    dimensions: inner.dimensions,
    async embed(texts) {
      const keys = texts.map(keyOf);
      const vectors: (Float32Array | undefined)[] = await Promise.all(
        keys.map(async (key) => {
          const cached = strategy.peek(key) ?? (await strategy.get(key).catch(() => undefined))?.value;
          return cached && cached.length === inner.dimensions ? Float32Array.from(cached) : undefined;
        }),
      );
      const missing = texts.map((_, index) => index).filter((index) => vectors[index] === undefined);
      if (missing.length > 0) {
        const computed = await inner.embed(missing.map((index) => texts[index]!));
        missing.forEach((index, position) => {
          const vector = computed[position]!;
          vectors[index] = vector;
          void strategy.set(keys[index]!, Array.from(vector)).catch(() => undefined);
        });
      }
      return vectors as Float32Array[];
    },
  };
}
